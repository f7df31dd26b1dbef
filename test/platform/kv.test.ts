import { describe, it, expect, beforeEach, afterAll } from 'vitest';
import {
  MemoryKeyValueStore,
  RedisKeyValueStore,
  createKeyValueStore,
  type KeyValueStore,
} from '../../src/platform/kv/index.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { pause, until } from '../helpers/wait.js';

const redisUp = await serviceAvailable('redis');

const adapters: { name: string; skip: boolean; create: (prefix: string) => KeyValueStore }[] = [
  { name: 'memory', skip: false, create: (prefix) => new MemoryKeyValueStore({ prefix }) },
  { name: 'redis', skip: !redisUp, create: (prefix) => new RedisKeyValueStore({ url: serviceUrls.redis, prefix }) },
];

const WRONGTYPE = /WRONGTYPE/;

for (const adapter of adapters) {
  describe.skipIf(adapter.skip)(`KeyValueStore contract: ${adapter.name}`, () => {
    const prefix = `test:kv:${uniqueSuffix()}:`;
    const kv = adapter.create(prefix);

    beforeEach(async () => {
      await kv.flush();
    });

    afterAll(async () => {
      await kv.flush();
      await kv.close();
    });

    it('reports its kind and answers ping', async () => {
      expect(kv.kind).toBe(adapter.name);
      await expect(kv.ping()).resolves.toBeUndefined();
    });

    describe('strings', () => {
      it('gets, sets and overwrites', async () => {
        expect(await kv.get('a')).toBeNull();
        expect(await kv.set('a', '1')).toBe(true);
        expect(await kv.get('a')).toBe('1');
        expect(await kv.set('a', '2')).toBe(true);
        expect(await kv.get('a')).toBe('2');
      });

      it('getMany keeps order and reads missing and non-string keys as null', async () => {
        await kv.set('a', '1');
        await kv.set('c', '3');
        await kv.hset('h', { f: 'v' });
        expect(await kv.getMany(['c', 'missing', 'a', 'h'])).toEqual(['3', null, '1', null]);
        expect(await kv.getMany([])).toEqual([]);
      });

      it('onlyIfAbsent writes only a missing key', async () => {
        expect(await kv.set('a', 'first', { onlyIfAbsent: true })).toBe(true);
        expect(await kv.set('a', 'second', { onlyIfAbsent: true })).toBe(false);
        expect(await kv.get('a')).toBe('first');
        await kv.hset('h', { f: 'v' });
        expect(await kv.set('h', 'x', { onlyIfAbsent: true })).toBe(false);
      });

      it('onlyIfAbsent has exactly one winner among 50 concurrent writers', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => kv.set('lock', `owner-${i}`, { onlyIfAbsent: true, ttlMs: 10_000 })),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await kv.get('lock')).toBe(`owner-${winners[0]}`);
      });

      it('set replaces a key of any type', async () => {
        await kv.zadd('z', [{ member: 'm', score: 1 }]);
        await kv.set('z', 'now a string');
        expect(await kv.get('z')).toBe('now a string');
      });

      it('del counts only the keys that existed, of any type', async () => {
        await kv.set('a', '1');
        await kv.hset('h', { f: 'v' });
        expect(await kv.del('a', 'h', 'missing', 'a')).toBe(2);
        expect(await kv.get('a')).toBeNull();
        expect(await kv.hgetall('h')).toEqual({});
        expect(await kv.del()).toBe(0);
      });

      it('take returns the value once (GETDEL)', async () => {
        await kv.set('code', '123456');
        expect(await kv.take('code')).toBe('123456');
        expect(await kv.take('code')).toBeNull();
        expect(await kv.get('code')).toBeNull();
      });

      it('take is won by exactly one of many concurrent callers', async () => {
        await kv.set('code', 'once');
        const results = await Promise.all(Array.from({ length: 20 }, () => kv.take('code')));
        expect(results.filter((value) => value === 'once')).toHaveLength(1);
      });
    });

    describe('evictable values (cache copies)', () => {
      it('read, expire, count and delete like any string', async () => {
        expect(await kv.set('copy', 'v', { ttlMs: 60_000, evictable: true })).toBe(true);
        expect(await kv.get('copy')).toBe('v');
        expect(await kv.getMany(['copy', 'none'])).toEqual(['v', null]);
        expect(await kv.ttl('copy')).toBeGreaterThan(0);
        expect(await kv.set('copy', 'w', { onlyIfAbsent: true, evictable: true })).toBe(false);
        expect(await kv.expire('copy', 120_000)).toBe(true);
        expect(await kv.ttl('copy')).toBeGreaterThan(60_000);
        expect(await kv.del('copy', 'none')).toBe(1);
        expect(await kv.get('copy')).toBeNull();
        await kv.set('copy', 'x', { evictable: true });
        expect(await kv.take('copy')).toBe('x');
        expect(await kv.take('copy')).toBeNull();
      });

      it('a key written as state afterwards is state, and the other way round', async () => {
        await kv.set('k', 'copy', { evictable: true });
        await kv.set('k', 'state');
        expect(await kv.get('k')).toBe('state');
        expect(await kv.incr('k2', 5)).toBe(5);
        await kv.set('k2', 'copy', { evictable: true });
        expect(await kv.get('k2')).toBe('copy');
        await expect(kv.hset('k2', { f: 1 })).rejects.toThrow(WRONGTYPE);
        expect(await kv.del('k', 'k2')).toBe(2);
      });
    });

    describe('one-time secrets (verifyAndCount)', () => {
      const options = { counterKey: 'tries', maxMisses: 5 };

      it('matches once, then the secret and its counter are gone', async () => {
        await kv.set('code', '123456', { ttlMs: 60_000 });
        expect(await kv.verifyAndCount('code', '000000', options)).toBe('miss');
        expect(await kv.get('tries')).toBe('1');
        expect(await kv.verifyAndCount('code', '123456', options)).toBe('match');
        expect(await kv.get('code')).toBeNull();
        expect(await kv.get('tries')).toBeNull();
        expect(await kv.verifyAndCount('code', '123456', options)).toBe('absent');
      });

      it('voids the secret at the last allowed miss and counts nothing after', async () => {
        await kv.set('code', '123456', { ttlMs: 60_000 });
        for (let i = 0; i < 5; i++) expect(await kv.verifyAndCount('code', '000000', options)).toBe('miss');
        expect(await kv.get('code')).toBeNull();
        expect(await kv.verifyAndCount('code', '123456', options)).toBe('absent');
        expect(await kv.get('tries')).toBe('5');
      });

      it('the counter expires with the secret', async () => {
        await kv.set('code', '123456', { ttlMs: 60_000 });
        await kv.verifyAndCount('code', '000000', options);
        const ttl = await kv.ttl('tries');
        expect(ttl).toBeGreaterThan(50_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
      });

      it('compares at most maxMisses of 50 concurrent wrong guesses', async () => {
        await kv.set('code', '123456', { ttlMs: 60_000 });
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => kv.verifyAndCount('code', String(i).padStart(6, '0'), options)),
        );
        expect(results.filter((r) => r === 'miss')).toHaveLength(5);
        expect(results.filter((r) => r === 'absent')).toHaveLength(45);
        expect(await kv.get('tries')).toBe('5');
        expect(await kv.verifyAndCount('code', '123456', options)).toBe('absent');
      });

      it('has exactly one winner among concurrent right guesses', async () => {
        await kv.set('code', '123456', { ttlMs: 60_000 });
        const results = await Promise.all(
          Array.from({ length: 20 }, () => kv.verifyAndCount('code', '123456', options)),
        );
        expect(results.filter((r) => r === 'match')).toHaveLength(1);
      });
    });

    describe('counters', () => {
      it('incr treats a missing key as 0 and supports any integer step', async () => {
        expect(await kv.incr('n')).toBe(1);
        expect(await kv.incr('n', 5)).toBe(6);
        expect(await kv.incr('n', -10)).toBe(-4);
        expect(await kv.get('n')).toBe('-4');
        expect(await kv.incr('other', 0)).toBe(0);
      });

      it('incr is atomic under 200 concurrent calls', async () => {
        const results = await Promise.all(Array.from({ length: 200 }, () => kv.incr('hits')));
        expect(await kv.get('hits')).toBe('200');
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      });

      it('incr rejects values and steps that are not integers', async () => {
        await kv.set('s', 'abc');
        await expect(kv.incr('s')).rejects.toThrow(/not an integer/);
        await kv.set('f', '1.5');
        await expect(kv.incr('f')).rejects.toThrow(/not an integer/);
        await expect(kv.incr('n', 1.5)).rejects.toThrow(/not an integer/);
        expect(await kv.get('n')).toBeNull();
      });

      it('incr applies ttlMs only when it creates the key', async () => {
        expect(await kv.incr('window', 1, { ttlMs: 1000 })).toBe(1);
        const first = await kv.ttl('window');
        expect(first).toBeGreaterThan(0);
        expect(first).toBeLessThanOrEqual(1000);
        await kv.incr('window', 1, { ttlMs: 60_000 });
        expect(await kv.ttl('window')).toBeLessThanOrEqual(1000);

        await kv.set('plain', '5');
        await kv.incr('plain', 1, { ttlMs: 1000 });
        expect(await kv.ttl('plain')).toBe(-1);

        // Result equal to the step is not proof of creation: the key already held 0.
        await kv.set('zero', '0');
        expect(await kv.incr('zero', 5, { ttlMs: 1000 })).toBe(5);
        expect(await kv.ttl('zero')).toBe(-1);
      });

      it('incr keeps an existing TTL and the counter expires with it', async () => {
        await kv.incr('burst', 1, { ttlMs: 50 });
        await kv.incr('burst');
        expect(await kv.ttl('burst')).toBeGreaterThan(0);
        await until('the counter expired', async () => (await kv.get('burst')) === null);
        expect(await kv.incr('burst')).toBe(1);
      });
    });

    describe('expiry', () => {
      it('ttl is -2 for a missing key and -1 for a key without expiry', async () => {
        expect(await kv.ttl('missing')).toBe(-2);
        await kv.set('a', '1');
        expect(await kv.ttl('a')).toBe(-1);
      });

      it('set with ttlMs expires the key', async () => {
        await kv.set('a', '1', { ttlMs: 50 });
        const ttl = await kv.ttl('a');
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(50);
        await pause(80);
        expect(await kv.get('a')).toBeNull();
        expect(await kv.ttl('a')).toBe(-2);
        expect(await kv.getMany(['a'])).toEqual([null]);
        expect(await kv.take('a')).toBeNull();
        expect(await kv.del('a')).toBe(0);
        expect(await kv.set('a', '2', { onlyIfAbsent: true })).toBe(true);
      });

      it('a plain set clears an earlier TTL', async () => {
        await kv.set('a', '1', { ttlMs: 50 });
        await kv.set('a', '2');
        expect(await kv.ttl('a')).toBe(-1);
        await pause(80);
        expect(await kv.get('a')).toBe('2');
      });

      it('set rejects a non-positive ttlMs', async () => {
        await expect(kv.set('a', '1', { ttlMs: 0 })).rejects.toThrow(/invalid expire time/);
        expect(await kv.get('a')).toBeNull();
      });

      it('expire sets a TTL on existing keys of any type only', async () => {
        expect(await kv.expire('missing', 1000)).toBe(false);
        expect(await kv.ttl('missing')).toBe(-2);
        await kv.set('a', '1');
        await kv.hset('h', { f: 'v' });
        await kv.zadd('z', [{ member: 'm', score: 1 }]);
        await kv.lpushCapped('l', 'x', 10);
        for (const key of ['a', 'h', 'z', 'l']) expect(await kv.expire(key, 50)).toBe(true);
        expect(await kv.ttl('h')).toBeGreaterThan(0);
        await pause(80);
        expect(await kv.get('a')).toBeNull();
        expect(await kv.hgetall('h')).toEqual({});
        expect(await kv.zcard('z')).toBe(0);
        expect(await kv.lrange('l', 0, -1)).toEqual([]);
      });

      it('expire with a non-positive TTL deletes the key at once', async () => {
        await kv.set('a', '1');
        expect(await kv.expire('a', 0)).toBe(true);
        expect(await kv.ttl('a')).toBe(-2);
      });

      it('changing a collection keeps its TTL', async () => {
        await kv.hset('h', { a: 1 });
        await kv.expire('h', 10_000);
        await kv.hset('h', { b: 2 });
        await kv.hincr('h', 'a');
        expect(await kv.ttl('h')).toBeGreaterThan(0);
      });
    });

    describe('hashes', () => {
      it('sets, reads and stores numbers as strings', async () => {
        expect(await kv.hgetall('h')).toEqual({});
        expect(await kv.hget('h', 'f')).toBeNull();
        await kv.hset('h', { title: 'Hello', views: 3, ratio: 0.5 });
        await kv.hset('h', { views: 4 });
        expect(await kv.hget('h', 'title')).toBe('Hello');
        expect(await kv.hget('h', 'missing')).toBeNull();
        expect(await kv.hgetall('h')).toEqual({ title: 'Hello', views: '4', ratio: '0.5' });
      });

      it('hset with no fields writes nothing', async () => {
        await kv.hset('h', {});
        expect(await kv.ttl('h')).toBe(-2);
      });

      it('hincr creates missing fields and rejects non-integers', async () => {
        expect(await kv.hincr('h', 'likes')).toBe(1);
        expect(await kv.hincr('h', 'likes', 4)).toBe(5);
        expect(await kv.hincr('h', 'likes', -6)).toBe(-1);
        expect(await kv.hget('h', 'likes')).toBe('-1');
        await kv.hset('h', { title: 'x' });
        await expect(kv.hincr('h', 'title')).rejects.toThrow(/not an integer/);
      });

      it('hincr is atomic under concurrency', async () => {
        await Promise.all(Array.from({ length: 100 }, () => kv.hincr('h', 'n')));
        expect(await kv.hget('h', 'n')).toBe('100');
      });

      it('hdel counts removed fields and drops the key with its last field', async () => {
        await kv.hset('h', { a: 1, b: 2 });
        expect(await kv.hdel('h', 'a', 'missing')).toBe(1);
        expect(await kv.hdel('missing', 'a')).toBe(0);
        expect(await kv.hdel('h')).toBe(0);
        expect(await kv.hdel('h', 'b')).toBe(1);
        expect(await kv.ttl('h')).toBe(-2);
      });
    });

    describe('sorted sets', () => {
      const board = [
        { member: 'a', score: 1 },
        { member: 'b', score: 3 },
        { member: 'c', score: 2 },
        { member: 'd', score: 3 },
        { member: 'e', score: -1.5 },
      ];

      it('zadd counts only new members and updates scores', async () => {
        expect(await kv.zadd('z', board)).toBe(5);
        expect(
          await kv.zadd('z', [
            { member: 'a', score: 10 },
            { member: 'f', score: 0 },
          ]),
        ).toBe(1);
        expect(await kv.zscore('z', 'a')).toBe(10);
        expect(await kv.zcard('z')).toBe(6);
        expect(await kv.zadd('z', [])).toBe(0);
      });

      it('zrevrange orders by score descending, ties by member descending', async () => {
        await kv.zadd('z', board);
        expect(await kv.zrevrange('z', 0, -1)).toEqual([
          { member: 'd', score: 3 },
          { member: 'b', score: 3 },
          { member: 'c', score: 2 },
          { member: 'a', score: 1 },
          { member: 'e', score: -1.5 },
        ]);
      });

      it('zrevrange handles inclusive stops, negative indexes and out-of-range bounds', async () => {
        await kv.zadd('z', board);
        const members = async (start: number, stop: number) =>
          (await kv.zrevrange('z', start, stop)).map(({ member }) => member);
        expect(await members(0, 1)).toEqual(['d', 'b']);
        expect(await members(1, 2)).toEqual(['b', 'c']);
        expect(await members(-2, -1)).toEqual(['a', 'e']);
        expect(await members(-100, 0)).toEqual(['d']);
        expect(await members(3, 100)).toEqual(['a', 'e']);
        expect(await members(5, 10)).toEqual([]);
        expect(await members(2, 1)).toEqual([]);
        expect(await members(0, -100)).toEqual([]);
        expect(await kv.zrevrange('missing', 0, -1)).toEqual([]);
      });

      it('zincr creates and accumulates fractional scores', async () => {
        expect(await kv.zincr('z', 'm', 1.5)).toBe(1.5);
        expect(await kv.zincr('z', 'm', 2)).toBe(3.5);
        expect(await kv.zincr('z', 'm', -4)).toBe(-0.5);
        expect(await kv.zscore('z', 'm')).toBe(-0.5);
      });

      it('keeps infinite scores', async () => {
        await kv.zadd('z', [
          { member: 'top', score: Infinity },
          { member: 'bottom', score: -Infinity },
          { member: 'mid', score: 0 },
        ]);
        expect(await kv.zrevrange('z', 0, -1)).toEqual([
          { member: 'top', score: Infinity },
          { member: 'mid', score: 0 },
          { member: 'bottom', score: -Infinity },
        ]);
        expect(await kv.zscore('z', 'top')).toBe(Infinity);
      });

      it('zrem, zscore and zcard on present and missing members', async () => {
        await kv.zadd('z', board);
        expect(await kv.zrem('z', 'a', 'missing')).toBe(1);
        expect(await kv.zscore('z', 'a')).toBeNull();
        expect(await kv.zscore('missing', 'a')).toBeNull();
        expect(await kv.zcard('z')).toBe(4);
        expect(await kv.zcard('missing')).toBe(0);
        expect(await kv.zrem('z')).toBe(0);
        expect(await kv.zrem('z', 'b', 'c', 'd', 'e')).toBe(4);
        expect(await kv.ttl('z')).toBe(-2);
      });

      it('ztrim keeps only the highest-scored members', async () => {
        await kv.zadd('z', board);
        await kv.ztrim('z', 3);
        expect((await kv.zrevrange('z', 0, -1)).map(({ member }) => member)).toEqual(['d', 'b', 'c']);
        await kv.ztrim('z', 10);
        expect(await kv.zcard('z')).toBe(3);
        await kv.ztrim('z', 0);
        expect(await kv.ttl('z')).toBe(-2);
        await kv.ztrim('missing', 1);
      });
    });

    describe('capped lists', () => {
      it('pushes newest first, dedupes and caps', async () => {
        for (const value of ['a', 'b', 'c', 'b']) await kv.lpushCapped('l', value, 3);
        expect(await kv.lrange('l', 0, -1)).toEqual(['b', 'c', 'a']);
        await kv.lpushCapped('l', 'd', 3);
        expect(await kv.lrange('l', 0, -1)).toEqual(['d', 'b', 'c']);
        await kv.lpushCapped('l', 'd', 3);
        expect(await kv.lrange('l', 0, -1)).toEqual(['d', 'b', 'c']);
      });

      it('a smaller cap shrinks an existing list', async () => {
        for (const value of ['a', 'b', 'c', 'd']) await kv.lpushCapped('l', value, 10);
        await kv.lpushCapped('l', 'e', 2);
        expect(await kv.lrange('l', 0, -1)).toEqual(['e', 'd']);
      });

      it('stays consistent under concurrent pushes', async () => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => kv.lpushCapped('l', `v${i % 10}`, 5)));
        const items = await kv.lrange('l', 0, -1);
        expect(items).toHaveLength(5);
        expect(new Set(items).size).toBe(5);
      });

      it('lrange handles inclusive stops, negative indexes and out-of-range bounds', async () => {
        for (const value of ['e', 'd', 'c', 'b', 'a']) await kv.lpushCapped('l', value, 10);
        expect(await kv.lrange('l', 0, 1)).toEqual(['a', 'b']);
        expect(await kv.lrange('l', -2, -1)).toEqual(['d', 'e']);
        expect(await kv.lrange('l', 3, 100)).toEqual(['d', 'e']);
        expect(await kv.lrange('l', -100, 0)).toEqual(['a']);
        expect(await kv.lrange('l', 5, 10)).toEqual([]);
        expect(await kv.lrange('l', 3, 1)).toEqual([]);
        expect(await kv.lrange('missing', 0, -1)).toEqual([]);
      });
    });

    describe('wrong types', () => {
      it('string commands reject collections', async () => {
        await kv.hset('h', { f: 'v' });
        await expect(kv.get('h')).rejects.toThrow(WRONGTYPE);
        await expect(kv.take('h')).rejects.toThrow(WRONGTYPE);
        await expect(kv.incr('h')).rejects.toThrow(WRONGTYPE);
        expect(await kv.hget('h', 'f')).toBe('v');
      });

      it('collection commands reject other types and leave the key untouched', async () => {
        await kv.set('s', 'text');
        await expect(kv.hget('s', 'f')).rejects.toThrow(WRONGTYPE);
        await expect(kv.hgetall('s')).rejects.toThrow(WRONGTYPE);
        await expect(kv.hset('s', { f: 'v' })).rejects.toThrow(WRONGTYPE);
        await expect(kv.hincr('s', 'f')).rejects.toThrow(WRONGTYPE);
        await expect(kv.zadd('s', [{ member: 'm', score: 1 }])).rejects.toThrow(WRONGTYPE);
        await expect(kv.zincr('s', 'm', 1)).rejects.toThrow(WRONGTYPE);
        await expect(kv.zrevrange('s', 0, -1)).rejects.toThrow(WRONGTYPE);
        await expect(kv.zcard('s')).rejects.toThrow(WRONGTYPE);
        await expect(kv.ztrim('s', 1)).rejects.toThrow(WRONGTYPE);
        await expect(kv.lpushCapped('s', 'x', 5)).rejects.toThrow(WRONGTYPE);
        await expect(kv.lrange('s', 0, -1)).rejects.toThrow(WRONGTYPE);
        expect(await kv.get('s')).toBe('text');

        await kv.lpushCapped('l', 'x', 5);
        await expect(kv.zadd('l', [{ member: 'm', score: 1 }])).rejects.toThrow(WRONGTYPE);
        await expect(kv.hset('l', { f: 'v' })).rejects.toThrow(WRONGTYPE);
        expect(await kv.lrange('l', 0, -1)).toEqual(['x']);
      });
    });

    describe('prefixes', () => {
      it('isolates stores and flushes only its own keys', async () => {
        const other = adapter.create(`test:kv:${uniqueSuffix()}:`);
        try {
          await kv.set('shared', 'mine');
          await kv.hset('h', { f: 'v' });
          await other.set('shared', 'theirs');
          expect(await kv.get('shared')).toBe('mine');
          expect(await other.get('shared')).toBe('theirs');
          expect(await other.hgetall('h')).toEqual({});

          await kv.flush();
          expect(await kv.get('shared')).toBeNull();
          expect(await kv.hgetall('h')).toEqual({});
          expect(await other.get('shared')).toBe('theirs');
        } finally {
          await other.flush();
          await other.close();
        }
      });
    });
  });
}

describe('MemoryKeyValueStore byte budget', () => {
  it('drops the least recently used copies past maxEvictableBytes and never state', async () => {
    const kv = new MemoryKeyValueStore({ maxEvictableBytes: 64 * 1024 });
    await kv.set('code', '123456', { ttlMs: 60_000 });
    await kv.incr('counter', 3);
    const body = '文'.repeat(1_000); // ~2 KB each as counted (UTF-16): the budget holds about 30
    for (let i = 0; i < 200; i++) {
      await kv.set(`copy:${i}`, body, { ttlMs: 60_000, evictable: true });
    }
    const kept = (await kv.getMany(Array.from({ length: 200 }, (_, i) => `copy:${i}`))).filter(Boolean).length;
    expect(kept).toBeGreaterThan(20);
    expect(kept).toBeLessThan(40);
    expect(await kv.get('copy:199')).toBe(body);
    expect(await kv.get('code')).toBe('123456');
    expect(await kv.get('counter')).toBe('3');
    await kv.close();
  });

  it('counts a copy in the bytes V8 would give it, one a character when every character is Latin-1', async () => {
    const kv = new MemoryKeyValueStore({ maxEvictableBytes: 64 * 1024 });
    const body = 'x'.repeat(1_000); // ~1.2 KB each as counted: the budget holds about 50
    for (let i = 0; i < 200; i++) await kv.set(`copy:${i}`, body, { evictable: true });
    const kept = (await kv.getMany(Array.from({ length: 200 }, (_, i) => `copy:${i}`))).filter(Boolean).length;
    expect(kept).toBeGreaterThan(45);
    expect(kept).toBeLessThan(60);
    await kv.close();
  });

  it('gives a copy back exactly as written, whatever its characters', async () => {
    const kv = new MemoryKeyValueStore();
    const values = ['', 'plain ascii', 'café ÿ', '头条 · 前端 🚀', 'lone \ud800 surrogate', '{"n":1}'];
    for (const [i, value] of values.entries()) await kv.set(`copy:${i}`, value, { evictable: true, ttlMs: 60_000 });
    expect(await kv.getMany(values.map((_, i) => `copy:${i}`))).toEqual(values);
    // Counters on a copy work in place and keep its TTL, as INCRBY does.
    await kv.set('copy:n', '41', { evictable: true, ttlMs: 60_000 });
    expect(await kv.incr('copy:n')).toBe(42);
    expect(await kv.get('copy:n')).toBe('42');
    expect(await kv.ttl('copy:n')).toBeGreaterThan(0);
    await kv.close();
  });

  it('keeps a copy that is read often over ones written later', async () => {
    const kv = new MemoryKeyValueStore({ maxEvictableBytes: 64 * 1024 });
    const body = 'y'.repeat(1_000);
    await kv.set('hot', body, { evictable: true });
    for (let i = 0; i < 200; i++) {
      await kv.set(`cold:${i}`, body, { evictable: true });
      expect(await kv.get('hot')).toBe(body);
    }
    expect(await kv.get('cold:0')).toBeNull();
    await kv.close();
  });
});

describe('createKeyValueStore', () => {
  it('uses memory without a Redis URL', async () => {
    const kv = createKeyValueStore({ prefix: 'test:' });
    expect(kv).toBeInstanceOf(MemoryKeyValueStore);
    await kv.close();
  });

  it.skipIf(!redisUp)('uses Redis with a URL', async () => {
    const kv = createKeyValueStore({ redisUrl: serviceUrls.redis, prefix: `test:kv:${uniqueSuffix()}:` });
    expect(kv).toBeInstanceOf(RedisKeyValueStore);
    await kv.ping();
    await kv.close();
  });
});

describe.skipIf(!redisUp)('RedisKeyValueStore', () => {
  it('flushes literally when the prefix holds glob characters', async () => {
    const base = `test:kv:${uniqueSuffix()}`;
    const globby = new RedisKeyValueStore({ url: serviceUrls.redis, prefix: `${base}:[a]*:` });
    const lookalike = new RedisKeyValueStore({ client: globby.client, prefix: `${base}:a-lookalike:` });
    try {
      await globby.set('k', '1');
      await lookalike.set('k', '2');
      await globby.flush();
      expect(await globby.get('k')).toBeNull();
      expect(await lookalike.get('k')).toBe('2');
    } finally {
      await lookalike.flush();
      await lookalike.close();
      await globby.close();
    }
  });

  it('refuses to flush without a prefix', async () => {
    const kv = new RedisKeyValueStore({ url: serviceUrls.redis });
    await expect(kv.flush()).rejects.toThrow(/without a prefix/);
    await kv.close();
  });

  it('sends the calls of one event-loop turn together, each answered in order', async () => {
    const kv = new RedisKeyValueStore({ url: serviceUrls.redis, prefix: `test:kv:${uniqueSuffix()}:` });
    try {
      await kv.ping();
      await kv.set('a', '1');
      const calls = [kv.get('a'), kv.incr('n'), kv.getMany(['a', 'missing']), kv.hgetall('a').catch((e: Error) => e)];
      // Queued for one pipeline, not written one by one.
      expect(kv.client.autoPipelineQueueSize).toBe(calls.length);
      const [a, n, many, wrongType] = await Promise.all(calls);
      expect([a, n, many]).toEqual(['1', 1, ['1', null]]);
      // A command's own error stays its own: the others in the pipeline still answered.
      expect(String(wrongType)).toMatch(WRONGTYPE);
    } finally {
      await kv.flush();
      await kv.close();
    }
  });

  it('leaves a borrowed client open on close', async () => {
    const owner = new RedisKeyValueStore({ url: serviceUrls.redis, prefix: `test:kv:${uniqueSuffix()}:` });
    const borrower = new RedisKeyValueStore({ client: owner.client, prefix: owner.prefix });
    await borrower.close();
    await expect(owner.ping()).resolves.toBeUndefined();
    await owner.close();
  });
});
