import { invalidField } from '../../platform/http/errors.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import {
  AdminChannelListQuery,
  AdminChannelListResponse,
  AdminChannelParams,
  AdminChannelResponse,
  ChannelEditBody,
  NewChannelBody,
} from './channel-admin.schema.js';
import type { ChannelAdminService } from './channel-admin.service.js';
import type { ChannelRow } from './channel.tables.js';

const bearer = [{ bearer: [] }];
const TAGS = ['admin'];
const ADMIN: RouteAccess = { roles: ['admin'] };
const adminOnly = describeAccess(ADMIN);
const errors = { 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] };
const PER_PAGE = 100;

export const presentAdminChannel = (present: PresenterContext, row: ChannelRow) => ({
  id: row.id,
  name: row.name,
  sequence: row.sequence,
  is_visible: row.is_visible === 1,
  is_default: row.is_default === 1,
  updated_at: present.time.plain(row.updated_at),
});

/** The channel catalogue for admins (Inkstone extension, issue 15); readers' routes are channel.routes.ts. */
export function channelAdminRoutes(app: FastifyInstance, service: ChannelAdminService, present: PresenterContext) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/admin/v1_0/channels',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Every channel, hidden ones too, in the readers’ order',
        description: adminOnly,
        security: bearer,
        querystring: AdminChannelListQuery,
        response: { 200: AdminChannelListResponse, ...errors },
      },
    },
    async (request) => {
      const perPage = request.query.per_page ?? PER_PAGE;
      const { rows, more } = await service.list(((request.query.page ?? 1) - 1) * perPage, perPage);
      return ok({ results: rows.map((row) => presentAdminChannel(present, row)), more });
    },
  );

  r.post(
    '/admin/v1_0/channels',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Create a channel (last in the order unless a sequence is given)',
        description: `${adminOnly} Readers see it at once. Audited as channel.create.`,
        security: bearer,
        body: NewChannelBody,
        response: { 201: AdminChannelResponse, ...errors, 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const row = await service.create(currentUser(request), {
        name: body.name,
        sequence: body.sequence,
        visible: body.is_visible,
        isDefault: body.is_default,
      });
      return reply.code(201).send(ok(presentAdminChannel(present, row)));
    },
  );

  r.patch(
    '/admin/v1_0/channels/:target',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Rename, reorder, hide or show a channel, or set or unset it as a default',
        description: `${adminOnly} Readers see the change at once. Audited as channel.update (the fields that changed).`,
        security: bearer,
        params: AdminChannelParams,
        body: ChannelEditBody,
        response: { 200: AdminChannelResponse, ...errors, 404: ErrorResponses[404], 409: ErrorResponses[409] },
      },
    },
    async (request) => {
      const body = request.body;
      const target = toId(request.params.target, 'target');
      // Checked here rather than by the schema (minProperties), so a bad id is named first.
      if (Object.values(body).every((value) => value === undefined))
        throw invalidField('body', 'must name something to change');
      const row = await service.update(currentUser(request), target, {
        name: body.name,
        sequence: body.sequence,
        visible: body.is_visible,
        isDefault: body.is_default,
        move: body.move,
      });
      return ok(presentAdminChannel(present, row));
    },
  );
}
