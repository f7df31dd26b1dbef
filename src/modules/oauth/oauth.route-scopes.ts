/**
 * Which routes of the app (/app) and media platform (/mp) APIs a third-party app may call with a
 * reader's OAuth access token, and the scope each asks. A route not listed is closed to apps:
 * signing in and out, passwords, sessions, profile edits, payments, histories, notifications and
 * every admin route, so a new route stays closed until it is listed here on purpose.
 */
import type { API_SCOPES } from './oauth.settings.js';

type ApiScope = (typeof API_SCOPES)[number];

const OPEN: Record<ApiScope, readonly string[]> = {
  'articles:read': [
    'GET /app/v1_0/channels',
    'GET /app/v1_1/articles',
    'GET /app/v1_0/articles/:article_id',
    'GET /app/v1_0/comments',
    'GET /app/v1_0/announcements',
    'GET /app/v1_0/announcements/:target',
    'GET /app/v1_0/search',
    'GET /app/v1_0/suggestion',
    'GET /app/v1_0/users/:user_id',
    'GET /app/v1_0/users/:target/articles',
    'GET /app/v1_0/user/articles',
  ],
  'interactions:write': [
    'POST /app/v1_0/article/likings',
    'DELETE /app/v1_0/article/likings/:target',
    'POST /app/v1_0/article/dislikes',
    'DELETE /app/v1_0/article/dislikes/:target',
    'GET /app/v1_0/article/collections',
    'POST /app/v1_0/article/collections',
    'DELETE /app/v1_0/article/collections/:target',
    'POST /app/v1_0/comment/likings',
    'DELETE /app/v1_0/comment/likings/:target',
    'GET /app/v1_0/user/followings',
    'POST /app/v1_0/user/followings',
    'DELETE /app/v1_0/user/followings/:target',
    'POST /mp/v1_0/comment/likings',
    'DELETE /mp/v1_0/comment/likings/:target',
  ],
  'comments:write': ['POST /app/v1_0/comments', 'POST /mp/v1_0/comments'],
  'articles:write': [
    'GET /mp/v1_0/channels',
    'GET /mp/v1_0/articles',
    'POST /mp/v1_0/articles',
    'GET /mp/v1_0/articles/:target',
    'PUT /mp/v1_0/articles/:target',
    'DELETE /mp/v1_0/articles/:target',
    'GET /mp/v1_0/user/images',
    'POST /mp/v1_0/user/images',
    'PUT /mp/v1_0/user/images/:target',
    'DELETE /mp/v1_0/user/images/:target',
    'GET /mp/v1_0/comments',
    'PUT /mp/v1_0/comments/status',
    'DELETE /mp/v1_0/comments/:target',
    'PUT /mp/v1_0/comments/:target/sticky',
    'GET /mp/v1_0/statistics/articles',
    'GET /mp/v1_0/statistics/articles/:article_id',
    'GET /mp/v1_0/search',
  ],
};

/** `METHOD /route/:pattern` → scope, as Fastify names the route (`request.routeOptions.url`). */
export const ROUTE_SCOPES: ReadonlyMap<string, ApiScope> = new Map(
  (Object.entries(OPEN) as [ApiScope, readonly string[]][]).flatMap(([scope, routes]) =>
    routes.map((route) => [route, scope] as const),
  ),
);

export function scopeOfRoute(method: string, routeUrl: string): ApiScope | undefined {
  return ROUTE_SCOPES.get(`${method} ${routeUrl}`);
}
