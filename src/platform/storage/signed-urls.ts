/**
 * Signed, expiring links to private objects (keys under `private/`, e.g. ID-card images), served
 * by the `/media-private/*` route (private-route.ts) for both storage adapters.
 *
 * A link is `${publicUrl}/media-private/${key}?exp=<unix seconds>&sig=<base64url HMAC>`, the HMAC
 * (SHA-256) covering `${key}\n${exp}`. The HMAC key is derived from the app's JWT secret with a
 * fixed label, so no new configuration is needed and a token signature can never double as a
 * link signature (or the other way round). Rotating the JWT secret invalidates every link.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { joinUrl } from './keys.js';

/** Objects under this prefix are never served publicly, only through signed links. */
export const PRIVATE_PREFIX = 'private/';
/** Path under the public URL where signed links are served. */
export const PRIVATE_MEDIA_PATH = '/media-private';
/** How long a link stays valid unless the caller asks otherwise. */
export const DEFAULT_PRIVATE_TTL_SECONDS = 60 * 60;

const DERIVATION_LABEL = 'inkstone:private-media';

export interface PrivateMediaSignerOptions {
  /** The app's JWT secret; the link key is derived from it. */
  secret: string;
  /** config.publicUrl: links are absolute. */
  publicUrl: string;
  /** Milliseconds since the epoch (the platform clock, so tests can move past expiry). */
  now(): number;
}

export interface PrivateMediaSigner {
  /** Absolute signed URL of `key`, valid for `ttlSeconds` (default 1 h). */
  url(key: string, ttlSeconds?: number): string;
  /**
   * True when `sig` is this signer's signature of `key` and `exp`, and `exp` has not passed.
   * Any malformed input (missing, non-numeric `exp`, wrong-length `sig`) is simply false.
   */
  verify(key: string, exp: string | number | undefined, sig: string | undefined): boolean;
  /** Whole seconds left until `exp` (0 when passed): the route's Cache-Control max-age. */
  secondsLeft(exp: number): number;
}

export function createPrivateMediaSigner(options: PrivateMediaSignerOptions): PrivateMediaSigner {
  const hmacKey = createHmac('sha256', options.secret).update(DERIVATION_LABEL).digest();
  const base = joinUrl(options.publicUrl, PRIVATE_MEDIA_PATH.slice(1));
  const nowSeconds = () => Math.floor(options.now() / 1000);

  const sign = (key: string, exp: number): Buffer => createHmac('sha256', hmacKey).update(`${key}\n${exp}`).digest();

  return {
    url(key, ttlSeconds = DEFAULT_PRIVATE_TTL_SECONDS) {
      const exp = nowSeconds() + Math.max(1, Math.floor(ttlSeconds));
      return `${joinUrl(base, key)}?exp=${exp}&sig=${sign(key, exp).toString('base64url')}`;
    },

    verify(key, exp, sig) {
      if (typeof sig !== 'string' || sig.length === 0) return false;
      const expText = typeof exp === 'number' ? String(exp) : exp;
      // Canonical decimal only: `exp=0123` or `exp=1e9` would sign differently than it reads.
      if (expText === undefined || !/^[1-9][0-9]{0,15}$/.test(expText)) return false;
      const expSeconds = Number(expText);
      if (expSeconds <= nowSeconds()) return false;
      const expected = sign(key, expSeconds);
      // base64url decoding ignores stray characters; only the canonical form is accepted.
      if (!/^[A-Za-z0-9_-]+$/.test(sig)) return false;
      const given = Buffer.from(sig, 'base64url');
      if (given.length !== expected.length || given.toString('base64url') !== sig) return false;
      return timingSafeEqual(given, expected);
    },

    secondsLeft(exp) {
      return Math.max(0, exp - nowSeconds());
    },
  };
}
