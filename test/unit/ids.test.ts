import { describe, expect, it } from 'vitest';
import { ClockMovedBackError, contentIdTime, ID_EPOCH_MS, Snowflake, USER_LAYOUT } from '../../src/platform/ids.js';

describe('Snowflake ids', () => {
  it('grows monotonically and never repeats, across many ids in one millisecond', () => {
    const gen = new Snowflake({ workerId: 3 });
    const ids = Array.from({ length: 50_000 }, () => gen.next());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('encodes time, worker and sequence in the classic 64-bit layout', () => {
    const now = ID_EPOCH_MS + 123_456_789;
    const gen = new Snowflake({ workerId: 1023, now: () => now });
    const first = gen.next();
    expect(first).toBe((123_456_789n << 22n) | (1023n << 12n));
    expect(gen.next()).toBe(first + 1n);
    expect(contentIdTime(first)).toBe(now);
  });

  it('keeps ids from different workers distinct at the same instant', () => {
    const now = () => ID_EPOCH_MS + 1000;
    const a = new Snowflake({ workerId: 1, now });
    const b = new Snowflake({ workerId: 2, now });
    expect(a.next()).not.toBe(b.next());
  });

  it('waits out a small backward clock step and stays unique', () => {
    // The clock reads 10_000, then steps back 5 ms for a few reads, then moves on.
    const readings = [10_000, 9_995, 9_995, 9_995, 10_000, 10_001];
    let i = 0;
    const gen = new Snowflake({ workerId: 0, now: () => ID_EPOCH_MS + readings[Math.min(i++, readings.length - 1)]! });
    const ids = [gen.next(), gen.next(), gen.next()];
    expect(ids[1]! > ids[0]!).toBe(true);
    expect(ids[2]! > ids[1]!).toBe(true);
    expect(contentIdTime(ids[1]!)).toBeGreaterThanOrEqual(ID_EPOCH_MS + 10_000);
  });

  it('refuses to generate when the clock jumps back too far', () => {
    let clock = ID_EPOCH_MS + 100_000;
    const gen = new Snowflake({ workerId: 0, now: () => clock, maxBackwardMs: 2000 });
    gen.next();
    clock -= 60_000;
    expect(() => gen.next()).toThrow(ClockMovedBackError);
    expect(() => gen.next()).toThrow(/moved back by 60000 ms/);
  });

  it('keeps user ids below 2^53 for the next century', () => {
    const farFuture = ID_EPOCH_MS + 100 * 365 * 86_400_000;
    const gen = new Snowflake({ workerId: 1023, layout: USER_LAYOUT, now: () => farFuture });
    for (let i = 0; i < 2047; i++) gen.next();
    const last = gen.next();
    expect(last < 2n ** 53n).toBe(true);
    expect(Number.isSafeInteger(Number(last))).toBe(true);
  });

  it('rejects an out-of-range worker id', () => {
    expect(() => new Snowflake({ workerId: 1024 })).toThrow(RangeError);
    expect(() => new Snowflake({ workerId: -1 })).toThrow(RangeError);
  });

  it('asks a leased worker id at every mint, and mints nothing while the lease is not held', () => {
    const now = ID_EPOCH_MS + 5_000;
    let lease: number | null = 4;
    const gen = new Snowflake({
      now: () => now,
      workerId: () => {
        if (lease === null) throw new Error('no lease');
        return lease;
      },
    });
    const first = gen.next();
    expect((first >> 12n) & 1023n).toBe(4n);
    lease = null;
    expect(() => gen.next()).toThrow('no lease');
    // Re-leased under another id within the same millisecond: the sequence goes on, nothing repeats.
    lease = 9;
    const second = gen.next();
    expect((second >> 12n) & 1023n).toBe(9n);
    expect(second & 4095n).toBe(1n);
    lease = 2_000;
    expect(() => gen.next()).toThrow(RangeError);
  });
});
