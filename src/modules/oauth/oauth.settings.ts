/**
 * What the rest of the module needs to know of the provider's setup, apart from the provider: the
 * routes, scopes and token policies. oidc-provider (and Koa under it) loads with the first request
 * that needs the provider (oauth.live-provider.ts), so nothing here may import it.
 */
export const OAUTH_PREFIX = '/oauth';

/** The reader site's policy for the provider's own pages. */
export { SITE_CSP } from '../web/web.render.js';
export const OIDC_SCOPES = ['openid', 'profile', 'offline_access'] as const;
export const API_SCOPES = ['articles:read', 'interactions:write', 'comments:write', 'articles:write'] as const;

/** An initial access token lapses after a week unless used (it registers one client). */
export const INITIAL_ACCESS_TOKEN_TTL = 7 * 24 * 3600;
export const SINGLE_USE = 'single-use';

/** The provider's issuer: the site's public URL, without a trailing slash. */
export function issuerOf(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

export function apiResource(publicUrl: string): string {
  return `${issuerOf(publicUrl)}/api`;
}
