import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { presentCardEntry } from '../articles/article.presenter.js';
import { parseWithTop } from '../articles/article.service.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import { RENDERED_BODIES, renderJson, sendJson } from '../../platform/http/render.js';
import { FeedQuerySchema, FeedResponse } from './feed.schema.js';
import type { FeedPage, FeedService } from './feed.service.js';

/**
 * Pages leave as bytes (platform/http/render.ts). A page every reader shares (a channel's timeline,
 * the anonymous channel 0) is serialized once per content: the key holds everything the body
 * depends on (the cursor, each card's rev and its live counts), so a reused body is never stale.
 */
function renderKey(page: FeedPage): string {
  let key = String(page.preTimestamp);
  for (const card of page.cards) key += `|${card.rev},${card.comment_count},${card.like_count},${card.collect_count}`;
  return key;
}

export function feedRoutes(app: FastifyInstance, feed: FeedService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const rendered = new NearCache<string, Buffer>(RENDERED_BODIES);

  r.get(
    '/app/v1_1/articles',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['articles'],
        summary:
          'Feed (A32): channel 0 recommended (session-paged), other channels newest first (keyset paged), 10 per page',
        querystring: FeedQuerySchema,
        response: { 200: FeedResponse, 400: ErrorResponses[400], 401: ErrorResponses[401] },
      },
    },
    async (request, reply) => {
      const { channel_id, timestamp, with_top } = request.query;
      const page = await feed.page(
        { userId: request.userId, anonymousId: request.anonymousId },
        { channelId: BigInt(channel_id), timestamp, withTop: parseWithTop(with_top) },
      );
      const render = () =>
        renderJson(reply, ok({ pre_timestamp: page.preTimestamp, results: page.cards.map(presentCardEntry) }));
      let bytes: Buffer | undefined;
      if (channel_id === 0 && request.userId !== undefined) {
        // A signed-in reader's channel 0 is a session of its own: nothing to share.
        bytes = render();
      } else {
        const key = renderKey(page);
        bytes = rendered.peek(key)?.value;
        if (bytes === undefined) rendered.set(key, (bytes = render()));
      }
      return sendJson(reply, bytes);
    },
  );
}
