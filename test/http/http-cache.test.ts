/**
 * HTTP caching through the real app: weak ETags and 304s (If-None-Match, If-Modified-Since),
 * Cache-Control from route metadata and the presence of a token, Vary merged with CORS', and
 * nothing of the sort on writes or on other statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const LAST_MODIFIED = Date.UTC(2024, 0, 15, 12, 0, 0);
const httpDate = (ms: number) => new Date(ms).toUTCString();

let t: TestApp;
let counter = 0;

beforeAll(async () => {
  t = await buildTestApp({}, (app) => {
    app.get('/test/cached', { config: { auth: 'public', cache: { maxAge: 60 } } }, async (_request, reply) => {
      reply.header('last-modified', httpDate(LAST_MODIFIED));
      return { message: 'OK', data: { hello: 'world' } };
    });
    app.get('/test/changing', { config: { auth: 'public', cache: { maxAge: 60 } } }, async () => ({ n: ++counter }));
    app.get('/test/vary', { config: { auth: 'public' } }, async (_request, reply) => {
      reply.header('vary', 'Accept-Language, authorization');
      return { ok: true };
    });
    app.get('/test/created', { config: { auth: 'public' } }, async (_request, reply) =>
      reply.code(201).send({ ok: true }),
    );
    app.post('/test/cached', { config: { auth: 'public' } }, async () => ({ ok: true }));
  });
});

afterAll(async () => {
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('ETag and If-None-Match', () => {
  it('a GET 200 carries a weak ETag that is stable for the same body', async () => {
    const first = await get('/app/v1_0/channels');
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    const second = await get('/app/v1_0/channels');
    expect(second.headers.etag).toBe(first.headers.etag);
  });

  it('a different body has a different ETag', async () => {
    const one = await get('/test/changing');
    const two = await get('/test/changing');
    expect(one.headers.etag).not.toBe(two.headers.etag);
    const stale = await get('/test/changing', { 'if-none-match': String(one.headers.etag) });
    expect(stale.statusCode).toBe(200);
  });

  it.each([
    ['the exact ETag', (etag: string) => etag],
    ['the ETag without W/ (weak comparison)', (etag: string) => etag.replace(/^W\//, '')],
    ['a list containing it', (etag: string) => `"nope", W/"other" ,${etag} , "x"`],
    ['*', () => '*'],
  ])('If-None-Match with %s answers 304 with an empty body', async (_name, header) => {
    const fresh = await get('/app/v1_0/channels');
    const etag = String(fresh.headers.etag);
    const res = await get('/app/v1_0/channels', { 'if-none-match': header(etag) });
    expect(res.statusCode).toBe(304);
    expect(res.body).toBe('');
    expect(res.headers.etag).toBe(etag);
    expect(res.headers['content-type']).toBeUndefined();
    // RFC 9110 §8.6: a 304 carries no Content-Length unless it equals the 200's.
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Authorization/);
    expect(res.headers['cache-control']).toBe(fresh.headers['cache-control']);
  });

  it('If-None-Match that does not match answers 200 with the body', async () => {
    const res = await get('/app/v1_0/channels', { 'if-none-match': 'W/"something-else", "x"' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ message: 'OK' });
  });

  it('HEAD has the same ETag as GET and revalidates too', async () => {
    const etag = String((await get('/test/cached')).headers.etag);
    const head = await t.app.inject({ method: 'HEAD', url: '/test/cached' });
    expect(head.statusCode).toBe(200);
    expect(head.headers.etag).toBe(etag);
    const revalidated = await t.app.inject({ method: 'HEAD', url: '/test/cached', headers: { 'if-none-match': etag } });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    // Either no Content-Length or the 200's, never 0.
    expect(revalidated.headers['content-length']).toBe(head.headers['content-length']);
  });
});

describe('Last-Modified and If-Modified-Since', () => {
  it('answers 304 when the copy is as new as Last-Modified or newer', async () => {
    const fresh = await get('/test/cached');
    expect(fresh.headers['last-modified']).toBe(httpDate(LAST_MODIFIED));
    for (const since of [LAST_MODIFIED, LAST_MODIFIED + 1000, LAST_MODIFIED + 86_400_000]) {
      const res = await get('/test/cached', { 'if-modified-since': httpDate(since) });
      expect(res.statusCode, httpDate(since)).toBe(304);
      expect(res.body).toBe('');
      expect(res.headers['last-modified']).toBe(httpDate(LAST_MODIFIED));
    }
  });

  it('answers 200 when the copy is older, or the date is not a date', async () => {
    for (const since of [httpDate(LAST_MODIFIED - 1000), 'yesterday', '']) {
      const res = await get('/test/cached', since === '' ? {} : { 'if-modified-since': since });
      expect(res.statusCode, since).toBe(200);
      expect(res.json()).toEqual({ message: 'OK', data: { hello: 'world' } });
    }
  });

  it('If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3)', async () => {
    const res = await get('/test/cached', {
      'if-none-match': '"other"',
      'if-modified-since': httpDate(LAST_MODIFIED + 1000),
    });
    expect(res.statusCode).toBe(200);
  });

  it('a route without Last-Modified ignores If-Modified-Since', async () => {
    const res = await get('/app/v1_0/channels', { 'if-modified-since': httpDate(Date.now()) });
    expect(res.statusCode).toBe(200);
  });
});

describe('Cache-Control and Vary', () => {
  it('an anonymous request to a route with cache.maxAge is public, max-age', async () => {
    const res = await get('/test/cached');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
  });

  it('a request with Authorization is private, no-cache, on the same route', async () => {
    const res = await get('/test/cached', { authorization: 'Bearer some.token.here' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-cache');
  });

  it('a route without cache metadata is no-cache, with or without a token', async () => {
    expect((await get('/test/vary')).headers['cache-control']).toBe('no-cache');
    expect((await get('/test/vary', { authorization: 'Bearer x' })).headers['cache-control']).toBe('private, no-cache');
  });

  it('Vary names Authorization and keeps Origin from CORS', async () => {
    const res = await get('/app/v1_0/channels', { origin: 'http://example.com' });
    expect(res.headers['access-control-allow-origin']).toBeDefined();
    const vary = String(res.headers.vary)
      .split(',')
      .map((s) => s.trim().toLowerCase());
    expect(vary).toContain('origin');
    expect(vary).toContain('authorization');
    expect(new Set(vary).size).toBe(vary.length);
  });

  it('Vary does not repeat a field a route already named', async () => {
    const res = await get('/test/vary', { origin: 'http://example.com' });
    const vary = String(res.headers.vary)
      .split(',')
      .map((s) => s.trim().toLowerCase());
    expect(vary.filter((v) => v === 'authorization')).toHaveLength(1);
    expect(vary).toContain('accept-language');
  });
});

describe('what is not cached', () => {
  it('no ETag on POST', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/cached', payload: {} });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBeUndefined();
  });

  it('no ETag and no 304 on other statuses', async () => {
    const missing = await get('/app/v1_0/articles/123456789', { 'if-none-match': '*' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
    const created = await get('/test/created', { 'if-none-match': '*' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBeUndefined();
    const bad = await get('/app/v1_1/articles?channel_id=abc&timestamp=1&with_top=1');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers.etag).toBeUndefined();
  });

  it('the feed is ETagged like any other GET 200', async () => {
    const url = `/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1`;
    const feed = await get(url);
    expect(feed.statusCode).toBe(200);
    expect(feed.headers.etag).toMatch(/^W\//);
    const again = await get(url, { 'if-none-match': String(feed.headers.etag) });
    expect(again.statusCode).toBe(304);
  });
});
