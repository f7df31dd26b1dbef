import type { FastifyInstance } from 'fastify';

/** A neutral silhouette: the photo of every user who has not uploaded one (contract §1.9). */
const DEFAULT_AVATAR = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">
<rect width="96" height="96" fill="#e8eaed"/><circle cx="48" cy="38" r="18" fill="#9aa0a6"/>
<path d="M14 92c4-20 18-30 34-30s30 10 34 30z" fill="#9aa0a6"/></svg>`;

export const DEFAULT_AVATAR_PATH = '/assets/default-avatar.svg';

export function assetRoutes(app: FastifyInstance): void {
  app.get(DEFAULT_AVATAR_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .send(DEFAULT_AVATAR),
  );
}
