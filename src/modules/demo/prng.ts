/**
 * A tiny seeded PRNG (mulberry32): 32 bits of state, uniform floats in [0, 1). Not for anything
 * secret; it only makes the demo data identical on every machine.
 */
export type Random = () => number;

/** The demo's fixed default seed. */
export const DEMO_SEED = 0x1d_c0ffee;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max]. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(random() * items.length)]!;
}

/** `count` distinct items (order random); all of them when count >= items.length. */
export function pickDistinct<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = items.slice();
  const out: T[] = [];
  while (out.length < count && pool.length > 0) {
    out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  }
  return out;
}
