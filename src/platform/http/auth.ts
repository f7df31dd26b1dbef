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

    const result = await authenticator.authenticate(token);
    if (!result.ok) {
      // The message stays the contract's; the code tells a client whether refreshing can help.
      if (result.problem === 'refresh-token') throw new AppError('wrong_token_type', MESSAGES.refresh);
      if (result.problem === 'user-disabled') throw new AppError('account_disabled', MESSAGES.denied);
      if (result.problem === 'expired') throw new AppError('token_expired', unauthorized);
      if (result.problem === 'session-revoked') throw new AppError('session_revoked', unauthorized);
      throw new AppError('unauthorized', unauthorized);
    }
    if (mode === 'mp' && !result.claims.verified) throw new AppError('verification_required', MESSAGES.unverified);
    request.userId = result.claims.userId;
    request.sessionId = result.claims.sessionId;
    request.verified = result.claims.verified;
  }
}

/** For handlers on required/mp routes: the hook guarantees a user. */
export function currentUser(request: FastifyRequest): bigint {
  if (request.userId === undefined) throw new AppError('unauthorized', MESSAGES.required);
  return request.userId;
}
