/**
 * Sessions and tokens. Every refresh token belongs to a session (one per signed-in device), so
 * sign-out and "revoke this device" take effect at once, for the access tokens of that session
 * too: each authenticated request checks its session and user through a short kv cache that the
 * writes here keep exact.
 *
 * Refresh tokens are not rotated by default: the Heima app never stores a new refresh token and
 * refreshes twice in parallel on a page load. Rotation with reuse detection is opt-in (config, or
 * per sign-in) for clients that do store it: the previous token stays valid for a short grace
 * window, and one presented after that window revokes the whole session.
 */
import { randomUUID } from 'node:crypto';
import type { AuthConfig } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Authenticator, TokenProblem } from '../../platform/http/auth.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import type { SessionRow } from '../../platform/db/schema.js';
import { UserStatus, type UserRepository } from '../users/user.repository.js';
import type { SessionRepository } from './session.repository.js';
import type { TokenService } from './token.service.js';

export type Client = 'app' | 'mp';

export interface DeviceInfo {
  userAgent: string;
  ip: string;
}

export interface TokenPair {
  token: string;
  refresh_token: string;
}

export type RefreshResult =
  | { ok: true; token: string; refreshToken?: string }
  | { ok: false; reason: 'wrong-token' | 'user-denied' };

/** How long a session's or user's state may be served from the kv cache before a re-read. */
const STATE_CACHE_MS = 5 * 60_000;

export function devicePlatform(userAgent: string): 'ios' | 'android' | 'web' | 'other' {
  if (/iPhone|iPad|iPod|iOS/i.test(userAgent)) return 'ios';
  if (/Android/i.test(userAgent)) return 'android';
  if (/Mozilla|Chrome|Safari|Firefox|Edg\//i.test(userAgent)) return 'web';
  return 'other';
}

export interface SessionServiceDeps {
  config: AuthConfig;
  tokens: TokenService;
  sessions: SessionRepository;
  users: UserRepository;
  kv: KeyValueStore;
  ids: IdGenerators;
  clock: Clock;
}

export function createSessionService(deps: SessionServiceDeps) {
  const { tokens, sessions, users, kv, clock } = deps;
  const sessionKey = (id: bigint) => `auth:session:${id}`;
  const userKey = (id: bigint) => `auth:user:${id}`;

  const isLive = (s: SessionRow, now: number) => s.revoked_at === null && s.expires_at > now;

  /** 'live' | 'revoked' for a session, from cache or database. */
  async function sessionState(id: bigint, now: number): Promise<'live' | 'revoked'> {
    const cached = await kv.get(sessionKey(id));
    if (cached === 'live' || cached === 'revoked') return cached;
    const row = await sessions.find(id);
    const state = row && isLive(row, now) ? 'live' : 'revoked';
    await kv.set(sessionKey(id), state, { ttlMs: STATE_CACHE_MS });
    return state;
  }

  async function userActive(id: bigint): Promise<boolean> {
    const cached = await kv.get(userKey(id));
    if (cached !== null) return cached === '1';
    const status = await users.statusOf(id);
    const active = status === UserStatus.active;
    await kv.set(userKey(id), active ? '1' : '0', { ttlMs: STATE_CACHE_MS });
    return active;
  }

  async function markRevoked(ids: bigint[]): Promise<void> {
    for (const id of ids) await kv.set(sessionKey(id), 'revoked', { ttlMs: STATE_CACHE_MS });
  }

  async function signOut(sessionId: bigint): Promise<void> {
    if (sessionId === 0n) return;
    await sessions.revoke(sessionId, clock.now());
    await markRevoked([sessionId]);
  }

  const authenticator: Authenticator = {
    async authenticate(token) {
      const claims = await tokens.verify(token);
      const fail = (problem: TokenProblem) => ({ ok: false as const, problem });
      if (!claims) return fail('invalid');
      if (claims.refresh) return fail('refresh-token');
      const now = clock.now();
      if (claims.sessionId !== undefined && (await sessionState(claims.sessionId, now)) === 'revoked') return fail('session-revoked');
      if (!(await userActive(claims.userId))) return fail('user-disabled');
      return {
        ok: true,
        claims: { userId: claims.userId, sessionId: claims.sessionId ?? 0n, refresh: false, verified: claims.verified },
      };
    },
  };

  return {
    authenticator,

    /** Opens a session for a user who proved who they are, and issues its token pair. */
    async open(userId: bigint, client: Client, verified: boolean, device: DeviceInfo, rotate: boolean): Promise<TokenPair> {
      const now = clock.now();
      const id = deps.ids.content();
      const jti = randomUUID();
      await sessions.insert({
        id,
        user_id: userId,
        client,
        verified: verified ? 1 : 0,
        rotation: rotate || deps.config.rotateRefreshTokens ? 1 : 0,
        refresh_jti: jti,
        platform: devicePlatform(device.userAgent),
        user_agent: device.userAgent.slice(0, 255),
        ip: device.ip.slice(0, 64),
        created_at: now,
        last_used_at: now,
        expires_at: now + tokens.refreshTtlSeconds * 1000,
      });
      const input = { userId, sessionId: id, verified };
      return { token: await tokens.access(input), refresh_token: await tokens.refresh(input, jti) };
    },

    /** A12/M05: a new access token (and, in rotation mode, a new refresh token). */
    async refresh(refreshToken: string | null | undefined): Promise<RefreshResult> {
      const wrong = { ok: false as const, reason: 'wrong-token' as const };
      if (!refreshToken) return wrong;
      const claims = await tokens.verify(refreshToken);
      if (!claims || !claims.refresh) return wrong;
      if (!(await userActive(claims.userId))) return { ok: false, reason: 'user-denied' };
      const now = clock.now();

      if (claims.sessionId === undefined) {
        // A refresh token minted elsewhere with the shared secret: stateless, like the original backend.
        return { ok: true, token: await tokens.access({ userId: claims.userId, sessionId: 0n, verified: claims.verified }) };
      }
      const session = await sessions.find(claims.sessionId);
      if (!session || !isLive(session, now) || session.user_id !== claims.userId) return wrong;
      const input = { userId: session.user_id, sessionId: session.id, verified: session.verified === 1 };

      if (session.rotation === 0) {
        await sessions.touch(session.id, now);
        return { ok: true, token: await tokens.access(input) };
      }

      if (claims.jti === session.refresh_jti) {
        const next = randomUUID();
        const won = await sessions.rotate(session.id, claims.jti, {
          jti: next,
          previousValidUntil: now + deps.config.refreshGraceSeconds * 1000,
          expiresAt: now + tokens.refreshTtlSeconds * 1000,
          now,
        });
        if (won) return { ok: true, token: await tokens.access(input), refreshToken: await tokens.refresh(input, next) };
        // A parallel refresh rotated first: fall through and treat this token as the previous one.
      }
      const current = await sessions.find(session.id);
      if (current && claims.jti === current.previous_jti && (current.previous_valid_until ?? 0) >= now) {
        return { ok: true, token: await tokens.access(input), refreshToken: await tokens.refresh(input, current.refresh_jti) };
      }
      // Reuse of a rotated-out refresh token: assume it was stolen and end the session.
      await sessions.revoke(session.id, now);
      await markRevoked([session.id]);
      return wrong;
    },

    signOut,

    list(userId: bigint): Promise<SessionRow[]> {
      return sessions.listActive(userId, clock.now());
    },

    /** Revokes one of the user's own sessions; false when it is not theirs or already ended. */
    async revoke(userId: bigint, sessionId: bigint): Promise<boolean> {
      const session = await sessions.find(sessionId);
      if (!session || session.user_id !== userId || session.revoked_at !== null) return false;
      await signOut(sessionId);
      return true;
    },

    /** Ends every session of a user but `keep` (after a password change). */
    async revokeOthers(userId: bigint, keep?: bigint): Promise<void> {
      await markRevoked(await sessions.revokeAllForUser(userId, clock.now(), keep));
    },

    /** Call after changing a user's status, so their tokens stop (or start) working at once. */
    async forgetUserState(userId: bigint): Promise<void> {
      await kv.del(userKey(userId));
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
