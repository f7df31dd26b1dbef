/**
 * JWTs as the contract describes them (§1.2): HS256, `{user_id, refresh, verified?, exp}` plus
 * `iat`, `jti` and `sid` (the server-side session). Only the configured algorithm is accepted, so
 * `alg: none` and algorithm-confusion tokens fail verification.
 *
 * `user_id` is a plain JSON number (user ids are < 2^53, see platform/ids.ts) because the app
 * decodes it with jwt-decode and compares it with ids from the API. `sid` is a string because
 * session ids are 64-bit.
 */
import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../platform/clock.js';

export interface TokenClaims {
  userId: bigint;
  refresh: boolean;
  verified: boolean;
  /** Absent on tokens minted elsewhere with the shared secret (interoperability): they have no session. */
  sessionId?: bigint;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface TokenServiceOptions {
  secret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  clock: Clock;
}

export interface IssueInput {
  userId: bigint;
  sessionId: bigint;
  verified: boolean;
}

const INVALID = { problem: 'invalid' } as const;
const EXPIRED = { problem: 'expired' } as const;

/**
 * Tokens whose signature this process has checked. A signed-in reader sends the same access token
 * with every request for up to two hours, and a token's signature and claims never change: only
 * its time can run out, which is checked on every use. jose verifies through WebCrypto, a few
 * tens of µs and a promise hop per request; a hit here is a Map lookup. Sessions are still
 * checked per request by the caller (sign-out and bans take effect at once).
 */
const VERIFIED_TOKENS = 10_000;
const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const;

export function createTokenService(options: TokenServiceOptions) {
  // Imported once: jose given raw bytes imports them again on every call, which was two thirds
  // of a token check (115 µs against 40 µs per verification on the 2-core bench machine).
  const key = crypto.subtle.importKey('raw', new TextEncoder().encode(options.secret), HMAC, false, ['sign', 'verify']);
  const nowSeconds = () => Math.floor(options.clock.now() / 1000);
  const verified = new LRUCache<string, TokenClaims>({ max: VERIFIED_TOKENS });

  async function sign(input: IssueInput, refresh: boolean, jti: string, ttlSeconds: number): Promise<string> {
    const iat = nowSeconds();
    const payload: Record<string, unknown> = {
      user_id: Number(input.userId),
      refresh,
      sid: input.sessionId.toString(),
    };
    if (input.verified) payload.verified = true;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .setJti(jti)
      .sign(await key);
  }

  /** The claims of a valid, unexpired token, or why not: `expired` only for a genuine token past its `exp`. */
  async function check(token: string): Promise<{ claims: TokenClaims } | { problem: 'invalid' | 'expired' }> {
    const known = verified.get(token);
    if (known) {
      // As jose decides: expired once `exp` is not after now (in whole seconds).
      if (known.exp <= nowSeconds()) {
        verified.delete(token);
        return EXPIRED;
      }
      return { claims: known };
    }
    try {
      const { payload } = await jwtVerify(token, await key, {
        algorithms: ['HS256'],
        currentDate: new Date(options.clock.now()),
        requiredClaims: ['exp'],
      });
      const userId = payload.user_id;
      if (typeof userId !== 'number' || !Number.isSafeInteger(userId) || userId <= 0) return INVALID;
      const sid = payload.sid;
      if (sid !== undefined && (typeof sid !== 'string' || !/^\d{1,19}$/.test(sid))) return INVALID;
      const claims: TokenClaims = {
        userId: BigInt(userId),
        refresh: payload.refresh === true,
        verified: payload.verified === true,
        sessionId: sid === undefined ? undefined : BigInt(sid),
        jti: typeof payload.jti === 'string' ? payload.jti : '',
        exp: payload.exp!,
      };
      verified.set(token, Object.freeze(claims));
      return { claims };
    } catch (error) {
      // jose checks the signature before the claims: an expired token is one we issued.
      return error instanceof errors.JWTExpired ? EXPIRED : INVALID;
    }
  }

  return {
    accessTtlSeconds: options.accessTtlSeconds,
    refreshTtlSeconds: options.refreshTtlSeconds,

    access(input: IssueInput): Promise<string> {
      return sign(input, false, randomUUID(), options.accessTtlSeconds);
    },

    refresh(input: IssueInput, jti: string): Promise<string> {
      return sign(input, true, jti, options.refreshTtlSeconds);
    },

    check,

    /** The claims of a valid, unexpired token, or null for anything else. */
    async verify(token: string): Promise<TokenClaims | null> {
      const result = await check(token);
      return 'claims' in result ? result.claims : null;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
