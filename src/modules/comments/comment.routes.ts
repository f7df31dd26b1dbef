import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentComment, presentMpPage, presentPage } from './comment.presenter.js';
import {
  AllowCommentBody,
  AllowCommentQuery,
  AllowCommentResponse,
  CommentListQuery,
  CommentListResponse,
  CreateCommentBody,
  CreatedCommentResponse,
  LikeBody,
  MpCommentListResponse,
  MpReplyBody,
  StickyBody,
  StickyResponse,
  TargetParams,
  TargetResponse,
} from './comment.schema.js';
import {
  parseCursor,
  type CommentService,
  type Created,
  type CreateRequest,
  type ListRequest,
} from './comment.service.js';

const bearer = [{ bearer: [] }];
const withAuthErrors = { 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] };

/** A44 / M23 response: the ids plus the full new Comment the app prepends to its list. */
const presentCreated = (present: PresenterContext, created: Created) =>
  ok({
    com_id: created.comment.id,
    target: created.target,
    art_id: created.articleId,
    new_obj: presentComment(present, created.comment),
  });

const listRequest = (query: Static<typeof CommentListQuery>, viewerId?: bigint, ownerId?: bigint): ListRequest => ({
  type: query.type,
  source: toId(query.source, 'source'),
  offset: parseCursor(query.offset),
  limit: query.limit,
  viewerId,
  ownerId,
});

const createRequest = (body: Static<typeof CreateCommentBody>, userId: bigint): CreateRequest => ({
  userId,
  target: toId(body.target, 'target'),
  articleId: body.art_id === undefined ? undefined : toId(body.art_id, 'art_id'),
  content: body.content,
});

export function commentRoutes(app: FastifyInstance, service: CommentService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/app/v1_0/comments',
    {
      // The contract lists A43 as public, yet `is_liking` needs the reader: 'optional' reads a valid
      // token and answers 401 to a stale one, which only sends the app through its refresh flow.
      config: { auth: 'optional', cache: { maxAge: 30 } },
      schema: {
        tags: ['comments'],
        summary:
          'Comments of an article (type=a) or replies of a comment (type=c), pinned first then newest, cursor paged (A43)',
        querystring: CommentListQuery,
        response: { 200: CommentListResponse, 400: ErrorResponses[400], 401: ErrorResponses[401] },
      },
    },
    async (request) => {
      const page = await service.list(listRequest(request.query, request.userId));
      return ok(presentPage(present, page));
    },
  );

  r.post(
    '/app/v1_0/comments',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['comments'],
        summary: 'Comment on an article (art_id absent or null) or reply to comment `target` of article `art_id` (A44)',
        security: bearer,
        body: CreateCommentBody,
        response: { 201: CreatedCommentResponse, ...withAuthErrors },
      },
    },
    async (request, reply) => {
      const created = await service.create(createRequest(request.body, currentUser(request)));
      return reply.code(201).send(presentCreated(present, created));
    },
  );

  for (const [prefix, auth, code] of [
    ['/app/v1_0', 'required', 'A45/A46'],
    ['/mp/v1_0', 'mp', 'M26/M27'],
  ] as const) {
    r.post(
      `${prefix}/comment/likings`,
      {
        config: { auth },
        schema: {
          tags: ['comments'],
          summary: `Like a comment or reply; idempotent (${code})`,
          security: bearer,
          body: LikeBody,
          response: { 201: TargetResponse, ...withAuthErrors },
        },
      },
      async (request, reply) => {
        const target = toId(request.body.target, 'target');
        await service.like(currentUser(request), target);
        return reply.code(201).send(ok({ target }));
      },
    );

    r.delete(
      `${prefix}/comment/likings/:target`,
      {
        config: { auth },
        schema: {
          tags: ['comments'],
          summary: `Unlike a comment or reply; idempotent (${code})`,
          security: bearer,
          params: TargetParams,
          response: { 204: NoContent, ...withAuthErrors },
        },
      },
      async (request, reply) => {
        await service.unlike(currentUser(request), toId(request.params.target, 'target'));
        return reply.code(204).send();
      },
    );
  }

  mpCommentRoutes(app, service, present);
}

/** M21–M25: an author manages the comments of their own articles. */
function mpCommentRoutes(app: FastifyInstance, service: CommentService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.put(
    '/mp/v1_0/comments/status',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['comments'],
        summary: 'Open or close comments on one of your approved articles (M21)',
        security: bearer,
        querystring: AllowCommentQuery,
        body: AllowCommentBody,
        response: { 201: AllowCommentResponse, ...withAuthErrors },
      },
    },
    async (request, reply) => {
      const articleId = toId(request.query.article_id, 'article_id');
      const allow = request.body.allow_comment;
      await service.setAllowComment(currentUser(request), articleId, allow);
      return reply.code(201).send(ok({ article_id: articleId, allow_comment: allow }));
    },
  );

  r.get(
    '/mp/v1_0/comments',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['comments'],
        summary: 'Comments (type=a) or replies (type=c) on one of your articles; is_liking is 0/1 (M22)',
        security: bearer,
        querystring: CommentListQuery,
        response: { 200: MpCommentListResponse, ...withAuthErrors },
      },
    },
    async (request) => {
      const userId = currentUser(request);
      const page = await service.list(listRequest(request.query, userId, userId));
      return ok(presentMpPage(present, page, request.query.type === 'a' ? 'a' : 'c'));
    },
  );

  r.post(
    '/mp/v1_0/comments',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['comments'],
        summary: 'Reply, as the article’s author, to comment `target` of article `art_id` (M23)',
        security: bearer,
        body: MpReplyBody,
        response: { 201: CreatedCommentResponse, ...withAuthErrors },
      },
    },
    async (request, reply) => {
      const created = await service.create({ ...createRequest(request.body, currentUser(request)), ownerOnly: true });
      return reply.code(201).send(presentCreated(present, created));
    },
  );

  r.delete(
    '/mp/v1_0/comments/:target',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['comments'],
        summary: 'Delete a comment or reply on one of your articles; a comment takes its replies with it (M24)',
        security: bearer,
        params: TargetParams,
        response: { 204: NoContent, ...withAuthErrors },
      },
    },
    async (request, reply) => {
      await service.remove(currentUser(request), toId(request.params.target, 'target'));
      return reply.code(204).send();
    },
  );

  r.put(
    '/mp/v1_0/comments/:target/sticky',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['comments'],
        summary: 'Pin or unpin a comment on one of your articles (M25)',
        security: bearer,
        params: TargetParams,
        body: StickyBody,
        response: { 201: StickyResponse, ...withAuthErrors },
      },
    },
    async (request, reply) => {
      const target = toId(request.params.target, 'target');
      await service.setSticky(currentUser(request), target, request.body.sticky);
      return reply.code(201).send(ok({ target, sticky: request.body.sticky }));
    },
  );
}
