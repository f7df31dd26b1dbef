/**
 * Cache-aside on both kv adapters: hits and misses, TTL jitter, negative caching, single-flight in
 * one process and across instances sharing a store, bigint round trips, getMany and invalidation.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Cache, decodeValue, encodeValue, type CacheOutcome } from '../../src/platform/cache/cache.js';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from '../../src/platform/kv/index.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { pause, until } from '../helpers/wait.js';

const redisUp = await serviceAvailable('redis');

/** A loader that counts its calls and answers from a map after an optional delay. */
function loader<T>(rows: Map<string, T>, delayMs = 0) {
  const calls: string[] = [];
  const load = (id: string) => async () => {
    calls.push(id);
    if (delayMs > 0) await pause(delayMs);
    return rows.get(id);
  };
  return { calls, load };
}

const adapters: { name: string; skip: boolean; create: (prefix: string) => KeyValueStore }[] = [
  { name: 'memory', skip: false, create: (prefix) => new MemoryKeyValueStore({ prefix }) },
  { name: 'redis', skip: !redisUp, create: (prefix) => new RedisKeyValueStore({ url: serviceUrls.redis, prefix }) },
];

describe('value encoding', () => {
  it('round-trips bigints beyond 2^53 anywhere in a value', () => {
    const value = {
      id: 2n ** 63n - 1n,
      nested: { ids: [9007199254740993n, 1n], owner: { id: 1234567890123456789n } },
      n: 5,
    };
    const back = decodeValue<typeof value>(encodeValue(value));
    expect(back).toEqual(value);
    expect(typeof back.nested.ids[0]).toBe('bigint');
  });

  it('keeps strings that look like its own tags', () => {
    const value = { a: '\u0000n:12', b: '\u0000s:x', c: '\u0000absent', d: '\u0000' };
    expect(decodeValue(encodeValue(value))).toEqual(value);
    expect(decodeValue(encodeValue('\u0000absent'))).toBe('\u0000absent');
  });
});

for (const adapter of adapters) {
  describe.skipIf(adapter.skip)(`Cache on ${adapter.name}`, () => {
    const prefix = `test:cache:${uniqueSuffix()}:`;
    const kv = adapter.create(prefix);
    const extra: KeyValueStore[] = [];

    beforeEach(async () => {
      await kv.flush();
    });

    afterAll(async () => {
      await kv.flush();
      await kv.close();
      for (const store of extra) await store.close();
    });

    it('loads on a miss, then serves hits without the loader', async () => {
      const outcomes: CacheOutcome[] = [];
      const cache = new Cache(kv, { onResult: (o) => outcomes.push(o) });
      const { calls, load } = loader(new Map([['a', { title: 'A' }]]));
      expect(await cache.get('art:a', load('a'), { ttlMs: 60_000 })).toEqual({ title: 'A' });
      expect(await cache.get('art:a', load('a'), { ttlMs: 60_000 })).toEqual({ title: 'A' });
      expect(await cache.get('art:a', load('a'), { ttlMs: 60_000 })).toEqual({ title: 'A' });
      expect(calls).toEqual(['a']);
      expect(outcomes).toEqual(['miss', 'hit', 'hit']);
    });

    it('caches falsy values (0, "", null, false) as values, not as misses', async () => {
      const cache = new Cache(kv);
      for (const [i, value] of [0, '', null, false].entries()) {
        let calls = 0;
        const load = async () => (calls++, value);
        expect(await cache.get(`falsy:${i}`, load, { ttlMs: 60_000 })).toBe(value);
        expect(await cache.get(`falsy:${i}`, load, { ttlMs: 60_000 })).toBe(value);
        expect(calls).toBe(1);
      }
    });

    it('adds jitter within [ttl, ttl × (1 + jitter)]', async () => {
      const ttlMs = 100_000;
      const at = async (random: number, jitter?: number) => {
        const cache = new Cache(kv, { random: () => random });
        const key = `j:${random}:${jitter}`;
        await cache.get(key, async () => 'v', { ttlMs, jitter });
        return kv.ttl(key);
      };
      // Remaining TTLs are read back a few milliseconds later, hence the slack below.
      const none = await at(0);
      expect(none).toBeGreaterThan(ttlMs - 1_000);
      expect(none).toBeLessThanOrEqual(ttlMs);
      const half = await at(0.5);
      expect(half).toBeGreaterThan(ttlMs * 1.1 - 1_000);
      expect(half).toBeLessThanOrEqual(ttlMs * 1.1);
      const top = await at(0.999_999);
      expect(top).toBeGreaterThan(ttlMs * 1.2 - 1_000);
      expect(top).toBeLessThanOrEqual(ttlMs * 1.2);
      const wide = await at(0.999_999, 0.5);
      expect(wide).toBeGreaterThan(ttlMs * 1.5 - 1_000);
      expect(wide).toBeLessThanOrEqual(ttlMs * 1.5);
      const flat = await at(0.999_999, 0);
      expect(flat).toBeLessThanOrEqual(ttlMs);
    });

    it('spreads TTLs of keys written together (default random)', async () => {
      const cache = new Cache(kv);
      const ttlMs = 100_000;
      const keys = Array.from({ length: 20 }, (_, i) => `spread:${i}`);
      await Promise.all(keys.map((key) => cache.get(key, async () => 1, { ttlMs })));
      const ttls = await Promise.all(keys.map((key) => kv.ttl(key)));
      for (const ttl of ttls) {
        expect(ttl).toBeGreaterThan(ttlMs - 1_000);
        expect(ttl).toBeLessThanOrEqual(ttlMs * 1.2);
      }
      expect(new Set(ttls.map((t) => Math.round(t / 100))).size).toBeGreaterThan(1);
    });

    it('remembers a missing row for the negative TTL, then asks again', async () => {
      const cache = new Cache(kv);
      const { calls, load } = loader(new Map<string, string>());
      const policy = { ttlMs: 60_000, negativeTtlMs: 150 };
      for (let i = 0; i < 5; i++) expect(await cache.get('missing:1', load('1'), policy)).toBeUndefined();
      expect(calls).toEqual(['1']);
      expect(await kv.ttl('missing:1')).toBeLessThanOrEqual(150);
      await until('the negative entry expired', async () => (await kv.get('missing:1')) === null);
      expect(await cache.get('missing:1', load('1'), policy)).toBeUndefined();
      expect(calls).toEqual(['1', '1']);
    });

    it('negativeTtlMs 0 disables negative caching', async () => {
      const cache = new Cache(kv);
      const { calls, load } = loader(new Map<string, string>());
      await cache.get('missing:2', load('2'), { ttlMs: 60_000, negativeTtlMs: 0 });
      await cache.get('missing:2', load('2'), { ttlMs: 60_000, negativeTtlMs: 0 });
      expect(calls).toEqual(['2', '2']);
      expect(await kv.get('missing:2')).toBeNull();
    });

    it('single-flight: 100 concurrent gets in one process call the loader once', async () => {
      const outcomes: CacheOutcome[] = [];
      const cache = new Cache(kv, { onResult: (o) => outcomes.push(o) });
      const { calls, load } = loader(new Map([['hot', { id: 1n }]]), 30);
      const results = await Promise.all(
        Array.from({ length: 100 }, () => cache.get('hot', load('hot'), { ttlMs: 60_000 })),
      );
      expect(calls).toEqual(['hot']);
      expect(results.every((r) => r?.id === 1n)).toBe(true);
      expect(outcomes.filter((o) => o === 'miss')).toHaveLength(1);
      expect(outcomes).toHaveLength(100);
      // The lock is released once the value is stored.
      expect(await kv.get('lock:hot')).toBeNull();
    });

    it('single-flight with a fast loader and a late wave of callers still loads once', async () => {
      const cache = new Cache(kv);
      const { calls, load } = loader(new Map([['fast', 'v']]));
      const first = Array.from({ length: 50 }, () => cache.get('fast', load('fast'), { ttlMs: 60_000 }));
      await pause(0);
      const second = Array.from({ length: 50 }, () => cache.get('fast', load('fast'), { ttlMs: 60_000 }));
      expect(new Set(await Promise.all([...first, ...second]))).toEqual(new Set(['v']));
      expect(calls).toEqual(['fast']);
    });

    it('a failing loader rejects every waiter, caches nothing and frees the key', async () => {
      const cache = new Cache(kv);
      let calls = 0;
      const failing = async () => {
        calls++;
        await pause(10);
        throw new Error('database down');
      };
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => cache.get('boom', failing, { ttlMs: 60_000 })),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(calls).toBe(1);
      expect(await kv.get('boom')).toBeNull();
      expect(await kv.get('lock:boom')).toBeNull();
      expect(await cache.get('boom', async () => 'back', { ttlMs: 60_000 })).toBe('back');
    });

    it('across two instances sharing the store, concurrent gets load once (at most twice)', async () => {
      // Two Cache instances stand for two processes: each has its own in-flight map, and with
      // Redis its own connection, but they share the key space (the same prefix). The first to
      // take the kv lock loads; the other polls the key for up to 10+20+40+80+160 = 310 ms and
      // takes the winner's value. Only a load slower than that wait (or than the 3 s lock TTL)
      // lets the second instance load too, by design: it serves rather than fail. So one load
      // here (30 ms), never more than two.
      const otherKv = adapter.name === 'redis' ? adapter.create(prefix) : kv;
      if (otherKv !== kv) extra.push(otherKv);
      const a = new Cache(kv);
      const b = new Cache(otherKv);
      const { calls, load } = loader(new Map([['shared', { n: 42n }]]), 30);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).get('shared', load('shared'), { ttlMs: 60_000 })),
      );
      expect(results.every((r) => r?.n === 42n)).toBe(true);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls.length).toBeLessThanOrEqual(2);
      expect(calls).toHaveLength(1);
    });

    it('across instances, a load slower than the wait budget is done twice, and only the holder frees the lock', async () => {
      const otherKv = adapter.name === 'redis' ? adapter.create(prefix) : kv;
      if (otherKv !== kv) extra.push(otherKv);
      const [a, b] = [new Cache(kv), new Cache(otherKv)];
      let calls = 0;
      const slow = async () => (calls++, await pause(800), 'slow');
      const quick = async () => (calls++, 'quick');
      const first = a.get('slow', slow, { ttlMs: 60_000 });
      await pause(20);
      // b waits ~310 ms for a, gives up and loads itself rather than fail.
      expect(await b.get('slow', quick, { ttlMs: 60_000 })).toBe('quick');
      // a still holds its lock: b, which never owned it, must not have released it.
      expect(await kv.get('lock:slow')).toBe('1');
      expect(await first).toBe('slow');
      expect(await kv.get('lock:slow')).toBeNull();
      expect(calls).toBe(2);
    });

    it('does not load again when the value appeared between the miss and the lock', async () => {
      const cache = new Cache(kv);
      // Simulates another process that stored the value and released its lock while this
      // process' GET was in flight: the GET misses, the lock is free, the value is there.
      const racing: KeyValueStore = Object.create(kv) as KeyValueStore;
      let firstGet = true;
      racing.get = async (key: string) => {
        const value = await kv.get(key);
        if (firstGet) {
          firstGet = false;
          await kv.set(key, encodeValue('from elsewhere'));
        }
        return value;
      };
      const racingCache = new Cache(racing);
      const { calls, load } = loader(new Map([['race', 'mine']]));
      expect(await racingCache.get('race', load('race'), { ttlMs: 60_000 })).toBe('from elsewhere');
      expect(calls).toEqual([]);
      expect(await cache.get('race', load('race'), { ttlMs: 60_000 })).toBe('from elsewhere');
    });

    it('round-trips bigint ids above 2^53 inside nested objects', async () => {
      const cache = new Cache(kv);
      const row = {
        id: 1_234_567_890_123_456_789n,
        author: { id: 9_007_199_254_740_993n, name: 'x' },
        related: [{ id: 2n ** 62n + 1n }, { id: 3n }],
        count: 7,
      };
      await cache.get('big', async () => row, { ttlMs: 60_000 });
      const back = await cache.get<typeof row>('big', async () => undefined, { ttlMs: 60_000 });
      expect(back).toEqual(row);
      expect(back?.author.id).toBe(9_007_199_254_740_993n);
      expect(back?.related[0]?.id).toBe(2n ** 62n + 1n);
    });

    it('getMany: one loader call for the misses, hits from the store, absent ids cached as absent', async () => {
      const outcomes: CacheOutcome[] = [];
      const cache = new Cache(kv, { onResult: (o) => outcomes.push(o) });
      const keyOf = (id: bigint) => `card:${id}`;
      const rows = new Map([
        [1n, { id: 1n, t: 'one' }],
        [2n, { id: 2n, t: 'two' }],
        [3n, { id: 3n, t: 'three' }],
      ]);
      const batches: bigint[][] = [];
      const loadMany = async (ids: bigint[]) => {
        batches.push(ids);
        return new Map(ids.flatMap((id) => (rows.has(id) ? [[id, rows.get(id)!] as const] : [])));
      };
      await cache.get(keyOf(2n), async () => rows.get(2n), { ttlMs: 60_000 });
      outcomes.length = 0;

      const first = await cache.getMany([3n, 2n, 99n, 1n, 2n], keyOf, loadMany, { ttlMs: 60_000 });
      expect(batches).toEqual([[3n, 99n, 1n]]);
      expect([...first.keys()]).toEqual([3n, 2n, 1n]);
      expect(first.get(2n)).toEqual({ id: 2n, t: 'two' });
      expect(first.has(99n)).toBe(false);
      expect(outcomes.sort()).toEqual(['hit', 'miss', 'miss', 'miss']);

      const second = await cache.getMany([1n, 2n, 3n, 99n], keyOf, loadMany, { ttlMs: 60_000 });
      expect(batches).toHaveLength(1);
      expect([...second.entries()]).toEqual([
        [1n, { id: 1n, t: 'one' }],
        [2n, { id: 2n, t: 'two' }],
        [3n, { id: 3n, t: 'three' }],
      ]);
      expect(await cache.getMany([], keyOf, loadMany, { ttlMs: 60_000 })).toEqual(new Map());
      expect(batches).toHaveLength(1);
    });

    it('invalidate drops keys so the next get loads fresh data', async () => {
      const cache = new Cache(kv);
      let version = 1;
      let calls = 0;
      const load = async () => (calls++, { version });
      await cache.get('inv:1', load, { ttlMs: 60_000 });
      await cache.get('inv:2', load, { ttlMs: 60_000 });
      version = 2;
      expect(await cache.get('inv:1', load, { ttlMs: 60_000 })).toEqual({ version: 1 });
      await cache.invalidate('inv:1', 'inv:2');
      await cache.invalidate();
      expect(await cache.get('inv:1', load, { ttlMs: 60_000 })).toEqual({ version: 2 });
      expect(await cache.get('inv:2', load, { ttlMs: 60_000 })).toEqual({ version: 2 });
      expect(calls).toBe(4);
    });

    it('invalidate also forgets a cached absence', async () => {
      const cache = new Cache(kv);
      let row: string | undefined = undefined;
      await cache.get('late', async () => row, { ttlMs: 60_000 });
      row = 'created';
      expect(await cache.get('late', async () => row, { ttlMs: 60_000 })).toBeUndefined();
      await cache.invalidate('late');
      expect(await cache.get('late', async () => row, { ttlMs: 60_000 })).toBe('created');
    });
  });
}
