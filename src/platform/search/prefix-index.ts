/**
 * In-memory prefix completion: entries sorted by their folded key; a lookup is a binary search to
 * the first key ≥ prefix and a bounded scan while keys still start with it, keeping the best
 * `limit` by weight. Built once per refresh, read by every keystroke (no I/O, a few µs).
 */
export interface PrefixEntry {
  /** Folded text compared with the folded prefix. */
  key: string;
  /** What is shown. */
  display: string;
  weight: number;
}

/** Entries looked at per lookup at most: a one-letter prefix must not scan the whole vocabulary. */
const MAX_SCAN = 4_000;

export class PrefixIndex {
  private readonly keys: string[];
  private readonly displays: string[];
  private readonly weights: Float64Array;

  /** Duplicated keys keep their heaviest entry. */
  constructor(entries: PrefixEntry[]) {
    const best = new Map<string, PrefixEntry>();
    for (const entry of entries) {
      if (!entry.key) continue;
      const seen = best.get(entry.key);
      if (!seen || entry.weight > seen.weight) best.set(entry.key, entry);
    }
    const sorted = [...best.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.keys = sorted.map((e) => e.key);
    this.displays = sorted.map((e) => e.display);
    this.weights = Float64Array.from(sorted.map((e) => e.weight));
  }

  get size(): number {
    return this.keys.length;
  }

  private lowerBound(prefix: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether the exact key is present. */
  has(key: string): boolean {
    const i = this.lowerBound(key);
    return this.keys[i] === key;
  }

  /** The heaviest `limit` entries whose key starts with `prefix` (folded), heaviest first. */
  complete(prefix: string, limit: number): { display: string; key: string; weight: number }[] {
    if (!prefix || limit <= 0) return [];
    const top: number[] = [];
    const end = Math.min(this.keys.length, this.lowerBound(prefix) + MAX_SCAN);
    for (let i = this.lowerBound(prefix); i < end && this.keys[i]!.startsWith(prefix); i++) {
      const w = this.weights[i]!;
      if (top.length === limit && w <= this.weights[top[limit - 1]!]!) continue;
      // Insertion into a short sorted list (limit ≤ 10 or so): cheaper than a heap.
      let at = top.length;
      while (at > 0 && this.weights[top[at - 1]!]! < w) at--;
      top.splice(at, 0, i);
      if (top.length > limit) top.pop();
    }
    return top.map((i) => ({ display: this.displays[i]!, key: this.keys[i]!, weight: this.weights[i]! }));
  }
}
