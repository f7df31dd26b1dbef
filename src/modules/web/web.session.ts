/**
 * Who is reading a page: the reader site's sign-in. A signed-in browser holds one cookie,
 * `inkstone_session`: httpOnly (no script can read it), SameSite=Lax (not sent on another site's
 * form posts), Secure when the request came over HTTPS. Its value is the refresh token of a server
 * session opened by the same sign-in services as the app's (client `web`), so the devices list
 * shows it and signing out anywhere, or a ban, ends it on the next request.
 *
 * Every form and fetch that writes carries a CSRF token (@fastify/csrf-protection: a secret in its
 * own httpOnly cookie, a token derived from it in the form's `_csrf` field or the `x-csrf-token`
 * header); a cross-site form can neither read nor forge it.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../platform/http/auth.js';
import type { AppContext } from '../module.js';

const CSRF_COOKIE = 'inkstone_csrf';

/** Form bodies are small: a comment is the largest field. */
const FORM_BODY_LIMIT = 64 * 1024;

export interface Reader {
  id: bigint;
  sessionId: bigint;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in reader of a site page (from the session cookie), when there is one. */
    reader?: Reader;
  }
}

/**
 * Cookies, form bodies and CSRF for the site's own routes only (this scope): the APIs never parse
 * a cookie. Then each page request learns its reader from the cookie; a cookie whose session has
 * ended is removed.
 */
export async function registerWebSession(site: FastifyInstance, { services, platform }: AppContext): Promise<void> {
  await site.register(fastifyCookie, { hook: 'onRequest' });
  await site.register(formBody, { bodyLimit: FORM_BODY_LIMIT });
  await site.register(fastifyCsrf, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: 'auto' },
  });
  const refreshTtlMs = platform.config.auth.refreshTtlSeconds * 1000;

  site.decorateReply('signIn', function signIn(this: FastifyReply, refreshToken: string) {
    // A new CSRF secret with the new sign-in: a secret planted before it is worth nothing after.
    this.clearCookie(CSRF_COOKIE, { path: '/' });
    return this.setCookie(SESSION_COOKIE, refreshToken, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: 'auto',
      maxAge: Math.floor(refreshTtlMs / 1000),
    });
  });
  site.decorateReply('signOut', function signOut(this: FastifyReply) {
    this.clearCookie(CSRF_COOKIE, { path: '/' });
    return this.clearCookie(SESSION_COOKIE, { path: '/' });
  });

  site.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const reader = await services.auth.sessions.cookieSession(token);
    if (!reader) {
      reply.signOut();
      return;
    }
    request.reader = { id: reader.userId, sessionId: reader.sessionId };
    request.userId = reader.userId;
    request.sessionId = reader.sessionId;
  });
}

declare module 'fastify' {
  interface FastifyReply {
    /** Sets the session cookie (the session's refresh token) after a sign-in. */
    signIn(refreshToken: string): FastifyReply;
    /** Removes the session and CSRF cookies. */
    signOut(): FastifyReply;
  }
}

const tokens = new WeakMap<FastifyReply, string>();

/**
 * The CSRF token for this response's forms. One per response: the library makes a new secret (and
 * cookie) on every call until the browser has one, so two calls in a page would leave its first
 * forms with a token of a secret the browser never keeps.
 */
export function csrfToken(reply: FastifyReply): string {
  let token = tokens.get(reply);
  if (token === undefined) tokens.set(reply, (token = reply.generateCsrf()));
  return token;
}

/** A local path to go back to after a form (`next`, `back`): anything else is the home page. */
export function localPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return fallback;
  return value.length > 2000 ? fallback : value;
}

/** A fetch from the site's script wants JSON; a plain form post wants a page. */
export function wantsJson(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').startsWith('application/json');
}
