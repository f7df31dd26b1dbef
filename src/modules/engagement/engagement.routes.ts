import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok, okSchema } from '../../platform/http/envelope.js';
import { IdPath, toId } from '../../platform/http/ids.js';
import { Type } from 'typebox';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentCardPage, presentLikedCardPage } from './engagement.presenter.js';
import {
  BareOk,
  CardPage,
  DurationBody,
  LikedCardPage,
  ListQuery,
  ReportBody,
  ReportResponse,
  TargetBody,
  TargetParams,
  TargetResponse,
  TraceHeaders,
  UserArticlesParams,
} from './engagement.schema.js';
import type { EngagementService } from './engagement.service.js';
import { HISTORY_CAP } from './history.service.js';
import type { CardList, PageRequest } from './list.service.js';

const tags = ['engagement'];
const STAFF: RouteAccess = { roles: ['moderator', 'admin'] };
const ArticleTargetParams = Type.Object({ target: IdPath });
const DismissedResponse = okSchema(Type.Object({ dismissed: Type.Integer() }));
const security = [{ bearer: [] }];
const signedIn = { 401: ErrorResponses[401], 403: ErrorResponses[403] };

export function engagementRoutes(app: FastifyInstance, service: EngagementService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  /** POST {target} → 201 {target} and DELETE /:target → 204 for one relation to an article. */
  function toggle(
    path: string,
    names: { add: string; remove: string },
    add: (userId: bigint, articleId: bigint) => Promise<void>,
    remove: (userId: bigint, articleId: bigint) => Promise<void>,
  ): void {
    r.post(
      path,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary: names.add,
          description: 'Idempotent. Unknown, unpublished or deleted article: 400 {"message":"Invalid article."}.',
          security,
          headers: TraceHeaders,
          body: TargetBody,
          response: { 201: TargetResponse, 400: ErrorResponses[400], ...signedIn },
        },
      },
      async (request, reply) => {
        const target = toId(request.body.target, 'target');
        await add(currentUser(request), target);
        return reply.code(201).send(ok({ target }));
      },
    );

    r.delete(
      `${path}/:target`,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary: names.remove,
          description: 'Idempotent: 204 whether or not there was anything to undo.',
          security,
          params: TargetParams,
          response: { 204: NoContent, 400: ErrorResponses[400], ...signedIn },
        },
      },
      async (request, reply) => {
        await remove(currentUser(request), toId(request.params.target, 'target'));
        return reply.code(204).send();
      },
    );
  }

  /** GET of one of the signed-in user's card lists (each card with is_liking), paged 10–50. */
  function personalList(
    path: string,
    summary: string,
    load: (userId: bigint, query: PageRequest) => Promise<CardList>,
  ): void {
    r.get(
      path,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary,
          description: 'page from 1; per_page is clamped to 10–50 (default 10).',
          security,
          querystring: ListQuery,
          response: { 200: LikedCardPage, 400: ErrorResponses[400], ...signedIn },
        },
      },
      async (request) => ok(presentLikedCardPage(present, await load(currentUser(request), request.query))),
    );
  }

  toggle(
    '/app/v1_0/article/likings',
    { add: 'Like an article, replacing a dislike (A35)', remove: 'Take back a like (A36)' },
    service.like,
    service.unlike,
  );
  toggle(
    '/app/v1_0/article/dislikes',
    { add: 'Dislike an article, replacing a like (A37)', remove: 'Take back a dislike (A38)' },
    service.dislike,
    service.undislike,
  );
  toggle(
    '/app/v1_0/article/collections',
    { add: 'Collect an article (A39)', remove: 'Remove an article from the collection (A40)' },
    service.collect,
    service.uncollect,
  );

  personalList(
    '/app/v1_0/article/collections',
    'The signed-in user’s collected articles, most recently collected first (A41)',
    service.collections,
  );
  personalList(
    '/app/v1_0/user/articles',
    'The signed-in user’s published articles, newest first (A47)',
    service.myArticles,
  );
  personalList(
    '/app/v1_0/user/histories',
    `The signed-in user’s reading history, most recently read first, each article once, the newest ${HISTORY_CAP} kept (A49)`,
    service.histories,
  );

  r.post(
    '/app/v1_0/article/reports',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Report an article (A42)',
        description: 'Once per user and article: a second report is a 409. The remark is kept only for type 0.',
        security,
        body: ReportBody,
        response: { 201: ReportResponse, 400: ErrorResponses[400], ...signedIn, 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      const target = toId(request.body.target, 'target');
      const { type, remark } = request.body;
      await service.report(currentUser(request), target, type, remark);
      return reply.code(201).send(ok({ target, type }));
    },
  );

  r.delete(
    '/admin/v1_0/articles/:target/reports',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: ['admin'],
        summary: "Dismiss an article's reports (the article stays as it is); audited",
        description: `${describeAccess(STAFF)} Answers how many reports were dismissed (0 when there were none).`,
        security,
        params: ArticleTargetParams,
        response: { 200: DismissedResponse, 400: ErrorResponses[400], ...signedIn },
      },
    },
    async (request) => {
      const dismissed = await service.dismissReports(currentUser(request), toId(request.params.target, 'target'));
      return ok({ dismissed });
    },
  );

  r.get(
    '/app/v1_0/users/:user_id/articles',
    {
      config: { auth: 'public', cache: { maxAge: 60 } },
      schema: {
        tags,
        summary: 'A user’s published articles, newest first (A48)',
        description:
          'Public. Unknown or disabled user: 400 {"message":"Invalid request."}. per_page is clamped to 10–50.',
        params: UserArticlesParams,
        querystring: ListQuery,
        response: { 200: CardPage, 400: ErrorResponses[400] },
      },
    },
    async (request) => {
      const userId = toId(request.params.user_id, 'user_id');
      return ok(presentCardPage(present, await service.userArticles(userId, request.query)));
    },
  );

  r.post(
    '/app/v1_0/reading/durations',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Reading-time telemetry (A50); answers the bare {"message":"OK"}',
        description:
          'No token needed; with a valid one the duration goes onto the reader’s newest view of the article. ' +
          'Durations above 4 hours are stored as 4 hours. The Trace header is optional.',
        headers: TraceHeaders,
        body: DurationBody,
        response: { 201: BareOk, 400: ErrorResponses[400], 401: ErrorResponses[401] },
      },
    },
    async (request, reply) => {
      const articleId = toId(request.body.art_id, 'art_id');
      await service.recordDuration(request.userId ?? null, articleId, request.body.duration);
      return reply.code(201).send({ message: 'OK' as const });
    },
  );
}
