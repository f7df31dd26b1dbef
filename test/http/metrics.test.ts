/**
 * GET /metrics: Prometheus text from the app's own registry; request counters and durations by
 * route pattern; database statements counted by the Kysely plugin (exactly, per request); cache
 * results; who may read it.
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, registerMetrics, UNMATCHED_ROUTE } from '../../src/platform/metrics/index.js';
import { registerHttpLayer } from '../../src/platform/http/http-layer.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';

type Labels = Record<string, string>;

/** Every sample of a metric in a Prometheus text exposition. */
function samples(text: string, name: string): { labels: Labels; value: number }[] {
  const out: { labels: Labels; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Labels = {};
    for (const pair of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ labels, value: Number(match[4]) });
  }
  return out;
}

/** The sum of the samples whose labels include `want` (0 when none). */
function value(text: string, name: string, want: Labels = {}): number {
  return samples(text, name)
    .filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({}, (app) => {
    // Exactly three statements: a select, a select with a subquery (still one), an update.
    app.get('/test/three-queries', async () => {
      const db = t.platform.db;
      await db.selectFrom('channels').select('id').limit(1).execute();
      await db
        .selectFrom('users')
        .select('id')
        .where('id', 'in', db.selectFrom('articles').select('user_id').where('id', '=', -1n))
        .execute();
      await db.updateTable('channels').set({ updated_at: 1 }).where('id', '=', -1n).execute();
      return { ok: true };
    });
  });
});

afterAll(async () => {
  await t?.close();
});

const scrape = async () => {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
};

describe('GET /metrics', () => {
  it('serves Prometheus text with the app metrics and the process metrics', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    for (const name of [
      'inkstone_http_requests_total',
      'inkstone_http_request_duration_seconds',
      'inkstone_db_queries_total',
      'inkstone_cache_requests_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(res.body, name).toContain(`# TYPE ${name} `);
    }
    expect(res.body).toContain('# TYPE inkstone_http_request_duration_seconds histogram');
  });

  it('is not in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });

  it('counts requests by method, route pattern and status, and times them', async () => {
    const before = await scrape();
    const route = { method: 'GET', route: '/app/v1_0/channels' };
    for (let i = 0; i < 3; i++)
      expect((await t.app.inject({ method: 'GET', url: '/app/v1_0/channels' })).statusCode).toBe(200);
    await t.app.inject({ method: 'GET', url: '/app/v1_0/articles/987654321' });
    await t.app.inject({ method: 'GET', url: '/no/such/page?x=1' });
    const after = await scrape();

    const counted = (text: string, labels: Labels) => value(text, 'inkstone_http_requests_total', labels);
    expect(counted(after, { ...route, status: '200' }) - counted(before, { ...route, status: '200' })).toBe(3);
    const detail = { method: 'GET', route: '/app/v1_0/articles/:article_id', status: '404' };
    expect(counted(after, detail) - counted(before, detail)).toBe(1);
    const unmatched = { method: 'GET', route: UNMATCHED_ROUTE, status: '404' };
    expect(counted(after, unmatched) - counted(before, unmatched)).toBe(1);
    // The previous scrape itself is counted too.
    expect(counted(after, { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);

    const timed = (text: string) => value(text, 'inkstone_http_request_duration_seconds_count', route);
    expect(timed(after) - timed(before)).toBe(3);
    expect(value(after, 'inkstone_http_request_duration_seconds_sum', route)).toBeGreaterThan(0);
    const buckets = samples(after, 'inkstone_http_request_duration_seconds_bucket').filter(
      (s) => s.labels.route === route.route,
    );
    expect(buckets.find((s) => s.labels.le === '+Inf')?.value).toBe(timed(after));

    // Labels carry route patterns only, never a raw URL.
    const routes = new Set(samples(after, 'inkstone_http_requests_total').map((s) => s.labels.route));
    for (const r of routes) {
      expect(r).not.toContain('987654321');
      expect(r).not.toContain('?');
      expect(r).not.toContain('/no/such');
    }
  });

  it('counts every executed statement exactly, a subquery included in its query', async () => {
    const before = t.platform.metrics.dbQueries();
    const text = await scrape();
    expect((await t.app.inject({ method: 'GET', url: '/test/three-queries' })).statusCode).toBe(200);
    expect(t.platform.metrics.dbQueries() - before).toBe(3);
    const after = await scrape();
    const op = (s: string, operation: string) => value(s, 'inkstone_db_queries_total', { operation });
    expect(op(after, 'select') - op(text, 'select')).toBe(2);
    expect(op(after, 'update') - op(text, 'update')).toBe(1);
    expect(value(after, 'inkstone_db_queries_total')).toBe(t.platform.metrics.dbQueries());
  });

  it('counts raw SQL and transactions, not compiled-only or failing statements', async () => {
    const db = t.platform.db;
    const before = t.platform.metrics.dbQueries();
    await sql`SELECT 1 AS one`.execute(db);
    expect(t.platform.metrics.dbQueries() - before).toBe(1);
    db.selectFrom('users').select('id').compile();
    expect(t.platform.metrics.dbQueries() - before).toBe(1);
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom('users').select('id').limit(1).execute();
      await trx.selectFrom('channels').select('id').limit(1).execute();
    });
    expect(t.platform.metrics.dbQueries() - before).toBe(3);
    await expect(sql`SELECT * FROM no_such_table`.execute(db)).rejects.toThrow();
    expect(t.platform.metrics.dbQueries() - before).toBe(3);
  });

  it('article detail: a cold cache costs exactly the loader statements more than a warm one', async () => {
    const user = await newUser(t.platform);
    const channel = await newChannel(t.platform);
    const [one, two] = [
      await newArticle(t.platform, { user_id: user.id, channel_id: channel.id }),
      await newArticle(t.platform, { user_id: user.id, channel_id: channel.id }),
    ];
    const cost = async (id: bigint) => {
      const before = t.platform.metrics.dbQueries();
      const res = await t.app.inject({ method: 'GET', url: `/app/v1_0/articles/${id}` });
      expect(res.statusCode).toBe(200);
      await t.platform.events.settle();
      return t.platform.metrics.dbQueries() - before;
    };
    const metricsBefore = await scrape();
    const cold = await cost(one.id);
    const warm = await cost(one.id);
    // The detail loader: the article with its author and content, then the channel's related pool.
    expect(cold - warm).toBe(2);
    // Another article of the same channel picks from the pool already loaded.
    expect(await cost(two.id)).toBe(warm + 1);
    expect(await cost(two.id)).toBe(warm);

    // An unknown id: one statement, then the cached absence answers.
    const missing = async () => {
      const before = t.platform.metrics.dbQueries();
      expect((await t.app.inject({ method: 'GET', url: '/app/v1_0/articles/123123123' })).statusCode).toBe(404);
      return t.platform.metrics.dbQueries() - before;
    };
    expect(await missing()).toBe(1);
    expect(await missing()).toBe(0);

    const metricsAfter = await scrape();
    const cache = (s: string, result: string) => value(s, 'inkstone_cache_requests_total', { result });
    // Three loads at least (two cold details, one unknown id). Warm reads may be answered by a
    // layer in front of the shared cache, so hits are asserted in the Cache suite instead.
    expect(cache(metricsAfter, 'miss') - cache(metricsBefore, 'miss')).toBeGreaterThanOrEqual(3);
  });
});

describe('who may read /metrics', () => {
  async function bare(access: Parameters<typeof registerMetrics>[2], trustProxy = false) {
    const app = Fastify({ trustProxy });
    const metrics = createMetrics({ defaultMetrics: false });
    await registerHttpLayer(app, t.config);
    registerMetrics(app, metrics, access);
    await app.ready();
    return app;
  }

  it('without a token: loopback clients in development and test', async () => {
    for (const env of ['development', 'test'] as const) {
      const app = await bare({ env });
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.8' })).statusCode).toBe(404);
      // A reverse proxy on this host makes every client look local: forwarded requests are refused.
      const proxied = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(proxied.statusCode).toBe(404);
      expect(
        (await app.inject({ method: 'GET', url: '/metrics', headers: { forwarded: 'for=203.0.113.9' } })).statusCode,
      ).toBe(404);
      await app.close();
    }
  });

  it('without a token: nobody in production', async () => {
    const app = await bare({ env: 'production' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ message: 'Not found.', code: 'not_found' });
    await app.close();
  });

  it('with a token: exactly that Bearer token, from anywhere, in every environment', async () => {
    for (const env of ['production', 'development'] as const) {
      const app = await bare({ env, metricsToken: 's3cret-metrics-token' });
      const as = (authorization?: string, remoteAddress = '198.51.100.7') =>
        app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers: authorization ? { authorization } : {} });
      expect((await as('Bearer s3cret-metrics-token')).statusCode).toBe(200);
      expect((await as('bearer s3cret-metrics-token')).statusCode).toBe(200);
      const denied = await as('Bearer wrong');
      expect(denied.statusCode).toBe(401);
      expect(denied.headers['www-authenticate']).toMatch(/^Bearer/);
      expect((await as('Bearer s3cret-metrics-token-and-more')).statusCode).toBe(401);
      expect((await as('Basic czNjcmV0')).statusCode).toBe(401);
      expect((await as()).statusCode).toBe(401);
      // Loopback is no substitute for the token once one is configured.
      expect((await as(undefined, '127.0.0.1')).statusCode).toBe(401);
      await app.close();
    }
  });
});
