/**
 * The last few minutes of HTTP traffic in this process, for the console's dashboard: request and
 * error counts and latency quantiles. Prometheus' own counters run from start-up, so a rate over
 * "now" needs a scraper; this keeps a ring of short slots instead, each a small latency histogram,
 * and a read merges the slots still inside the window. Recording is two array increments.
 */

/** Upper bounds in seconds; the last slot of every histogram counts anything slower. */
const BOUNDS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 10,
] as const;

export interface RecentTraffic {
  windowSeconds: number;
  requests: number;
  /** Status 500 and above. */
  serverErrors: number;
  /** Status 400–499. */
  clientErrors: number;
  /** Latency quantiles in milliseconds, interpolated within a bucket; null with no requests. */
  p50Ms: number | null;
  p95Ms: number | null;
}

interface Slot {
  /** Which slot period this holds (time / slotMs, floored); stale when it is not the current one's neighbour. */
  period: number;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  buckets: number[];
}

export interface RecentWindow {
  observe(status: number, seconds: number): void;
  read(): RecentTraffic;
}

export function createRecentWindow(options: { windowMs?: number; slotMs?: number; now?: () => number } = {}) {
  const slotMs = options.slotMs ?? 10_000;
  const slotCount = Math.max(1, Math.round((options.windowMs ?? 300_000) / slotMs));
  const now = options.now ?? Date.now;
  const slots: Slot[] = Array.from({ length: slotCount }, () => ({
    period: -1,
    requests: 0,
    serverErrors: 0,
    clientErrors: 0,
    buckets: new Array<number>(BOUNDS.length + 1).fill(0),
  }));

  const window: RecentWindow = {
    observe(status, seconds) {
      const period = Math.floor(now() / slotMs);
      const slot = slots[period % slotCount]!;
      if (slot.period !== period) {
        slot.period = period;
        slot.requests = slot.serverErrors = slot.clientErrors = 0;
        slot.buckets.fill(0);
      }
      slot.requests++;
      if (status >= 500) slot.serverErrors++;
      else if (status >= 400) slot.clientErrors++;
      let i = 0;
      while (i < BOUNDS.length && seconds > BOUNDS[i]!) i++;
      slot.buckets[i]!++;
    },
    read() {
      const current = Math.floor(now() / slotMs);
      const merged = new Array<number>(BOUNDS.length + 1).fill(0);
      const result: RecentTraffic = {
        windowSeconds: (slotCount * slotMs) / 1000,
        requests: 0,
        serverErrors: 0,
        clientErrors: 0,
        p50Ms: null,
        p95Ms: null,
      };
      for (const slot of slots) {
        if (slot.period < 0 || current - slot.period >= slotCount) continue;
        result.requests += slot.requests;
        result.serverErrors += slot.serverErrors;
        result.clientErrors += slot.clientErrors;
        slot.buckets.forEach((n, i) => (merged[i]! += n));
      }
      if (result.requests > 0) {
        result.p50Ms = quantileMs(merged, result.requests, 0.5);
        result.p95Ms = quantileMs(merged, result.requests, 0.95);
      }
      return result;
    },
  };
  return window;
}

/** Linear interpolation inside the bucket holding the rank (as Prometheus' histogram_quantile). */
function quantileMs(buckets: readonly number[], total: number, q: number): number {
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : BOUNDS[i - 1]!;
      // Past the last bound there is no upper edge: report the last bound, as Prometheus does.
      if (i === BOUNDS.length) return lower * 1000;
      const upper = BOUNDS[i]!;
      return (lower + (upper - lower) * ((rank - seen) / n)) * 1000;
    }
    seen += n;
  }
  return BOUNDS[BOUNDS.length - 1]! * 1000;
}
