import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentDecision, presentQueueItem, presentReviewArticle } from './moderation.presenter.js';
import {
  ArticleParams,
  BulkDecisionBody,
  BulkDecisionResponse,
  DecisionBody,
  DecisionResponse,
  QueueQuery,
  QueueResponse,
  ReviewArticleResponse,
} from './moderation.schema.js';
import type { ModerationService } from './moderation.service.js';

const bearer = [{ bearer: [] }];
const TAGS = ['admin'];
const errors = { 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] };
const STAFF: RouteAccess = { roles: ['moderator', 'admin'] };
const staffOnly = describeAccess(STAFF);

/** Article review for moderators (Inkstone extension; the Heima contract has no review tool, §6 #12). */
export function moderationRoutes(app: FastifyInstance, service: ModerationService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/admin/v1_0/articles',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'The review queue: submitted articles (default: pending), oldest first',
        description: `${staffOnly} \`flags\` lists the sensitive words found. per_page 1–100 (default 20).`,
        security: bearer,
        querystring: QueueQuery,
        response: { 200: QueueResponse, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const queue = await service.queue({
        statuses: q.status,
        page: q.page,
        perPage: q.per_page,
      });
      return ok({
        total_count: queue.total,
        page: queue.page,
        per_page: queue.perPage,
        results: queue.rows.map((row) => presentQueueItem(present, row)),
      });
    },
  );

  r.get(
    '/admin/v1_0/articles/:target',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'One article as a moderator sees it: content, flags and decision history',
        description: `${staffOnly} 404 for an unknown article.`,
        security: bearer,
        params: ArticleParams,
        response: { 200: ReviewArticleResponse, ...errors, 404: ErrorResponses[404] },
      },
    },
    async (request) => {
      const { article, history } = await service.detail(toId(request.params.target, 'target'));
      return ok(presentReviewArticle(present, article, history));
    },
  );

  r.post(
    '/admin/v1_0/articles/:target/decisions',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Approve, reject (reason required) or ban an article; the decision is logged',
        description:
          `${staffOnly} approve: pending, rejected or banned → approved (published at the first approval; the app shows it). ` +
          'reject: pending or approved → rejected. ban: draft, pending, approved or rejected → banned (5). ' +
          '409 "Article status does not allow this decision." otherwise, and 409 when `version` (from the detail) no longer ' +
          'matches: the author changed it after it was reviewed. 404 for an unknown article.',
        security: bearer,
        params: ArticleParams,
        body: DecisionBody,
        response: { 201: DecisionResponse, ...errors, 404: ErrorResponses[404], 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      const result = await service.decide(
        currentUser(request),
        toId(request.params.target, 'target'),
        request.body.decision,
        request.body.reason,
        request.body.version,
      );
      return reply.code(201).send(ok(presentDecision(present, result)));
    },
  );

  r.post(
    '/admin/v1_0/articles/decisions',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'One decision on many articles (bulk review); each is decided and logged on its own',
        description:
          `${staffOnly} The same rules as a single decision, article by article: one that moved meanwhile (409) or ` +
          'is unknown (404) is reported in its result and does not stop the others. The reason is checked first ' +
          '(required to reject): a 400 writes nothing.',
        security: bearer,
        body: BulkDecisionBody,
        response: { 200: BulkDecisionResponse, ...errors },
      },
    },
    async (request) => {
      const outcomes = await service.decideMany(
        currentUser(request),
        request.body.targets.map((target) => toId(target, 'targets')),
        request.body.decision,
        request.body.reason,
      );
      return ok({
        results: outcomes.map((o) => ({ article_id: o.articleId, ok: o.ok, status: o.status, message: o.message })),
      });
    },
  );
}
