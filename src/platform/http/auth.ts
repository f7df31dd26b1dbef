/**
 * Authentication as route metadata (contract §1.2). Each route declares `config.auth`:
 * - `public`   (default) the token is ignored;
 * - `optional` no header = anonymous (or `Anony <device id>`); a bad Bearer token is a 401 so the
 *              app's refresh flow kicks in;
 * - `required` a valid access token of an active session and user;
 * - `mp`       required, and the token must carry `verified: true`.
 * One onRequest hook enforces it with the exact status codes and messages the apps expect. How a
 * token is checked (signature, session, user status) is the auth module's business, injected here.
 * Roles (`config.access`) are checked right after, by access.ts.
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerAccess, type Role } from './access.js';
import { AppError } from './errors.js';

export type AuthMode = 'public' | 'optional' | 'required' | 'mp';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    /** Session of the access token, when signed in. */
    sessionId?: bigint;
    /** Token carried `verified: true` (an MP token). */
    verified?: boolean;
    /** `Authorization: Anony <device id>` on optional routes: the recommender's user key. */
    anonymousId?: string;
    /** The third-party app (OAuth client id) whose access token signed this request in. */
    appClientId?: string;
  }
  interface FastifyInstance {
    /** Lets another issuer's access tokens (the OAuth provider's) in, within the scopes each route asks. */
    useAppTokens(verifier: AppTokenVerifier): void;
  }
}

export interface AccessClaims {
  userId: bigint;
  sessionId: bigint;
  refresh: boolean;
  verified: boolean;
}

/** Why a token was not accepted; the hook maps each reason to the contract's status code. */
export type TokenProblem = 'invalid' | 'expired' | 'refresh-token' | 'user-disabled' | 'session-revoked';

export interface Authenticator {
  /** Verifies an access token and that its session and user are still active. */
  authenticate(token: string): Promise<{ ok: true; claims: AccessClaims } | { ok: false; problem: TokenProblem }>;
  /**
   * The signed-in reader of a request's Cookie header (the reader site's session cookie), or null:
   * Socket.IO handshakes from the site's pages carry the cookie instead of a token.
   */
  authenticateCookie?(cookieHeader: string | undefined): Promise<{ userId: bigint; sessionId: bigint } | null>;
  /** The role of an active user, read now (not cached, not from the token); undefined otherwise. */
  roleOf(userId: bigint): Promise<Role | undefined>;
}

/** An access token a third-party app holds for a reader (OAuth 2), checked by its issuer. */
export type AppTokenResult =
  | { ok: true; userId: bigint; verified: boolean; clientId: string; scopes: ReadonlySet<string> }
  | { ok: false; problem: TokenProblem };

export interface AppTokenVerifier {
  verify(token: string): Promise<AppTokenResult>;
  /** The scope an app token needs on a route (method and route pattern); undefined: closed to apps. */
  scopeOf(method: string, routeUrl: string): string | undefined;
}

/**
 * Inkstone's own access tokens are JWTs (three dot-separated parts); the OAuth provider's are
 * opaque and dotless, so the shape alone tells which issuer to ask.
 */
const isAppToken = (token: string) => !token.includes('.');

const MESSAGES = {
  required: 'User must be authorized.',
  optionalInvalid: 'Token has some errors.',
  refresh: 'Do not use refresh token.',
  denied: 'User denied.',
  unverified: 'User must be real info verified.',
} as const;

/** The reader site's sign-in cookie: httpOnly, SameSite=Lax, Secure behind HTTPS (see the web module). */
export const SESSION_COOKIE = 'inkstone_session';

/** The session cookie's value in a Cookie header, if any. */
export function sessionCookieValue(header: string | undefined): string | undefined {
  if (!header || !header.includes(SESSION_COOKIE)) return undefined;
  return fastifyCookie.parse(header)[SESSION_COOKIE] || undefined;
}

/** The token of `Authorization: Bearer <token>` (exactly one space, §1.2), or null. */
export function bearerToken(request: FastifyRequest): string | null | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer (\S+)$/.exec(header);
  return match ? match[1]! : null;
}

function anonymousId(header: string | undefined): string | undefined {
  const match = header ? /^Anony (\S{1,128})$/.exec(header) : null;
  return match ? match[1] : undefined;
}

/** Contract routes must say who may call them: a forgotten mode fails the boot, not a review. */
const CONTRACT_PREFIX = /^\/(app|mp)\//;

export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('onRoute', (route) => {
    if (CONTRACT_PREFIX.test(route.url) && route.config?.auth === undefined) {
      throw new Error(
        `${String(route.method)} ${route.url} must declare config.auth (public, optional, required or mp)`,
      );
    }
  });
  registerAccess(app, authenticator);
  let appTokens: AppTokenVerifier | undefined;
  app.decorate('useAppTokens', (verifier: AppTokenVerifier) => {
    appTokens = verifier;
  });
  // Callback form, so anonymous requests (most of the traffic) pay for no promise here.
  app.addHook('onRequest', (request, _reply, done) => {
    const mode = request.routeOptions.config.auth ?? 'public';
    if (mode === 'public') return done();

    const token = bearerToken(request);
    if (mode === 'optional' && token === undefined) return done();
    if (mode === 'optional' && token === null) {
      const anonymous = anonymousId(request.headers.authorization);
      if (anonymous !== undefined) {
        request.anonymousId = anonymous;
        return done();
      }
    }
    authenticate(request, mode, token).then(() => done(), done);
  });

  async function authenticate(
    request: FastifyRequest,
    mode: AuthMode,
    token: string | null | undefined,
  ): Promise<void> {
    const unauthorized = mode === 'optional' ? MESSAGES.optionalInvalid : MESSAGES.required;
    if (!token) throw new AppError('unauthorized', unauthorized);
    if (appTokens && isAppToken(token)) return authenticateApp(request, mode, token, appTokens);

    const result = await authenticator.authenticate(token);
    if (!result.ok) refuse(result.problem, unauthorized);
    if (mode === 'mp' && !result.claims.verified) throw new AppError('verification_required', MESSAGES.unverified);
    request.userId = result.claims.userId;
    request.sessionId = result.claims.sessionId;
    request.verified = result.claims.verified;
  }
}

/** The contract's answer to a refused token; the code tells a client whether refreshing can help. */
function refuse(problem: TokenProblem, unauthorized: string): never {
  if (problem === 'refresh-token') throw new AppError('wrong_token_type', MESSAGES.refresh);
  if (problem === 'user-disabled') throw new AppError('account_disabled', MESSAGES.denied);
  if (problem === 'expired') throw new AppError('token_expired', unauthorized);
  if (problem === 'session-revoked') throw new AppError('session_revoked', unauthorized);
  throw new AppError('unauthorized', unauthorized);
}

/**
 * A third-party app's token: the route must be open to apps and the token must carry the scope it
 * asks, else 403 naming that scope, with RFC 6750's `WWW-Authenticate: Bearer error="insufficient_scope"`.
 * A bad token is a 401 first, as for Inkstone's own.
 */
async function authenticateApp(
  request: FastifyRequest,
  mode: AuthMode,
  token: string,
  verifier: AppTokenVerifier,
): Promise<void> {
  const scope = verifier.scopeOf(request.method === 'HEAD' ? 'GET' : request.method, request.routeOptions.url ?? '');
  const unauthorized = mode === 'optional' ? MESSAGES.optionalInvalid : MESSAGES.required;
  const result = await verifier.verify(token);
  if (!result.ok) refuse(result.problem, unauthorized);
  if (scope === undefined || !result.scopes.has(scope)) {
    const message =
      scope === undefined
        ? 'Third-party app tokens cannot be used here.'
        : `The app was not granted the scope ${scope}.`;
    const challenge = scope === undefined ? '' : `, scope="${scope}"`;
    throw new AppError('insufficient_scope', message, {
      'www-authenticate': `Bearer error="insufficient_scope"${challenge}`,
    });
  }
  if (mode === 'mp' && !result.verified) throw new AppError('verification_required', MESSAGES.unverified);
  request.userId = result.userId;
  request.verified = result.verified;
  request.appClientId = result.clientId;
}

/** For handlers on required/mp routes: the hook guarantees a user. */
export function currentUser(request: FastifyRequest): bigint {
  if (request.userId === undefined) throw new AppError('unauthorized', MESSAGES.required);
  return request.userId;
}
