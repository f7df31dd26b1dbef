import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { registerHttpLayer } from '../../src/platform/http/http-layer.js';
import { AppError } from '../../src/platform/http/errors.js';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from '../../src/platform/kv/index.js';
import {
  assertAllowed,
  parseRule,
  RateLimiter,
  registerRateLimits,
  type RateLimitOptions,
} from '../../src/platform/rate-limit/index.js';
import { compiled } from '../helpers/server-entry.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';

const redisUp = await serviceAvailable('redis');

const adapters: { name: string; skip: boolean; create: (prefix: string) => KeyValueStore }[] = [
  { name: 'memory', skip: false, create: (prefix) => new MemoryKeyValueStore({ prefix }) },
  { name: 'redis', skip: !redisUp, create: (prefix) => new RedisKeyValueStore({ url: serviceUrls.redis, prefix }) },
];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Midnight UTC: the start of a bucket for every window length used here. */
const BASE = Date.UTC(2030, 0, 1);

describe('parseRule', () => {
  it('parses single windows in every unit form', () => {
    expect(parseRule('1/minute')).toEqual([{ limit: 1, windowMs: MINUTE, label: '1/minute' }]);
    const forms: [string, number][] = [
      ['5/second', SECOND],
      ['5/seconds', SECOND],
      ['5/s', SECOND],
      ['5/minute', MINUTE],
      ['5/minutes', MINUTE],
      ['5/m', MINUTE],
      ['5/hour', HOUR],
      ['5/hours', HOUR],
      ['5/h', HOUR],
      ['5/day', DAY],
      ['5/days', DAY],
      ['5/d', DAY],
      ['5/DAY', DAY],
    ];
    for (const [text, windowMs] of forms)
      expect(parseRule(text), text).toEqual([expect.objectContaining({ limit: 5, windowMs })]);
  });

  it('parses multipliers, with or without a space', () => {
    expect(parseRule('500/7days')).toEqual([{ limit: 500, windowMs: 7 * DAY, label: '500/7days' }]);
    expect(parseRule('3/5 minutes')).toEqual([{ limit: 3, windowMs: 5 * MINUTE, label: '3/5minutes' }]);
    expect(parseRule(' 10 / 30s ')).toEqual([{ limit: 10, windowMs: 30 * SECOND, label: '10/30seconds' }]);
    expect(parseRule('2/1h')[0]!.label).toBe('2/hour');
  });

  it('parses several windows separated by ; or ,', () => {
    expect(parseRule('10/hour;100/day').map((w) => [w.limit, w.windowMs])).toEqual([
      [10, HOUR],
      [100, DAY],
    ]);
    expect(parseRule('100/day, 500/7days').map((w) => [w.limit, w.windowMs])).toEqual([
      [100, DAY],
      [500, 7 * DAY],
    ]);
    expect(parseRule('2/second ; 3/minute,4/hour')).toHaveLength(3);
  });

  it('rejects anything else, naming the bad part', () => {
    expect(() => parseRule('10/fortnight')).toThrow(/"10\/fortnight"/);
    expect(() => parseRule('10/hour;5/fortnight')).toThrow(/"5\/fortnight"/);
    expect(() => parseRule('')).toThrow(/empty/);
    expect(() => parseRule('10/hour;')).toThrow(/empty window/);
    expect(() => parseRule('ten/hour')).toThrow(/"ten\/hour"/);
    expect(() => parseRule('10 per hour')).toThrow(/"10 per hour"/);
    expect(() => parseRule('-1/hour')).toThrow(/-1\/hour/);
    expect(() => parseRule('1.5/hour')).toThrow(/1\.5\/hour/);
    expect(() => parseRule('0/hour')).toThrow(/at least 1/);
    expect(() => parseRule('1/0minutes')).toThrow(/at least 1 minute/);
    expect(() => parseRule('10/hour;20/60minutes')).toThrow(/same period/);
  });
});

for (const adapter of adapters) {
  describe.skipIf(adapter.skip)(`RateLimiter on ${adapter.name}`, () => {
    const kv = adapter.create(`test:rl:${uniqueSuffix()}:`);
    let clock = BASE;
    const limiter = new RateLimiter(kv, { now: () => clock });

    beforeEach(async () => {
      clock = BASE;
      await kv.flush();
    });
    afterAll(async () => {
      await kv.flush();
      await kv.close();
    });

    const hits = async (n: number, scope: string, key: string, rule: string) => {
      const decisions = [];
      for (let i = 0; i < n; i++) decisions.push(await limiter.hit(scope, key, parseRule(rule)));
      return decisions;
    };

    it('allows exactly the limit, counting down, then rejects', async () => {
      const d = await hits(4, 's', 'k', '3/minute');
      expect(d.map((x) => [x.allowed, x.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      expect(d[3]).toMatchObject({ limit: 3 });
      // 3/minute counts in 5 sub-buckets of 12 s: the hits fade out 60–72 s after their sub-bucket began.
      expect(d[0]).toMatchObject({ limit: 3, retryAfterMs: 0, resetMs: MINUTE + MINUTE / 5 });
    });

    it('slides: half a window later, half of the previous window still counts', async () => {
      await hits(10, 's', 'k', '10/minute');
      clock = BASE + MINUTE + MINUTE / 2;
      expect(await limiter.peek('s', 'k', parseRule('10/minute'))).toMatchObject({ allowed: true, remaining: 5 });
      const d = await hits(6, 's', 'k', '10/minute');
      expect(d.map((x) => x.allowed)).toEqual([true, true, true, true, true, false]);
      // A quarter later, the previous bucket weighs 25%: 2.5 + 5 leaves 2.
      clock = BASE + MINUTE + (3 * MINUTE) / 4;
      expect((await limiter.peek('s', 'k', parseRule('10/minute'))).remaining).toBe(2);
      // Two windows later nothing is left of either bucket.
      clock = BASE + 3 * MINUTE;
      expect((await limiter.peek('s', 'k', parseRule('10/minute'))).remaining).toBe(10);
    });

    it('applies every window: 2/second;3/minute blocks after 3 even when seconds pass', async () => {
      const rule = '2/second;3/minute';
      const [a, b, c] = await hits(3, 's', 'k', rule);
      expect([a!.allowed, b!.allowed]).toEqual([true, true]);
      // The second window blocks, and it is the one reported.
      // 2/second has 5 sub-buckets of 200 ms: the two hits have faded to one at 1 s + 100 ms.
      expect(c).toMatchObject({ allowed: false, limit: 2, retryAfterMs: 1100 });
      clock += c!.retryAfterMs;
      expect(await limiter.hit('s', 'k', parseRule(rule))).toMatchObject({ allowed: true, limit: 3, remaining: 0 });
      clock = BASE + 5 * SECOND;
      const blocked = await limiter.hit('s', 'k', parseRule(rule));
      // 3 in the current 12 s sub-bucket: allowed again once it has faded to 2, a third into its last 12 s.
      expect(blocked).toMatchObject({ allowed: false, limit: 3, retryAfterMs: MINUTE + MINUTE / 5 / 3 - 5 * SECOND });
    });

    it('computes retryAfter to the millisecond', async () => {
      for (const [rule, n, start] of [
        ['1/minute', 1, BASE],
        ['5/minute', 5, BASE + 17_345],
        ['3/hour;5/day', 5, BASE + 59 * MINUTE],
      ] as const) {
        await kv.flush();
        clock = start;
        for (let i = 0; i < n; i++) {
          await limiter.hit('s', 'k', parseRule(rule));
          clock += 1234;
        }
        const rejected = await limiter.hit('s', 'k', parseRule(rule));
        expect(rejected.allowed, rule).toBe(false);
        expect(rejected.retryAfterMs).toBeGreaterThan(0);
        const at = clock + rejected.retryAfterMs;
        clock = at - 1;
        expect((await limiter.hit('s', 'k', parseRule(rule))).allowed, rule).toBe(false);
        clock = at;
        expect((await limiter.hit('s', 'k', parseRule(rule))).allowed, rule).toBe(true);
      }
    });

    it('keeps the wait of a tiny limit close to its window: 1/minute never asks more than 66 s', async () => {
      const rule = parseRule('1/minute');
      for (const offset of [0, 5_999, 6_000, 11_999, 30_000, 59_999]) {
        await kv.flush();
        clock = BASE + offset;
        expect((await limiter.hit('s', 'k', rule)).allowed).toBe(true);
        clock += 1;
        const blocked = await limiter.hit('s', 'k', rule);
        expect(blocked.allowed).toBe(false);
        // Allowed once the hit is a full minute old, give or take one 6 s sub-bucket.
        expect(blocked.retryAfterMs + 1, `hit at +${offset} ms`).toBeGreaterThanOrEqual(MINUTE);
        expect(blocked.retryAfterMs + 1, `hit at +${offset} ms`).toBeLessThanOrEqual(MINUTE + 6 * SECOND);
        clock += blocked.retryAfterMs;
        expect((await limiter.hit('s', 'k', rule)).allowed).toBe(true);
      }
    });

    it('does not count rejected hits, so retrying does not extend the block', async () => {
      const rule = parseRule('2/minute');
      await limiter.hit('s', 'k', rule);
      await limiter.hit('s', 'k', rule);
      const first = await limiter.hit('s', 'k', rule);
      const unblockAt = clock + first.retryAfterMs;
      for (let i = 0; i < 50; i++) {
        clock += 1000;
        const d = await limiter.hit('s', 'k', rule);
        expect(d.allowed).toBe(false);
        expect(clock + d.retryAfterMs).toBe(unblockAt);
      }
      clock = unblockAt;
      expect((await limiter.hit('s', 'k', rule)).allowed).toBe(true);
    });

    it('never lets concurrent hits overshoot the limit', async () => {
      const rule = parseRule('5/minute');
      const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.hit('s', 'k', rule)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      // The rejected ones were rolled back: the count is exactly the limit.
      expect(await limiter.peek('s', 'k', rule)).toMatchObject({ allowed: false, remaining: 0 });
    });

    it('keeps keys and scopes independent, and resets one key', async () => {
      const rule = parseRule('1/minute');
      expect((await limiter.hit('login', 'alice', rule)).allowed).toBe(true);
      expect((await limiter.hit('login', 'alice', rule)).allowed).toBe(false);
      expect((await limiter.hit('login', 'bob', rule)).allowed).toBe(true);
      expect((await limiter.hit('sms', 'alice', rule)).allowed).toBe(true);
      await limiter.reset('login', 'alice', rule);
      expect((await limiter.hit('login', 'alice', rule)).allowed).toBe(true);
      expect((await limiter.hit('login', 'bob', rule)).allowed).toBe(false);
    });

    it('charges a cost, and refuses costs that can never fit', async () => {
      const rule = parseRule('10/minute');
      expect(await limiter.hit('s', 'k', rule, 7)).toMatchObject({ allowed: true, remaining: 3 });
      expect(await limiter.hit('s', 'k', rule, 4)).toMatchObject({ allowed: false, remaining: 3 });
      expect(await limiter.hit('s', 'k', rule, 3)).toMatchObject({ allowed: true, remaining: 0 });
      await expect(limiter.hit('s', 'k', rule, 11)).rejects.toThrow(/never fit/);
      await expect(limiter.hit('s', 'k', rule, 0)).rejects.toThrow(/positive integer/);
      await expect(limiter.hit('s', 'k', [])).rejects.toThrow(/at least one window/);
    });

    it('stores counters under rl:<scope>:<windowMs>:<bucketStart>:<key>, hashing long keys', async () => {
      const rule = parseRule('3/minute');
      await limiter.hit('s', 'short', rule);
      expect(await kv.get(`rl:s:${MINUTE}:${BASE}:short`)).toBe('1');
      const long = 'x'.repeat(150);
      await limiter.hit('s', long, rule);
      await limiter.hit('s', long, rule);
      expect(await kv.get(`rl:s:${MINUTE}:${BASE}:${long}`)).toBeNull();
      const hashed = createHash('sha1').update(long).digest('hex');
      expect(await kv.get(`rl:s:${MINUTE}:${BASE}:sha1:${hashed}`)).toBe('2');
      expect((await limiter.peek('s', long, rule)).remaining).toBe(1);
      expect((await limiter.peek('s', `${long}y`, rule)).remaining).toBe(3);
      expect(await kv.ttl(`rl:s:${MINUTE}:${BASE}:short`)).toBeGreaterThan(MINUTE);
    });
  });
}

describe('assertAllowed', () => {
  it('throws the 429 with Retry-After and RateLimit headers only for a rejection', () => {
    expect(() =>
      assertAllowed({ allowed: true, limit: 5, remaining: 4, resetMs: 1000, retryAfterMs: 0 }),
    ).not.toThrow();
    let error: unknown;
    try {
      assertAllowed(
        { allowed: false, limit: 5, remaining: 0, resetMs: 61_500, retryAfterMs: 1200 },
        'Too many attempts.',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      statusCode: 429,
      body: 'Too many attempts.',
      headers: { 'retry-after': '2', 'ratelimit-limit': '5', 'ratelimit-remaining': '0', 'ratelimit-reset': '62' },
    });
  });
});

const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: os.tmpdir() });

/** A bare app with the real error envelope and the rate-limit plugin, then the test's routes. */
async function limitedApp(
  options: RateLimitOptions & { trustProxy?: boolean },
  routes: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy: options.trustProxy ?? false });
  await registerHttpLayer(app, config);
  registerRateLimits(app, options);
  routes(app);
  await app.ready();
  return app;
}

const ok = async () => ({ message: 'OK' });

describe('rate limits on routes', () => {
  const kv = new MemoryKeyValueStore();
  let clock = BASE;
  const now = () => clock;
  const apps: FastifyInstance[] = [];
  const build = async (
    options: Partial<RateLimitOptions> & { trustProxy?: boolean },
    routes: (app: FastifyInstance) => void,
  ) => {
    const app = await limitedApp({ kv, now, ...options }, routes);
    apps.push(app);
    return app;
  };

  beforeEach(async () => {
    clock = BASE;
    await kv.flush();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  const routes = (app: FastifyInstance) => {
    app.get('/test/limited', { config: { rateLimit: { rule: '2/minute', key: 'ip' } } }, ok);
    app.post(
      '/test/codes',
      {
        config: {
          rateLimit: [
            {
              rule: '1/minute',
              key: (request) => (request.body as { mobile?: string } | undefined)?.mobile,
              message: 'Wait before asking again.',
            },
            { rule: '5/minute', key: 'ip' },
          ],
        },
      },
      ok,
    );
    app.get(
      '/test/me',
      {
        // Stands in for authentication, which sets request.userId before the limit runs.
        preHandler: async (request) => {
          const user = request.headers['x-user'];
          if (typeof user === 'string') request.userId = BigInt(user);
        },
        config: { rateLimit: { rule: '1/minute', key: 'user' } },
      },
      ok,
    );
    app.get('/test/open', ok);
    app.get('/test/other', ok);
    app.get('/test/free', { config: { rateLimit: false } }, ok);
  };

  it('answers the request over the limit with 429, Retry-After and RateLimit headers', async () => {
    const app = await build({}, routes);
    const first = await app.inject({ url: '/test/limited', remoteAddress: '10.0.0.1' });
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'ratelimit-limit': '2',
      'ratelimit-remaining': '1',
      'ratelimit-reset': '72',
    });
    expect((await app.inject({ url: '/test/limited', remoteAddress: '10.0.0.1' })).headers['ratelimit-remaining']).toBe(
      '0',
    );
    const third = await app.inject({ url: '/test/limited', remoteAddress: '10.0.0.1' });
    expect(third.statusCode).toBe(429);
    expect(third.json()).toEqual({ message: 'Too many requests.', code: 'rate_limited' });
    expect(third.headers).toMatchObject({
      'retry-after': '66',
      'ratelimit-limit': '2',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '72',
    });
    expect(third.headers['x-request-id']).toBeTruthy();
    expect((await app.inject({ url: '/test/limited', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
    clock += 66 * SECOND;
    expect((await app.inject({ url: '/test/limited', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For unless trustProxy is on', async () => {
    const direct = await build({}, routes);
    const statuses = [];
    for (const forwarded of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      const res = await direct.inject({
        url: '/test/limited',
        remoteAddress: '10.0.0.3',
        headers: { 'x-forwarded-for': forwarded },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);

    await kv.flush();
    const proxied = await build({ trustProxy: true }, routes);
    const viaProxy = (client: string) =>
      proxied.inject({ url: '/test/limited', remoteAddress: '10.0.0.3', headers: { 'x-forwarded-for': client } });
    expect([
      (await viaProxy('1.1.1.1')).statusCode,
      (await viaProxy('1.1.1.1')).statusCode,
      (await viaProxy('1.1.1.1')).statusCode,
    ]).toEqual([200, 200, 429]);
    expect((await viaProxy('2.2.2.2')).statusCode).toBe(200);
  });

  it('limits by a body field, skipping the limit when the field is absent', async () => {
    const app = await build({}, routes);
    const send = (payload: object, ip = '10.0.0.4') =>
      app.inject({ method: 'POST', url: '/test/codes', payload, remoteAddress: ip });
    expect((await send({ mobile: '13800000001' })).statusCode).toBe(200);
    const again = await send({ mobile: '13800000001' }, '10.0.0.5');
    expect(again.statusCode).toBe(429);
    expect(again.json()).toEqual({ message: 'Wait before asking again.', code: 'rate_limited' });
    const other = await send({ mobile: '13800000002' });
    expect(other.statusCode).toBe(200);
    // Both limits count; the headers show the tighter one (the mobile's, with none left).
    expect(other.headers).toMatchObject({ 'ratelimit-limit': '1', 'ratelimit-remaining': '0' });
    expect((await send({})).statusCode).toBe(200);
    // The IP limit (5/minute) still applies: the 6th request from 10.0.0.4 is refused.
    expect((await send({ mobile: '13800000003' })).statusCode).toBe(200);
    expect((await send({ mobile: '13800000004' })).statusCode).toBe(200);
    const ipBlocked = await send({ mobile: '13800000005' });
    expect(ipBlocked.statusCode).toBe(429);
    expect(ipBlocked.json()).toEqual({ message: 'Too many requests.', code: 'rate_limited' });
  });

  it('limits by user, skipping anonymous requests', async () => {
    const app = await build({}, routes);
    const as = (user?: string) => app.inject({ url: '/test/me', headers: user ? { 'x-user': user } : {} });
    expect((await as('42')).statusCode).toBe(200);
    expect((await as('42')).statusCode).toBe(429);
    expect((await as('43')).statusCode).toBe(200);
    expect((await as()).statusCode).toBe(200);
    expect((await as()).statusCode).toBe(200);
  });

  it('applies the default rule by IP to routes without their own, one budget for all of them', async () => {
    const app = await build({ defaultRule: '3/minute' }, routes);
    const get = (url: string) => app.inject({ url, remoteAddress: '10.0.0.6' });
    expect((await get('/test/open')).headers['ratelimit-limit']).toBe('3');
    expect((await get('/test/other')).statusCode).toBe(200);
    expect((await get('/test/open')).statusCode).toBe(200);
    expect((await get('/test/other')).statusCode).toBe(429);
    for (let i = 0; i < 5; i++) expect((await get('/test/free')).statusCode).toBe(200);
    expect((await get('/test/free')).headers['ratelimit-limit']).toBeUndefined();
    // A route's own rule replaces the default.
    expect((await get('/test/limited')).headers['ratelimit-limit']).toBe('2');
  });

  it('fails at boot on a bad rule', async () => {
    const attempt = async (register: (app: FastifyInstance) => void, options: Partial<RateLimitOptions> = {}) => {
      const app = Fastify();
      try {
        registerRateLimits(app, { kv, ...options });
        register(app);
        await app.ready();
      } finally {
        await app.close();
      }
    };
    await expect(
      attempt((app) => app.get('/x', { config: { rateLimit: { rule: '10/fortnight', key: 'ip' } } }, ok)),
    ).rejects.toThrow(/GET \/x: .*"10\/fortnight"/);
    await expect(attempt(() => {}, { defaultRule: '600/minit' })).rejects.toThrow(/600\/minit/);
  });
});

describe.skipIf(!redisUp)('rate limits shared through Redis', () => {
  const prefix = `test:rl-shared:${uniqueSuffix()}:`;
  const stores: KeyValueStore[] = [];
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await stores[0]?.flush();
    await Promise.all(stores.map((kv) => kv.close()));
  });

  const instance = async () => {
    // Each instance has its own connection, as separate processes would.
    const kv = new RedisKeyValueStore({ url: serviceUrls.redis, prefix });
    stores.push(kv);
    const app = await limitedApp({ kv }, (app) => {
      app.get('/test/shared', { config: { rateLimit: { rule: '3/hour', key: 'ip', scope: 'shared' } } }, ok);
    });
    apps.push(app);
    return app;
  };

  it('holds one limit across two instances', async () => {
    const [a, b] = [await instance(), await instance()];
    const get = (app: FastifyInstance) => app.inject({ url: '/test/shared', remoteAddress: '10.1.0.1' });
    expect((await get(a)).statusCode).toBe(200);
    expect((await get(b)).statusCode).toBe(200);
    expect((await get(a)).statusCode).toBe(200);
    expect((await get(b)).statusCode).toBe(429);
    expect((await get(a)).statusCode).toBe(429);
  });

  it('holds one limit across two processes', async () => {
    const src = (file: string) => pathToFileURL(compiled(`src/platform/${file}`)).href;
    // The child counts 2 requests against the same Redis, then the parent finds 1 left of 3.
    const child = `
      import Fastify from 'fastify';
      import { RedisKeyValueStore } from '${src('kv/index.js')}';
      import { registerRateLimits } from '${src('rate-limit/index.js')}';
      const kv = new RedisKeyValueStore({ url: process.env.RL_REDIS, prefix: process.env.RL_PREFIX });
      const app = Fastify();
      registerRateLimits(app, { kv });
      app.get('/test/shared', { config: { rateLimit: { rule: '3/hour', key: 'ip', scope: 'process' } } }, async () => 'ok');
      const codes = [];
      for (let i = 0; i < 2; i++) codes.push((await app.inject({ url: '/test/shared', remoteAddress: '10.1.0.2' })).statusCode);
      console.log(JSON.stringify(codes));
      await app.close();
      await kv.close();
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child], {
      env: { ...process.env, RL_REDIS: serviceUrls.redis, RL_PREFIX: prefix },
      timeout: 20_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual([200, 200]);

    const kv = new RedisKeyValueStore({ url: serviceUrls.redis, prefix });
    stores.push(kv);
    const limiter = new RateLimiter(kv);
    expect(await limiter.hit('process', '10.1.0.2', parseRule('3/hour'))).toMatchObject({
      allowed: true,
      remaining: 0,
    });
    expect((await limiter.hit('process', '10.1.0.2', parseRule('3/hour'))).allowed).toBe(false);
  });
});
