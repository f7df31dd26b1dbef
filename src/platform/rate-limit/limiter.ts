/**
 * Rate limiting on the key-value port, shared by every route and service.
 *
 * Why not @fastify/rate-limit (installed): it counts one fixed window per route, so it cannot
 * express rules with several windows (`10/hour;100/day`), its fixed window lets a client send
 * twice the limit across a window boundary, and it only limits whole requests, not things a
 * service counts inside a handler (failed password attempts per account). This module writes just
 * that: a sliding-window counter over the same KeyValueStore the rest of the platform uses, so it
 * runs in memory for one process and on Redis (shared by every instance) when REDIS_URL is set.
 *
 * Algorithm (the "sliding window counter" Cloudflare describes): per window, one counter per fixed
 * bucket of the window's length. The count over the last `windowMs` is estimated as
 *   previous bucket × (1 − fraction of the current bucket elapsed) + current bucket,
 * i.e. it assumes the previous bucket's hits were spread evenly. Two integers per window, no
 * per-request entries, and no burst at bucket boundaries. The estimate errs towards strictness
 * for tiny limits: after all L units are used at the start of a bucket, the next is allowed
 * W/L into the following bucket, so `1/minute` can mean waiting up to 2 minutes (Retry-After
 * says exactly how long). If that matters for a rule, split the window into sub-buckets.
 *
 * Rejected requests do not count: a client that keeps retrying while blocked is unblocked at the
 * same time as one that waits. We increment first and roll the increment back on rejection,
 * rather than reading, deciding and then incrementing: with read-then-increment, N concurrent
 * requests all read the same count and all pass, so an attacker choosing N (an SMS or password
 * endpoint) overshoots by N. Incrementing first is atomic per counter, so the limit holds exactly;
 * the cost is that while a rejected request's increment is in flight, a concurrent request can see
 * it and be rejected too, which errs on the safe side.
 */
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../kv/kv.js';
import type { Window } from './rule.js';

/** The outcome for the most restrictive window of a rule. */
export interface Decision {
  allowed: boolean;
  limit: number;
  /** Units left in that window (after this hit, when it was allowed). */
  remaining: number;
  /** Until that window's count is back to zero. */
  resetMs: number;
  /** Until a request of the same cost would be allowed by every window; 0 when allowed. */
  retryAfterMs: number;
}

// Estimates are fractional; this absorbs floating-point noise at exact boundaries.
const EPSILON = 1e-9;
const MAX_KEY_LENGTH = 100;

interface Slot {
  window: Window;
  bucketStart: number;
  /** Fraction of the current bucket already elapsed, in [0, 1). */
  elapsed: number;
  currentKey: string;
  previousKey: string;
}

interface Report {
  blocked: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

/** Keeps keys short and free of surprises when the caller's key is long (a body field, a URL). */
function safeKey(key: string): string {
  return key.length > MAX_KEY_LENGTH ? `sha1:${createHash('sha1').update(key).digest('hex')}` : key;
}

function count(value: string | null): number {
  // A counter that expired between an increment and its rollback can read negative; it is empty.
  return Math.max(0, value === null ? 0 : Number(value));
}

/** How long until `previous × (1 − f) + current + cost ≤ limit`, with f the elapsed fraction. */
function waitMs(slot: Slot, previous: number, current: number, cost: number, now: number): number {
  const { limit, windowMs } = slot.window;
  const room = limit - cost;
  if (previous * (1 - slot.elapsed) + current <= room + EPSILON) return 0;
  const bucketEnd = slot.bucketStart + windowMs;
  // Within this bucket the estimate only falls while the previous bucket fades out; once the
  // current bucket alone is too full, wait until it has faded enough as the next "previous".
  const at =
    current <= room
      ? slot.bucketStart + windowMs * (1 - (room - current) / previous)
      : bucketEnd + windowMs * (1 - room / current);
  return Math.max(1, Math.ceil(at - now));
}

function report(slot: Slot, previous: number, current: number, cost: number, now: number): Report {
  const { limit, windowMs } = slot.window;
  const estimate = previous * (1 - slot.elapsed) + current;
  const bucketEnd = slot.bucketStart + windowMs;
  // The estimate reaches zero when the last non-empty bucket has fully faded out.
  const resetAt = current > 0 ? bucketEnd + windowMs : previous > 0 ? bucketEnd : now;
  const retryAfterMs = waitMs(slot, previous, current, cost, now);
  return {
    blocked: retryAfterMs > 0,
    limit,
    remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
    resetMs: resetAt - now,
    retryAfterMs,
  };
}

/** Allowed: the window with the least left. Rejected: the blocking window that blocks longest. */
function decide(reports: Report[], allowed: boolean): Decision {
  let worst: Report | undefined;
  for (const r of reports) {
    if (!allowed && !r.blocked) continue;
    const worse = !worst
      ? true
      : allowed
        ? r.remaining < worst.remaining || (r.remaining === worst.remaining && r.resetMs > worst.resetMs)
        : r.retryAfterMs > worst.retryAfterMs;
    if (worse) worst = r;
  }
  const w = worst!;
  return { allowed, limit: w.limit, remaining: w.remaining, resetMs: w.resetMs, retryAfterMs: allowed ? 0 : w.retryAfterMs };
}

function check(windows: Window[], cost: number): void {
  if (windows.length === 0) throw new Error('rate limit: a rule needs at least one window');
  if (!Number.isSafeInteger(cost) || cost < 1) throw new Error(`rate limit: cost must be a positive integer, got ${cost}`);
  const tooSmall = windows.find((w) => w.limit < cost);
  if (tooSmall) throw new Error(`rate limit: cost ${cost} can never fit in ${tooSmall.label}`);
}

export class RateLimiter {
  private readonly now: () => number;

  constructor(
    private readonly kv: KeyValueStore,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Counts `cost` units for `key` in `scope` if every window has room; otherwise counts nothing. */
  async hit(scope: string, key: string, windows: Window[], cost = 1): Promise<Decision> {
    check(windows, cost);
    const now = this.now();
    const slots = windows.map((w) => this.slot(scope, key, w, now));
    const [previous, incremented] = await Promise.all([
      this.kv.getMany(slots.map((s) => s.previousKey)),
      // The TTL covers the bucket's own period and the next one, where it serves as "previous".
      Promise.all(slots.map((s) => this.kv.incr(s.currentKey, cost, { ttlMs: 2 * s.window.windowMs }))),
    ]);
    const before = incremented.map((n) => Math.max(0, n - cost));
    const reports = slots.map((s, i) => report(s, count(previous[i]!), before[i]!, cost, now));
    const allowed = reports.every((r) => !r.blocked);
    if (!allowed) {
      await Promise.all(slots.map((s) => this.kv.incr(s.currentKey, -cost, { ttlMs: 2 * s.window.windowMs })));
      return decide(reports, false);
    }
    return decide(
      slots.map((s, i) => report(s, count(previous[i]!), before[i]! + cost, cost, now)),
      true,
    );
  }

  /** What `hit` would decide, without counting anything; `remaining` is what is left now. */
  async peek(scope: string, key: string, windows: Window[], cost = 1): Promise<Decision> {
    check(windows, cost);
    const now = this.now();
    const slots = windows.map((w) => this.slot(scope, key, w, now));
    const values = await this.kv.getMany(slots.flatMap((s) => [s.previousKey, s.currentKey]));
    const reports = slots.map((s, i) => report(s, count(values[2 * i]!), count(values[2 * i + 1]!), cost, now));
    return decide(reports, reports.every((r) => !r.blocked));
  }

  /**
   * Forgets `key`'s counts (after a successful login, say). The windows are needed because
   * counters are keyed by window and bucket and the port cannot list keys by pattern; only the
   * current and previous buckets matter, older ones no longer count.
   */
  async reset(scope: string, key: string, windows: Window[]): Promise<void> {
    const now = this.now();
    const slots = windows.map((w) => this.slot(scope, key, w, now));
    await this.kv.del(...slots.flatMap((s) => [s.previousKey, s.currentKey]));
  }

  private slot(scope: string, key: string, window: Window, now: number): Slot {
    const { windowMs } = window;
    const bucketStart = Math.floor(now / windowMs) * windowMs;
    const name = (start: number) => `rl:${scope}:${windowMs}:${start}:${safeKey(key)}`;
    return {
      window,
      bucketStart,
      elapsed: (now - bucketStart) / windowMs,
      currentKey: name(bucketStart),
      previousKey: name(bucketStart - windowMs),
    };
  }
}
