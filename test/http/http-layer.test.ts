import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, okSchema } from '../../src/platform/http/envelope.js';
import { IdInput, IdOutput, toId } from '../../src/platform/http/ids.js';
import { clampPage, PageQuery } from '../../src/platform/http/paging.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';

let t: TestApp;
/** Production refuses the console SMS provider; any real vendor config will do for these tests. */
const REAL_SMS = {
  SMS_PROVIDER: 'aliyun',
  SMS_ALIYUN_ACCESS_KEY_ID: 'id',
  SMS_ALIYUN_ACCESS_KEY_SECRET: 'secret',
  SMS_ALIYUN_SIGN_NAME: 'Inkstone',
  SMS_ALIYUN_TEMPLATE_CODE: 'SMS_1',
};
const logged: Record<string, unknown>[] = [];

describe(`HTTP layer (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'error' }, (app) => {
      const r = app.withTypeProvider<TypeBoxTypeProvider>();
      r.get('/test/boom', async (request) => {
        request.userId = 42n;
        throw new Error('secret internal detail: password=hunter2');
      });
      r.post(
        '/test/echo',
        {
          schema: {
            body: Type.Object({ target: IdInput, name: Type.Optional(Type.String({ minLength: 1 })) }),
            response: { 201: okSchema(Type.Object({ target: IdOutput, name: Type.String() })) },
          },
        },
        async (request, reply) => {
          reply.code(201);
          return ok({ target: toId(request.body.target, 'target'), name: request.body.name ?? '(absent)' });
        },
      );
      r.get('/test/page', { schema: { querystring: Type.Object(PageQuery) } }, async (request) =>
        ok(clampPage(request.query)),
      );
      r.delete('/test/thing/:id', async (_request, reply) => reply.code(204).send());
    });
    // Capture what the error handler logs through pino's stream hook.
    const original = t.app.log.error.bind(t.app.log);
    (t.platform.logger as unknown as { error: unknown }).error = (obj: Record<string, unknown>, msg?: string) => {
      logged.push({ ...obj, msg });
      return original(obj, msg);
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers unknown routes with 404 in the envelope', async () => {
    const res = await t.app.inject({ url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ message: 'Not found.', code: 'not_found' });
  });

  it('answers a known path with a wrong method with 405 and Allow', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/app/v1_0/channels' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toContain('GET');
    expect(res.json().message).toBe('Method not allowed.');
    const param = await t.app.inject({ method: 'POST', url: '/app/v1_0/articles/123' });
    expect(param.statusCode).toBe(405);
  });

  it('masks a 500: short message and request id for the client, full context in the log', async () => {
    const res = await t.app.inject({ url: '/test/boom', headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      message: 'Internal server error.',
      code: 'internal_error',
      request_id: 'trace-abc-123',
    });
    expect(res.body).not.toContain('hunter2');
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    const entry = logged.find((e) => e.reqId === 'trace-abc-123');
    expect(entry).toMatchObject({ method: 'GET', url: '/test/boom', route: '/test/boom', userId: '42' });
    expect((entry?.err as Error).stack).toContain('secret internal detail');
  });

  it('generates a request id when none (or a malformed one) is sent', async () => {
    const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects malformed JSON with 400, a wrong content type with 415, a huge body with 413', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"target":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ message: 'Malformed JSON body.', code: 'malformed_body' });
    const type = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(type.statusCode).toBe(415);
    const big = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ target: 1, name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toBeTruthy();
  });

  it('refuses prototype poisoning', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"target":1,"__proto__":{"admin":true}}',
    });
    expect(res.statusCode).toBe(400);
  });

  it('names the field in validation errors', async () => {
    const missing = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ message: { target: 'is required' }, code: 'invalid_field' });
    const wrong = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { target: 'abc' } });
    expect(wrong.statusCode).toBe(400);
    expect(Object.keys(wrong.json().message)).toEqual(['target']);
  });

  it('accepts ids as numbers or digit strings and refuses inexact big numbers', async () => {
    const asNumber = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { target: 12345 } });
    expect(asNumber.statusCode).toBe(201);
    expect(asNumber.body).toContain('"target":12345');
    const asString = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { target: '1234567890123456789' },
    });
    expect(asString.body).toContain('"target":1234567890123456789,');
    const inexact = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"target":1234567890123456789}',
    });
    expect(inexact.statusCode).toBe(400);
    expect(Object.keys(inexact.json().message)).toEqual(['target']);
  });

  it('treats "" and null as absent', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { target: 7, name: '' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().data.name).toBe('(absent)');
    const nul = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { target: 7, name: null } });
    expect(nul.json().data.name).toBe('(absent)');
  });

  it('clamps paging instead of rejecting it', async () => {
    expect((await t.app.inject({ url: '/test/page?page=0&per_page=1000' })).json().data).toEqual({
      page: 1,
      perPage: 50,
      offset: 0,
    });
    expect((await t.app.inject({ url: '/test/page?page=3&per_page=2' })).json().data).toEqual({
      page: 3,
      perPage: 10,
      offset: 20,
    });
    expect((await t.app.inject({ url: '/test/page?page=&per_page=' })).json().data).toEqual({
      page: 1,
      perPage: 10,
      offset: 0,
    });
  });

  it('sends 204 with an empty body for a DELETE', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/test/thing/1' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('answers CORS preflight with the contract headers, cached for a day', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/app/v1_0/channels',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,trace',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://app.example');
    expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toEqual([
      'DELETE',
      'GET',
      'OPTIONS',
      'PATCH',
      'POST',
      'PUT',
    ]);
    for (const h of [
      'accept-encoding',
      'authorization',
      'content-type',
      'dnt',
      'origin',
      'user-agent',
      'x-csrftoken',
      'x-requested-with',
      'trace',
    ]) {
      expect(res.headers['access-control-allow-headers']).toContain(h);
    }
    expect(res.headers['access-control-max-age']).toBe('86400');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ message: 'OK', data: { status: 'alive' } });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(Object.values(ready.json().data.checks).every((v) => v === 'ok')).toBe(true);
  });

  it('serves OpenAPI 3 generated from the route schemas, and Swagger UI', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/app/v1_1/articles'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'channel_id',
      'timestamp',
      'with_top',
    ]);
    expect(doc.paths['/app/v1_0/articles/{article_id}']).toBeTruthy();
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });
});

describe('CORS in production', () => {
  it('allows only configured origins', async () => {
    const app = await buildTestApp({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40) + 'productionkey',
      CORS_ORIGINS: 'https://good.example',
      ...REAL_SMS,
    });
    try {
      const good = await app.app.inject({
        method: 'OPTIONS',
        url: '/app/v1_0/channels',
        headers: { origin: 'https://good.example', 'access-control-request-method': 'GET' },
      });
      expect(good.headers['access-control-allow-origin']).toBe('https://good.example');
      const evil = await app.app.inject({
        method: 'OPTIONS',
        url: '/app/v1_0/channels',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
