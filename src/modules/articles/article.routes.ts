import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { anonymousViewerFlags, ignoreRead, readSource, type ArticleRouteHooks } from './article.hooks.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import { renderJson, sendJson } from '../../platform/http/render.js';
import { ANONYMOUS_FLAGS, FREE_ACCESS, presentDetail } from './article.presenter.js';
import { ArticleDetailResponse, ArticleParams } from './article.schema.js';
import type { ArticleRef, ArticleService } from './article.service.js';

/**
 * A34. The feed (A32) lives in the feed module, which serves channel 0 (the recommender) and
 * delegates other channels to `service.timeline`. `present` is kept for the signature's sake:
 * cached entries are presented when they are loaded.
 *
 * The body leaves as bytes (render.ts); the anonymous body of an entry (same rev = same content)
 * is serialized once.
 */
const RENDERED = { max: 1_000, ttlMs: 10_000 } as const;

export function articleRoutes(
  app: FastifyInstance,
  service: ArticleService,
  _present: PresenterContext,
  hooks: ArticleRouteHooks = {},
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const viewerFlags = hooks.viewerFlags ?? anonymousViewerFlags;
  const onRead = hooks.onRead ?? ignoreRead;
  const rendered = new NearCache<number, Buffer>(RENDERED);

  r.get(
    '/app/v1_0/articles/:article_id',
    {
      // The anonymous answer is the same for everybody: shared caches may keep it a minute.
      config: { auth: 'optional', cache: { maxAge: 60 } },
      schema: {
        tags: ['articles'],
        summary: 'Article detail (A34)',
        params: ArticleParams,
        response: { 200: ArticleDetailResponse, 400: ErrorResponses[400], 404: ErrorResponses[404] },
      },
    },
    async (request, reply) => {
      const entry = await service.detail(toId(request.params.article_id, 'article_id'));
      const article: ArticleRef = { id: entry.id, user_id: entry.user_id, channel_id: entry.channel_id };
      const userId = request.userId ?? null;
      const flags = userId === null ? ANONYMOUS_FLAGS : await viewerFlags(userId, article);
      const access =
        entry.priceCents > 0 && hooks.contentAccess
          ? await hooks.contentAccess(userId, { ...article, priceCents: entry.priceCents, content: entry.content })
          : FREE_ACCESS;
      try {
        await onRead(userId, article, readSource(request.headers.trace));
        if (userId !== null) await service.viewed(userId, article);
      } catch (error) {
        request.log.warn({ err: error, articleId: article.id.toString() }, 'article read hook failed');
      }
      // Last-Modified (and so If-Modified-Since → 304) only where the body depends on the article
      // alone: a signed-in reader's flags change without the article changing (ETags still apply).
      if (userId === null) reply.header('last-modified', new Date(entry.updated_at).toUTCString());
      let bytes = userId === null ? rendered.peek(entry.rev)?.value : undefined;
      if (bytes === undefined) {
        bytes = renderJson(reply, ok(presentDetail(entry, flags, access)));
        if (userId === null) rendered.set(entry.rev, bytes);
      }
      return sendJson(reply, bytes);
    },
  );
}
