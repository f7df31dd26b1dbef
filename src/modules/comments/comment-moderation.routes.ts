import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import {
  CommentReportBody,
  CommentReportResponse,
  CommentSearchQuery,
  CommentSearchResponse,
  CommentStatusBody,
  CommentStatusResponse,
  CommentTargetParams,
  DismissResponse,
  ReportGroupsQuery,
  ReportGroupsResponse,
} from './comment-moderation.schema.js';
import type { CommentModerationService } from './comment-moderation.service.js';

const bearer = [{ bearer: [] }];
const TAGS = ['admin'];
const STAFF: RouteAccess = { roles: ['moderator', 'admin'] };
const staffOnly = describeAccess(STAFF);
const errors = { 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] };
const PER_PAGE = 20;

/** Readers' reports of comments, and the staff's comment tools (Inkstone extension, issue 15). */
export function commentModerationRoutes(
  app: FastifyInstance,
  service: CommentModerationService,
  present: PresenterContext,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/app/v1_0/comment/reports',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['comments'],
        summary: 'Report a comment or reply (Inkstone extension, mirrors A42)',
        description:
          'Once per user and comment: a second report is a 409. The remark is kept only for type 0. ' +
          'Staff see the count and the reasons, never who reported.',
        security: bearer,
        body: CommentReportBody,
        response: { 201: CommentReportResponse, ...errors, 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      const target = toId(request.body.target, 'target');
      const { type, remark } = request.body;
      await service.report(currentUser(request), target, type, remark);
      return reply.code(201).send(ok({ target, type }));
    },
  );

  r.get(
    '/admin/v1_0/comments',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Search visible comments by text, article or author, newest first',
        description: `${staffOnly} Filters combine; keyset paging: pass \`next\` as \`before\`.`,
        security: bearer,
        querystring: CommentSearchQuery,
        response: { 200: CommentSearchResponse, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await service.search(
        {
          text: q.q?.trim() || undefined,
          articleId: q.article_id === undefined ? undefined : toId(q.article_id, 'article_id'),
          authorId: q.user_id === undefined ? undefined : toId(q.user_id, 'user_id'),
          before: q.before === undefined ? undefined : toId(q.before, 'before'),
        },
        q.per_page ?? PER_PAGE,
      );
      return ok({
        results: page.rows.map((row) => ({
          com_id: row.id,
          art_id: row.article_id,
          art_title: row.article_title,
          allow_comment: row.allow_comment === 1,
          parent_id: row.parent_id,
          aut_id: row.user_id,
          aut_name: row.aut_name,
          content: row.content,
          pubdate: present.time.plain(row.created_at),
          report_count: row.reports,
        })),
        next: page.next,
      });
    },
  );

  r.get(
    '/admin/v1_0/comments/reports',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Reported comments grouped by comment, most reported first, with the reasons',
        description: `${staffOnly} Who reported is never shown.`,
        security: bearer,
        querystring: ReportGroupsQuery,
        response: { 200: ReportGroupsResponse, ...errors },
      },
    },
    async (request) => {
      const perPage = request.query.per_page ?? PER_PAGE;
      const { rows, more } = await service.reported(((request.query.page ?? 1) - 1) * perPage, perPage);
      return ok({
        results: rows.map((g) => ({
          com_id: g.commentId,
          art_id: g.articleId,
          art_title: g.articleTitle,
          aut_id: g.authorId,
          aut_name: g.authorName,
          content: g.content,
          pubdate: present.time.plain(g.createdAt),
          report_count: g.count,
          latest: present.time.plain(g.latest),
          types: g.types,
          remarks: g.remarks,
        })),
        more,
      });
    },
  );

  r.delete(
    '/admin/v1_0/comments/:target',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Delete a comment (soft; a comment takes its replies with it) and its reports',
        description: `${staffOnly} Idempotent; 404 for an unknown comment. Audited as comment.delete.`,
        security: bearer,
        params: CommentTargetParams,
        response: { 204: NoContent, ...errors, 404: ErrorResponses[404] },
      },
    },
    async (request, reply) => {
      await service.remove(currentUser(request), toId(request.params.target, 'target'));
      return reply.code(204).send();
    },
  );

  r.delete(
    '/admin/v1_0/comments/:target/reports',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Dismiss the reports of a comment (nothing wrong with it)',
        description: `${staffOnly} The comment stays; answers how many reports were removed. Audited as comment.dismiss-reports.`,
        security: bearer,
        params: CommentTargetParams,
        response: { 200: DismissResponse, ...errors },
      },
    },
    async (request) => {
      const target = toId(request.params.target, 'target');
      const dismissed = await service.dismissReports(currentUser(request), target);
      return ok({ target, dismissed });
    },
  );

  r.put(
    '/admin/v1_0/articles/:target/comment-status',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Open or close comments on an article',
        description: `${staffOnly} 404 for an unknown or deleted article. Audited as article.comments-open / article.comments-close.`,
        security: bearer,
        params: CommentTargetParams,
        body: CommentStatusBody,
        response: { 200: CommentStatusResponse, ...errors, 404: ErrorResponses[404] },
      },
    },
    async (request) => {
      const target = toId(request.params.target, 'target');
      await service.setAllowComment(currentUser(request), target, request.body.allow_comment);
      return ok({ art_id: target, allow_comment: request.body.allow_comment });
    },
  );
}
