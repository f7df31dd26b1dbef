import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { anonymousViewerFlags, ignoreRead, readSource, type ArticleRouteHooks } from './article.hooks.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import { RENDERED_BODIES, renderJson, sendJson } from '../../platform/http/render.js';
import {
  ANONYMOUS_FLAGS,
  FREE_ACCESS,
  presentDetail,
  type ContentAccess,
  type ViewerFlags,
} from './article.presenter.js';
import { ArticleDetailResponse, ArticleParams } from './article.schema.js';
import type { ArticleRef, ArticleService } from './article.service.js';

/**
 * A34. The feed (A32) lives in the feed module, which serves channel 0 (the recommender) and
 * delegates other channels to `service.timeline`. `present` is kept for the signature's sake:
 * cached entries are presented when they are loaded.
 *
 * The body leaves as bytes (render.ts); the body of an entry (same rev = same content) for one set
 * of viewer flags and access is serialized once.
 */
function renderKey(rev: number, flags: ViewerFlags, access: ContentAccess): string {
  const flag = (value: boolean) => (value ? 1 : 0);
  return `${rev}:${flag(flags.isFollowed)}${flags.attitude}${flag(flags.isCollected)}:${flag(access.full)}${flag(access.purchased)}`;
}

export function articleRoutes(
  app: FastifyInstance,
  service: ArticleService,
  _present: PresenterContext,
  hooks: ArticleRouteHooks = {},
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const viewerFlags = hooks.viewerFlags ?? anonymousViewerFlags;
  const onRead = hooks.onRead ?? ignoreRead;
  const rendered = new NearCache<string, Buffer>(RENDERED_BODIES);
  const asked = new NearCache<string, true>({ max: 10_000, ttlMs: RENDERED_BODIES.ttlMs });

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
      // The body depends on the entry, the flags and the access alone (the preview is cut from the
      // entry's content), so a signed-in reader's body is shared with every reader of the same
      // flags too: twelve bodies at most per rev, and their ETags are computed once.
      const key = renderKey(entry.rev, flags, access);
      let bytes = rendered.peek(key)?.value;
      if (bytes === undefined) {
        bytes = renderJson(reply, ok(presentDetail(entry, flags, access)));
        // Kept from the second request for the same body on: a body read once (a random read over
        // many articles) dies young instead of ageing in the cache into the old generation.
        if (asked.peek(key)) rendered.set(key, bytes);
        else asked.set(key, true);
      }
      return sendJson(reply, bytes);
    },
  );
}
