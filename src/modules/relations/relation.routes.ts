import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { notFound } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import { clampPage, type Page } from '../../platform/http/paging.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentFan, presentFollowItem } from './relation.presenter.js';
import {
  FansResponse,
  FollowListQuery,
  FollowListResponse,
  MP_FOLLOWERS_LIST,
  TargetBody,
  TargetPath,
  TargetResponse,
} from './relation.schema.js';
import type { ListPage, RelationService } from './relation.service.js';

const bearer = [{ bearer: [] }];
const PATH_ID = /^[0-9]{1,19}$/;
const MAX_ID = (1n << 63n) - 1n;

/** A path id as the original route rule `int(min=1)` saw it: anything else did not match, hence 404. */
function pathTarget(value: string): bigint {
  if (!PATH_ID.test(value)) throw notFound();
  const id = BigInt(value);
  if (id < 1n || id > MAX_ID) throw notFound();
  return id;
}

/** A20+A13 and A18+A14 work alike: POST {target} → 201 {target}, DELETE /:target → 204. */
interface PairRoutes {
  path: string;
  create: (viewerId: bigint, targetId: bigint) => Promise<unknown>;
  remove: (viewerId: bigint, targetId: bigint) => Promise<unknown>;
  createSummary: string;
  createDescription: string;
  removeSummary: string;
  removeDescription: string;
}

export function relationRoutes(app: FastifyInstance, service: RelationService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  const pageReply = <R, O>(page: Page, list: ListPage<R>, item: (row: R) => O) =>
    ok({ total_count: list.total, page: page.page, per_page: page.perPage, results: list.rows.map(item) });

  const pairs: PairRoutes[] = [
    {
      path: '/app/v1_0/user/followings',
      create: service.follow,
      remove: service.unfollow,
      createSummary: 'Follow a user (A20); idempotent',
      createDescription:
        'Following again is a no-op (still 201). Counters (your follow_count, the target’s fans_count) and the ' +
        '`user.followed` event move only when the follow is new. 400 "User cannot follow self."; 400 "Invalid target ' +
        'user." for an unknown or disabled user; 400 "Target user has blacklisted you." while the target blacklists ' +
        'you. Following a user you blacklisted lifts your blacklist.',
      removeSummary: 'Unfollow a user (A13); 204 even when not following',
      removeDescription: 'Counters drop only when a follow existed. A path that is not a user id is 404.',
    },
    {
      path: '/app/v1_0/user/blacklists',
      create: service.blacklist,
      remove: service.unblacklist,
      createSummary: 'Blacklist a user (A18); idempotent',
      createDescription:
        'Replaces the follows between you and the target in both directions (your follow of them and theirs of ' +
        'you); the counters drop accordingly. While blacklisted, the target cannot follow you. 400 "User cannot ' +
        'blacklist self."; 400 "Invalid target user." for an unknown or disabled user.',
      removeSummary: 'Remove a user from the blacklist (A14); 204 even when not blacklisted',
      removeDescription: 'Follows removed by the blacklist are not restored. A path that is not a user id is 404.',
    },
  ];

  for (const pair of pairs) {
    r.post(
      pair.path,
      {
        config: { auth: 'required' },
        schema: {
          tags: ['relations'],
          summary: pair.createSummary,
          description: pair.createDescription,
          security: bearer,
          body: TargetBody,
          response: {
            201: TargetResponse,
            400: ErrorResponses[400],
            401: ErrorResponses[401],
            403: ErrorResponses[403],
          },
        },
      },
      async (request, reply) => {
        const target = toId(request.body.target, 'target');
        await pair.create(currentUser(request), target);
        return reply.code(201).send(ok({ target }));
      },
    );

    r.delete(
      `${pair.path}/:target`,
      {
        config: { auth: 'required' },
        schema: {
          tags: ['relations'],
          summary: pair.removeSummary,
          description: pair.removeDescription,
          security: bearer,
          params: TargetPath,
          response: { 204: NoContent, 401: ErrorResponses[401], 403: ErrorResponses[403], 404: ErrorResponses[404] },
        },
      },
      async (request, reply) => {
        await pair.remove(currentUser(request), pathTarget(request.params.target));
        return reply.code(204).send();
      },
    );
  }

  const lists = [
    {
      path: '/app/v1_0/user/followings',
      direction: 'followings' as const,
      summary: 'The current user’s followings (A24), newest first',
      mutual: 'that user follows you back',
    },
    {
      path: '/app/v1_0/user/followers',
      direction: 'followers' as const,
      summary: 'The current user’s followers (A25), newest first',
      mutual: 'you follow that fan too',
    },
  ];

  for (const list of lists) {
    r.get(
      list.path,
      {
        config: { auth: 'required' },
        schema: {
          tags: ['relations'],
          summary: list.summary,
          description:
            'Always the current user’s list: `perPage` and a GET body `target` (sent by the app) are ignored. per_page ' +
            `is clamped to 10–50 (default 10). mutual_follow: ${list.mutual}.`,
          security: bearer,
          querystring: FollowListQuery,
          response: {
            200: FollowListResponse,
            400: ErrorResponses[400],
            401: ErrorResponses[401],
            403: ErrorResponses[403],
          },
        },
      },
      async (request) => {
        const page = clampPage(request.query);
        const rows = await service.list(list.direction, currentUser(request), {
          offset: page.offset,
          limit: page.perPage,
        });
        return pageReply(page, rows, (row) => presentFollowItem(present, row));
      },
    );
  }

  r.get(
    '/mp/v1_0/followers',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['relations'],
        summary: 'The media-platform user’s fans (M09), newest first',
        description: 'per_page is clamped to 20–50 (default 20).',
        security: bearer,
        querystring: FollowListQuery,
        response: { 200: FansResponse, 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => {
      const page = clampPage(request.query, MP_FOLLOWERS_LIST);
      const fans = await service.fans(currentUser(request), { offset: page.offset, limit: page.perPage });
      return pageReply(page, fans, (row) => presentFan(present, row));
    },
  );
}
