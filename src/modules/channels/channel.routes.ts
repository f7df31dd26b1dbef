import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { renderJson, sendJson } from '../../platform/http/render.js';
import { invalidField, notFound } from '../../platform/http/errors.js';
import { presentCatalog, presentPlacements, presentUserChannels } from './channel.presenter.js';
import {
  ChannelIdsBody,
  ChannelListResponse,
  ChannelParams,
  PlacementResponse,
  PlacementsBody,
  PlacementsResponse,
  SequenceBody,
} from './channel.schema.js';
import type { ChannelService } from './channel.service.js';

const bearer = [{ bearer: [] }];
const USER_CHANNELS = '/app/v1_0/user/channels';
/** The original's `int` rule: a non-numeric id does not match the route at all, hence 404 (A10, A11). */
const ONE_USER_CHANNEL = `${USER_CHANNELS}/:target(^\\d{1,19}$)`;

/** Largest 64-bit id: a bigger path id cannot name a row (and must not reach the database). */
const MAX_ID = (1n << 63n) - 1n;

const writeResponses = {
  201: PlacementsResponse,
  400: ErrorResponses[400],
  401: ErrorResponses[401],
  403: ErrorResponses[403],
};

export function channelRoutes(app: FastifyInstance, service: ChannelService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // The catalog and the defaults are the same array for everyone while the service keeps them:
  // rendered (and their ETag hashed) once per array, not per request.
  const rendered = new WeakMap<object, Buffer>();
  const sendShared = (reply: FastifyReply, list: object, render: () => Buffer) => {
    let bytes = rendered.get(list);
    if (bytes === undefined) rendered.set(list, (bytes = render()));
    return sendJson(reply, bytes);
  };

  r.get(
    '/app/v1_0/channels',
    {
      config: { auth: 'public', cache: { maxAge: 300 } },
      schema: {
        tags: ['channels'],
        summary: 'All channels (A31), without the virtual 推荐 channel',
        response: { 200: ChannelListResponse },
      },
    },
    async (_request, reply) => {
      const catalog = await service.catalog();
      return sendShared(reply, catalog, () => renderJson(reply, ok(presentCatalog(catalog))));
    },
  );

  r.get(
    USER_CHANNELS,
    {
      config: { auth: 'optional', cache: { maxAge: 300 } },
      schema: {
        tags: ['channels'],
        summary: 'The user’s channels (A28), 推荐 (id 0) first',
        description:
          'Signed in: 推荐, then the saved visible channels by seq; a user with no saved visible channel gets the default ' +
          'channels, as an anonymous caller does.',
        response: { 200: ChannelListResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request, reply) => {
      const channels = await service.forUser(request.userId);
      const render = () => renderJson(reply, ok(presentUserChannels(channels)));
      // A signed-in user's own list is theirs alone; the defaults are everyone's.
      return request.userId === undefined ? sendShared(reply, channels, render) : sendJson(reply, render());
    },
  );

  // The body is checked by the service so each mistake gets the contract's message; the schema documents it.
  const writeOptions = (summary: string, description: string) => ({
    config: { auth: 'required' as const },
    attachValidation: true,
    schema: {
      tags: ['channels'],
      summary,
      description,
      security: bearer,
      body: PlacementsBody,
      response: writeResponses,
    },
  });

  r.post(
    USER_CHANNELS,
    writeOptions(
      'Add channels to the user’s set (A30), insert only',
      '409 "Some conflict user channels occurred." when any is already saved.',
    ),
    async (request, reply) =>
      reply.code(201).send(ok(presentPlacements(await service.add(currentUser(request), request.body)))),
  );

  r.put(
    USER_CHANNELS,
    writeOptions('Replace the user’s whole channel set (A16)', 'Channels not in the body are removed.'),
    async (request, reply) =>
      reply.code(201).send(ok(presentPlacements(await service.replace(currentUser(request), request.body)))),
  );

  r.patch(
    USER_CHANNELS,
    writeOptions(
      'Add or reorder channels (A15)',
      'New ids are added, saved ones take the new seq, others are untouched. The app adds one channel with seq = its list length including 推荐.',
    ),
    async (request, reply) =>
      reply.code(201).send(ok(presentPlacements(await service.merge(currentUser(request), request.body)))),
  );

  r.delete(
    USER_CHANNELS,
    {
      config: { auth: 'required' },
      attachValidation: true,
      schema: {
        tags: ['channels'],
        summary: 'Remove channels from the user’s set (A17); JSON body',
        security: bearer,
        body: ChannelIdsBody,
        response: { 204: NoContent, 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request, reply) => {
      await service.remove(currentUser(request), request.body);
      return reply.code(204).send();
    },
  );

  r.put(
    ONE_USER_CHANNEL,
    {
      config: { auth: 'required' },
      attachValidation: true,
      schema: {
        tags: ['channels'],
        summary: 'Add or move one channel in the user’s set (A10)',
        description:
          '400 "Invalid channel id." for an unknown channel or 0; 400 "Invalid channel sequence param." for a bad seq.',
        security: bearer,
        params: ChannelParams,
        body: SequenceBody,
        response: {
          201: PlacementResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          403: ErrorResponses[403],
          404: ErrorResponses[404],
        },
      },
    },
    async (request, reply) => {
      const seq = (request.body as { seq?: unknown } | undefined)?.seq;
      const target = BigInt(request.params.target);
      // Past the id range no channel can match, and some databases would refuse the comparison.
      if (target > MAX_ID) throw invalidField('target', 'must be a positive 64-bit id');
      const placed = await service.place(currentUser(request), target, seq);
      return reply.code(201).send(ok(placed));
    },
  );

  r.delete(
    ONE_USER_CHANNEL,
    {
      config: { auth: 'required' },
      schema: {
        tags: ['channels'],
        summary: 'Remove one channel from the user’s set (A11)',
        security: bearer,
        params: ChannelParams,
        response: { 204: NoContent, 401: ErrorResponses[401], 403: ErrorResponses[403], 404: ErrorResponses[404] },
      },
    },
    async (request, reply) => {
      const target = BigInt(request.params.target);
      if (target === 0n || target > MAX_ID) throw notFound();
      await service.removeOne(currentUser(request), target);
      return reply.code(204).send();
    },
  );
}
