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
import { sessionCookieValue, type Authenticator, type TokenProblem } from '../../platform/http/auth.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import type { Db } from '../../platform/db/database.js';
import type { SessionRow } from './session.tables.js';
import { UserStatus, type UserAccounts } from '../users/user.accounts.js';
import type { SessionRepository } from './session.repository.js';
import type { TokenService } from './token.service.js';

/** Which sign-in opened a session: the app's API, the media platform's, or the reader site (a cookie). */
export type Client = 'app' | 'mp' | 'web';

export interface DeviceInfo {
  userAgent: string;
  ip: string;
}

export interface TokenPair {
  token: string;
  refresh_token: string;
}

export type RefreshResult =
  { ok: true; token: string; refreshToken?: string } | { ok: false; reason: 'wrong-token' | 'user-denied' };

/**
 * How long a session's or user's state may be served from the kv cache, counted from the database
 * read it came from. With Redis every node reads the entry the writes here replace, so it can be
 * long. The memory store is per process (`serve --workers N` without Redis): another process's
 * ban or sign-out reaches this one only when its entry expires, so it must be short.
 */
export const STATE_CACHE_MS = { redis: 5 * 60_000, memory: 500 } as const;

/** How often failed cache writes (kv unavailable) are tried again. */
const RETRY_MS = 1000;
/** Failed cache writes kept for a retry at most; beyond, the oldest are given up (and logged). */
const MAX_PENDING = 10_000;

/** What token checks need to know about a user. */
export type UserState = 'disabled' | 'active' | 'verified';
type SessionState = 'live' | 'revoked';
const USER_STATES: ReadonlySet<string | null> = new Set<UserState>(['disabled', 'active', 'verified']);

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
  users: UserAccounts;
  kv: KeyValueStore;
  ids: IdGenerators;
  clock: Clock;
  logger?: { warn(details: object, message: string): void };
}

/**
 * The state cache keeps three promises:
 * - A reader caches what it read only if nothing is cached yet (SET NX) and only for what remains
 *   of STATE_CACHE_MS since its read began. A writer (sign-out, ban) writes unconditionally after
 *   its database change. So a reader that saw a session live just before it was revoked can no
 *   longer put 'live' back over 'revoked': the revocation's entry outlives any stale read.
 * - A user's state is written by re-reading the row until two reads agree, so two opposite
 *   changes racing (ban, unban) leave the state of the row that committed last.
 * - When the kv store fails, checks read the database instead of failing the request; writes that
 *   failed are tried again until they land or until STATE_CACHE_MS has passed (by then no entry
 *   from before the change can be left).
 */
export function createSessionService(deps: SessionServiceDeps) {
  const { tokens, sessions, users, kv, clock } = deps;
  const cacheMs = STATE_CACHE_MS[kv.kind];
  const sessionKey = (id: bigint) => `auth:session:${id}`;
  const userKey = (id: bigint) => `auth:user-state:${id}`;

  const isLive = (s: SessionRow, now: number) => s.revoked_at === null && s.expires_at > now;

  async function sessionFromDb(id: bigint): Promise<SessionState> {
    const row = await sessions.find(id);
    return row && isLive(row, clock.now()) ? 'live' : 'revoked';
  }

  async function userFromDb(id: bigint): Promise<UserState> {
    const row = await users.access(id);
    if (!row || row.status !== UserStatus.active) return 'disabled';
    return row.verified === 1 ? 'verified' : 'active';
  }

  /** Reads through the cache; `readStarted` (performance.now()) bounds how long the answer may be cached. */
  async function remember(key: string, value: string, readStarted: number): Promise<void> {
    const ttlMs = Math.floor(cacheMs - (performance.now() - readStarted));
    if (ttlMs < 1) return;
    try {
      await kv.set(key, value, { ttlMs, onlyIfAbsent: true });
    } catch {
      // The store is failing: the next check reads the database again.
    }
  }

  async function loadThrough<T extends string>(key: string, load: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const value = await load();
    await remember(key, value, started);
    return value;
  }

  /** The user's and (when the token has one) the session's state: one kv round trip, the database on a miss or when kv fails. */
  async function states(
    userId: bigint,
    sessionId: bigint | undefined,
  ): Promise<{ user: UserState; session: SessionState }> {
    const keys = sessionId === undefined ? [userKey(userId)] : [userKey(userId), sessionKey(sessionId)];
    let cached: (string | null)[];
    try {
      cached = await kv.getMany(keys);
    } catch {
      const [user, session] = await Promise.all([
        userFromDb(userId),
        sessionId === undefined ? ('live' as const) : sessionFromDb(sessionId),
      ]);
      return { user, session };
    }
    const [cachedUser, cachedSession] = cached;
    const [user, session] = await Promise.all([
      USER_STATES.has(cachedUser ?? null) ? (cachedUser as UserState) : loadThrough(keys[0]!, () => userFromDb(userId)),
      sessionId === undefined
        ? ('live' as const)
        : cachedSession === 'live' || cachedSession === 'revoked'
          ? (cachedSession as SessionState)
          : loadThrough(keys[1]!, () => sessionFromDb(sessionId)),
    ]);
    // A ban also revokes every session, and either entry may expire first on this node: a revoked
    // session of a user cached as active asks the database, so a banned user gets 403, not 401.
    if (session === 'revoked' && user !== 'disabled') return { user: await userFromDb(userId), session };
    return { user, session };
  }

  // Cache writes that failed, by key, with the time after which they no longer matter.
  const pending = new Map<string, { write: () => Promise<void>; until: number }>();
  let retryTimer: NodeJS.Timeout | undefined;

  async function retryPending(): Promise<void> {
    retryTimer = undefined;
    for (const [key, job] of pending) {
      if (performance.now() > job.until) {
        pending.delete(key);
        continue;
      }
      try {
        await job.write();
        pending.delete(key);
      } catch {
        break; // still failing: wait for the next round
      }
    }
    if (pending.size > 0) scheduleRetry();
  }

  function scheduleRetry(): void {
    if (retryTimer) return;
    retryTimer = setTimeout(() => void retryPending(), RETRY_MS);
    retryTimer.unref();
  }

  /** Runs a cache write now, or keeps it for a retry while the store fails. */
  async function write(key: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      pending.delete(key);
    } catch (error) {
      pending.delete(key);
      pending.set(key, { write: run, until: performance.now() + cacheMs });
      if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
      deps.logger?.warn({ err: error, key }, 'kv store failed: auth state cache write kept for a retry');
      scheduleRetry();
    }
  }

  async function markRevoked(ids: bigint[]): Promise<void> {
    for (const id of ids) {
      const key = sessionKey(id);
      await write(key, async () => void (await kv.set(key, 'revoked', { ttlMs: cacheMs })));
    }
  }

  /** Writes the user's state from the database until two reads agree (see above). */
  async function publishUserState(userId: bigint): Promise<void> {
    const key = userKey(userId);
    await write(key, async () => {
      let state = await userFromDb(userId);
      for (let round = 0; round < 5; round++) {
        await kv.set(key, state, { ttlMs: cacheMs });
        const again = await userFromDb(userId);
        if (again === state) return;
        state = again;
      }
      // Still changing under us: leave nothing cached, every check reads the database.
      await kv.del(key);
    });
  }

  async function signOut(sessionId: bigint): Promise<void> {
    if (sessionId === 0n) return;
    await sessions.revoke(sessionId, clock.now());
    await markRevoked([sessionId]);
  }

  /**
   * The reader of a web session cookie. The cookie holds the session's refresh token (httpOnly, so
   * no script reads it): it lives as long as the session, and revoking the session (sign-out here,
   * on another device, a ban) ends the cookie's sign-in on the next request, as for access tokens.
   */
  async function cookieSession(token: string): Promise<{ userId: bigint; sessionId: bigint } | null> {
    const checked = await tokens.check(token);
    if ('problem' in checked) return null;
    const { claims } = checked;
    if (!claims.refresh || claims.sessionId === undefined) return null;
    const state = await states(claims.userId, claims.sessionId);
    if (state.user === 'disabled' || state.session === 'revoked') return null;
    return { userId: claims.userId, sessionId: claims.sessionId };
  }

  const authenticator: Authenticator = {
    async authenticate(token) {
      const checked = await tokens.check(token);
      const fail = (problem: TokenProblem) => ({ ok: false as const, problem });
      if ('problem' in checked) return fail(checked.problem);
      const claims = checked.claims;
      if (claims.refresh) return fail('refresh-token');
      const state = await states(claims.userId, claims.sessionId);
      // The user first: a banned user's sessions are revoked too, and the contract answers them 403.
      if (state.user === 'disabled') return fail('user-disabled');
      if (state.session === 'revoked') return fail('session-revoked');
      return {
        ok: true,
        claims: {
          userId: claims.userId,
          sessionId: claims.sessionId ?? 0n,
          refresh: false,
          // An author whose verification was withdrawn keeps no MP access, whatever the token says.
          verified: claims.verified && state.user === 'verified',
        },
      };
    },

    async authenticateCookie(cookieHeader) {
      const token = sessionCookieValue(cookieHeader);
      return token === undefined ? null : cookieSession(token);
    },

    // Straight from the database: staff routes are few, and a demotion must hold at once.
    async roleOf(userId) {
      const row = await users.access(userId);
      return row && row.status === UserStatus.active ? row.role : undefined;
    },
  };

  return {
    authenticator,
    cookieSession,

    /** A user's state through the same cache as token checks (for tokens without a session: OAuth apps). */
    async userState(userId: bigint): Promise<UserState> {
      return (await states(userId, undefined)).user;
    },

    /** Opens a session for a user who proved who they are, and issues its token pair. */
    async open(
      userId: bigint,
      client: Client,
      verified: boolean,
      device: DeviceInfo,
      rotate: boolean,
    ): Promise<TokenPair> {
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
      // A verification granted since the user's last check must hold for the new MP token at once.
      if (verified) await publishUserState(userId);
      const input = { userId, sessionId: id, verified };
      return { token: await tokens.access(input), refresh_token: await tokens.refresh(input, jti) };
    },

    /** A12/M05: a new access token (and, in rotation mode, a new refresh token). */
    async refresh(refreshToken: string | null | undefined): Promise<RefreshResult> {
      const wrong = { ok: false as const, reason: 'wrong-token' as const };
      if (!refreshToken) return wrong;
      const claims = await tokens.verify(refreshToken);
      if (!claims || !claims.refresh) return wrong;
      const user = (await states(claims.userId, undefined)).user;
      if (user === 'disabled') return { ok: false, reason: 'user-denied' };
      const now = clock.now();

      if (claims.sessionId === undefined) {
        // A refresh token minted elsewhere with the shared secret: stateless, like the original backend.
        return {
          ok: true,
          token: await tokens.access({ userId: claims.userId, sessionId: 0n, verified: claims.verified }),
        };
      }
      const session = await sessions.find(claims.sessionId);
      if (!session || !isLive(session, now) || session.user_id !== claims.userId) {
        // As in `states`: tell a banned user so, even where their active state is still cached.
        return (await userFromDb(claims.userId)) === 'disabled' ? { ok: false, reason: 'user-denied' } : wrong;
      }
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
        if (won)
          return { ok: true, token: await tokens.access(input), refreshToken: await tokens.refresh(input, next) };
        // A parallel refresh rotated first: fall through and treat this token as the previous one.
      }
      const current = await sessions.find(session.id);
      if (current && claims.jti === current.previous_jti && (current.previous_valid_until ?? 0) >= now) {
        return {
          ok: true,
          token: await tokens.access(input),
          refreshToken: await tokens.refresh(input, current.refresh_jti),
        };
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
      await markRevoked(await sessions.revokeAllForUser(userId, clock.now(), { keep }));
    },

    /**
     * Revokes the user's sessions (every client's, or one's) inside the caller's transaction; pass
     * the ids to `announceRevoked` once it has committed.
     */
    revokeUserSessions(userId: bigint, options: { client?: Client }, trx: Db): Promise<bigint[]> {
      return sessions.revokeAllForUser(userId, clock.now(), options, trx);
    },

    announceRevoked: markRevoked,

    /** Call after changing a user's status or verification, so their tokens follow at once on every node. */
    userChanged: publishUserState,
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
