/**
 * Rate limiting on the key-value port, shared by every route and service.
 *
 * Why not @fastify/rate-limit: it counts one fixed window per route, so it cannot
 * express rules with several windows (`10/hour;100/day`), its fixed window lets a client send
 * twice the limit across a window boundary, and it only limits whole requests, not things a
 * service counts inside a handler (failed password attempts per account). This module writes just
 * that: a sliding-window counter over the same KeyValueStore the rest of the platform uses, so it
 * runs in memory for one process and on Redis (shared by every instance) when REDIS_URL is set.
 *
 * Algorithm (the "sliding window counter" Cloudflare describes, with sub-buckets): per window,
 * one counter per fixed sub-bucket of W/B. The count over the last W is estimated as
 *   the B newest sub-buckets (the current one included) + the one before them × (1 − f),
 * f being the fraction of the current sub-bucket elapsed, i.e. it assumes the hits of the
 * sub-bucket fading out were spread evenly. B+1 integers per window, no per-request entries, no
 * burst at bucket boundaries. With one bucket (B = 1) a tiny limit errs far towards strictness:
 * after all L units are used at the start of a bucket the next is allowed only W/L into the
 * following one, so `1/minute` would mean up to 2 minutes. So B grows as L shrinks (1 for L ≥ 10,
 * up to 10 for L = 1): the wait past a full window is then at most about W/10 (`1/minute`: 66 s).
 * Retry-After always says exactly how long.
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
  /** Sub-buckets per window (B) and their length (W/B). */
  buckets: number;
  bucketMs: number;
  /** Index of the current sub-bucket (start = index × bucketMs). */
  index: number;
  /** Fraction of the current sub-bucket already elapsed, in [0, 1). */
  elapsed: number;
  currentKey: string;
  /** The B sub-buckets before the current one, oldest first (the oldest is the fading one). */
  pastKeys: string[];
}

/** Sub-buckets for a window of `limit` units: enough that a full window overshoots by ≤ ~10 %. */
export function bucketsFor(limit: number): number {
  return limit >= 10 ? 1 : limit >= 5 ? 2 : limit >= 2 ? 5 : 10;
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

/**
 * Counts per sub-bucket, oldest first: index 0 is the fading sub-bucket (k − B), the last is the
 * current one (k).
 */
type Counts = number[];

function estimate(slot: Slot, counts: Counts): number {
  let full = 0;
  for (let i = 1; i < counts.length; i++) full += counts[i]!;
  return full + counts[0]! * (1 - slot.elapsed);
}

/** How long until the estimate + cost ≤ limit, stepping forward sub-bucket by sub-bucket. */
function waitMs(slot: Slot, counts: Counts, cost: number, now: number): number {
  const room = slot.window.limit - cost;
  if (estimate(slot, counts) <= room + EPSILON) return 0;
  const { buckets, bucketMs, index } = slot;
  // In sub-bucket k + m, sub-buckets up to k − B + m are gone, k − B + m fades, the rest count fully.
  for (let m = 0; m <= buckets; m++) {
    let full = 0;
    for (let i = m + 1; i <= buckets; i++) full += counts[i]!;
    if (full > room + EPSILON) continue;
    const fading = counts[m]!;
    const from = m === 0 ? slot.elapsed : 0;
    const fraction = fading === 0 ? from : Math.max(from, 1 - (room - full) / fading);
    const at = (index + m) * bucketMs + fraction * bucketMs;
    return Math.max(1, Math.ceil(at - now));
  }
  throw new Error('rate limit: unreachable (an empty window always has room)');
}

function report(slot: Slot, counts: Counts, cost: number, now: number): Report {
  const { limit } = slot.window;
  // The estimate reaches zero when the newest non-empty sub-bucket has fully faded out.
  let newest = -1;
  for (let i = counts.length - 1; i >= 0; i--) {
    if (counts[i]! > 0) {
      newest = i;
      break;
    }
  }
  const newestIndex = slot.index - slot.buckets + newest;
  const resetAt = newest < 0 ? now : (newestIndex + slot.buckets + 1) * slot.bucketMs;
  const retryAfterMs = waitMs(slot, counts, cost, now);
  return {
    blocked: retryAfterMs > 0,
    limit,
    remaining: Math.max(0, Math.floor(limit - estimate(slot, counts) + EPSILON)),
    resetMs: Math.max(0, resetAt - now),
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
  return {
    allowed,
    limit: w.limit,
    remaining: w.remaining,
    resetMs: w.resetMs,
    retryAfterMs: allowed ? 0 : w.retryAfterMs,
  };
}

function check(windows: Window[], cost: number): void {
  if (windows.length === 0) throw new Error('rate limit: a rule needs at least one window');
  if (!Number.isSafeInteger(cost) || cost < 1)
    throw new Error(`rate limit: cost must be a positive integer, got ${cost}`);
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
    const [past, incremented] = await Promise.all([
      this.kv.getMany(slots.flatMap((s) => s.pastKeys)),
      // The TTL covers the sub-bucket's own period and the B after it, while it still counts.
      Promise.all(slots.map((s) => this.kv.incr(s.currentKey, cost, { ttlMs: ttlOf(s) }))),
    ]);
    // Per window: its past sub-buckets, then the current one without (or with) this hit.
    const countsOf = (withThisHit: number): Counts[] => {
      let offset = 0;
      return slots.map((s, i) => {
        const counts = past.slice(offset, offset + s.buckets).map(count);
        offset += s.buckets;
        return [...counts, Math.max(0, incremented[i]! - cost) + withThisHit];
      });
    };
    const before = countsOf(0);
    const reports = slots.map((s, i) => report(s, before[i]!, cost, now));
    const allowed = reports.every((r) => !r.blocked);
    if (!allowed) {
      await Promise.all(slots.map((s) => this.kv.incr(s.currentKey, -cost, { ttlMs: ttlOf(s) })));
      return decide(reports, false);
    }
    const after = countsOf(cost);
    return decide(
      slots.map((s, i) => report(s, after[i]!, cost, now)),
      true,
    );
  }

  /** What `hit` would decide, without counting anything; `remaining` is what is left now. */
  async peek(scope: string, key: string, windows: Window[], cost = 1): Promise<Decision> {
    check(windows, cost);
    const now = this.now();
    const slots = windows.map((w) => this.slot(scope, key, w, now));
    const values = (await this.kv.getMany(slots.flatMap((s) => [...s.pastKeys, s.currentKey]))).map(count);
    let offset = 0;
    const reports = slots.map((s) => {
      const counts = values.slice(offset, offset + s.buckets + 1);
      offset += s.buckets + 1;
      return report(s, counts, cost, now);
    });
    return decide(
      reports,
      reports.every((r) => !r.blocked),
    );
  }

  /**
   * Forgets `key`'s counts (after a successful login, say). The windows are needed because
   * counters are keyed by window and bucket and the port cannot list keys by pattern; only the
   * current and previous buckets matter, older ones no longer count.
   */
  async reset(scope: string, key: string, windows: Window[]): Promise<void> {
    const now = this.now();
    const slots = windows.map((w) => this.slot(scope, key, w, now));
    await this.kv.del(...slots.flatMap((s) => [...s.pastKeys, s.currentKey]));
  }

  private slot(scope: string, key: string, window: Window, now: number): Slot {
    const { windowMs } = window;
    const buckets = bucketsFor(window.limit);
    const bucketMs = windowMs / buckets;
    const index = Math.floor(now / bucketMs);
    const name = (i: number) => `rl:${scope}:${windowMs}:${i * bucketMs}:${safeKey(key)}`;
    const pastKeys: string[] = [];
    for (let i = index - buckets; i < index; i++) pastKeys.push(name(i));
    return {
      window,
      buckets,
      bucketMs,
      index,
      elapsed: (now - index * bucketMs) / bucketMs,
      currentKey: name(index),
      pastKeys,
    };
  }
}

function ttlOf(slot: Slot): number {
  return (slot.buckets + 1) * slot.bucketMs;
}
