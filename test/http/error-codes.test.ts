/**
 * Stable error codes: every error body is `{"message": …, "code": …}`, the code from the catalogue
 * (src/platform/http/error-codes.ts) with the status the catalogue gives it. Each code is provoked
 * through the real routes of the real app, Fastify's own errors (validation, unknown route, wrong
 * method, body too large, bad JSON) included; the codes that need a broken dependency or a
 * feature's setup are checked in the suites named in ELSEWHERE. The OpenAPI document must list the
 * whole catalogue.
 */
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/platform/http/error-codes.js';
import { buildTestApp, manualClock, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { bearer, randomIp } from '../helpers/http.js';
import { signInOn, uniqueMobile } from '../helpers/nodes.js';
import { account } from '../mp/helpers.js';

/** Codes whose cases live in suites that already set up what they need. */
const ELSEWHERE: Partial<Record<ErrorCode, string>> = {
  service_unavailable: 'test/outage/database-outage.test.ts (the database server killed)',
  storage_failed: 'test/http/users.test.ts (the storage failing under the profile service)',
  version_conflict: 'test/mp/moderation.test.ts (a decision about an edited article)',
  gone: 'test/web/reader-site.test.ts (a deleted article’s page)',
  insufficient_scope: 'test/oauth/app-tokens.test.ts (a third-party app’s token beyond its scopes)',
};

const json = { 'content-type': 'application/json' };
const mobile = () => uniqueMobile('137');

describe(`error codes (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  const clock = manualClock();
  let user: Awaited<ReturnType<typeof signInOn>>;
  let author: Awaited<ReturnType<typeof account>>;
  let otherAuthor: Awaited<ReturnType<typeof account>>;
  let admin: Awaited<ReturnType<typeof account>>;
  let commentId: string;
  let closedArticle: bigint;
  let takenName: string;

  beforeAll(async () => {
    t = await buildTestApp({ BODY_LIMIT: '4096', LOG_LEVEL: 'silent', PAYMENTS_PROVIDER: 'off' }, undefined, { clock });
    user = await signInOn(t, mobile());
    author = await account(t, 'mp');
    otherAuthor = await account(t, 'mp');
    admin = await account(t, 'app', { role: 'admin' });
    const channel = await newChannel(t.platform);
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const commented = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comments',
      headers: bearer(user.token),
      payload: { target: String(article.id), content: 'first' },
    });
    expect(commented.statusCode, commented.body).toBe(201);
    commentId = String(parseBody(commented.body).data.com_id);
    takenName = (await newUser(t.platform, { name: `n${Date.now() % 1e6}` })).name;
    closedArticle = (await newArticle(t.platform, { user_id: author.id, channel_id: channel.id })).id;
    await t.platform.db.updateTable('articles').set({ allow_comment: 0 }).where('id', '=', closedArticle).execute();
  });
  afterAll(async () => {
    await t?.close();
  });

  const me = (token?: string) => t.app.inject({ url: '/app/v1_0/user', headers: token ? bearer(token) : {} });
  const signIn = (payload: unknown, headers: Record<string, string> = json) =>
    t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      remoteAddress: randomIp(),
      headers,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  // [code, the exact message (the contract's text, unchanged), how to provoke it]
  const cases: [ErrorCode, unknown, () => Promise<Response>][] = [
    ['bad_request', 'Invalid announcement.', () => t.app.inject({ url: '/app/v1_0/announcements/987654321' })],
    ['invalid_field', { mobile: expect.any(String) }, () => signIn({ mobile: '12', code: '246810' })],
    ['malformed_body', 'Malformed JSON body.', () => signIn('{"mobile":')],
    ['invalid_sms_code', 'Invalid code.', () => signIn({ mobile: mobile(), code: '000000' })],
    ['unauthorized', 'User must be authorized.', () => me()],
    [
      'token_expired',
      'User must be authorized.',
      async () => {
        const fresh = await signInOn(t, mobile());
        clock.advance(3 * 3600_000);
        try {
          return await me(fresh.token);
        } finally {
          clock.advance(-3 * 3600_000);
        }
      },
    ],
    [
      'session_revoked',
      'User must be authorized.',
      async () => {
        const fresh = await signInOn(t, mobile());
        const out = await t.app.inject({
          method: 'DELETE',
          url: '/app/v1_0/authorizations',
          headers: bearer(fresh.token),
        });
        expect(out.statusCode).toBe(204);
        return me(fresh.token);
      },
    ],
    ['wrong_token_type', 'Do not use refresh token.', () => me(user.refresh_token)],
    [
      'invalid_refresh_token',
      'Wrong refresh token.',
      () => t.app.inject({ method: 'PUT', url: '/app/v1_0/authorizations', headers: bearer(user.token) }),
    ],
    [
      'account_disabled',
      'User denied.',
      async () => {
        const banned = await signInOn(t, mobile());
        await t.platform.db.updateTable('users').set({ status: 0 }).where('id', '=', banned.id).execute();
        await t.services.auth.sessions.userChanged(banned.id);
        return me(banned.token);
      },
    ],
    [
      'verification_required',
      'User must be real info verified.',
      () => t.app.inject({ url: '/mp/v1_0/user/profile', headers: bearer(user.token) }),
    ],
    [
      'forbidden',
      'Invalid or expired link.',
      () => t.app.inject({ url: '/media-private/private/id-cards/x.jpg?exp=1&sig=forged' }),
    ],
    [
      'role_required',
      'Moderator only.',
      () => t.app.inject({ url: '/admin/v1_0/articles', headers: bearer(user.token) }),
    ],
    [
      'not_owner',
      'User does not have permission.',
      () =>
        t.app.inject({
          method: 'PUT',
          url: `/mp/v1_0/comments/${commentId}/sticky`,
          headers: bearer(otherAuthor.token),
          payload: { sticky: true },
        }),
    ],
    [
      'comments_closed',
      'Article denied comment.',
      () =>
        t.app.inject({
          method: 'POST',
          url: '/app/v1_0/comments',
          headers: bearer(user.token),
          payload: { target: String(closedArticle), content: 'hello' },
        }),
    ],
    ['not_found', 'Not found.', () => t.app.inject({ url: '/app/v1_0/no-such-route' })],
    ['method_not_allowed', 'Method not allowed.', () => t.app.inject({ method: 'DELETE', url: '/app/v1_0/channels' })],
    [
      'conflict',
      'User name has existed.',
      () =>
        t.app.inject({
          method: 'PATCH',
          url: '/app/v1_0/user/profile',
          headers: bearer(user.token),
          payload: { name: takenName },
        }),
    ],
    [
      'payload_too_large',
      'Request body is too large.',
      () => signIn({ mobile: mobile(), code: '246810', padding: 'x'.repeat(8192) }),
    ],
    [
      'unsupported_media_type',
      'Unsupported content type.',
      () => signIn('<a/>', { 'content-type': 'application/xml' }),
    ],
    [
      'rate_limited',
      'Too many requests.',
      async () => {
        const url = `/app/v1_0/sms/codes/${mobile()}`;
        expect((await t.app.inject({ url })).statusCode).toBe(200);
        return t.app.inject({ url });
      },
    ],
    [
      'invalid_credentials',
      'Invalid username or password.',
      () =>
        t.app.inject({
          method: 'POST',
          url: '/app/v1_0/authorizations/password',
          remoteAddress: randomIp(),
          payload: { login: 'nobody_here', password: 'not-the-password' },
        }),
    ],
    [
      'payments_unavailable',
      'Payments are not available.',
      () =>
        t.app.inject({
          method: 'POST',
          url: '/admin/v1_0/orders/1/refunds',
          headers: bearer(admin.token),
          payload: {},
        }),
    ],
  ];

  it.each(cases)('%s', async (code, message, provoke) => {
    const res = await provoke();
    expect(res.statusCode, res.body).toBe(ERROR_CODES[code].status);
    expect(res.json()).toEqual({ message, code });
  });

  it('masks an unexpected failure as internal_error with the request id', async () => {
    // A real failure past the HTTP layer: the table a route reads is gone (asked last: it stays gone).
    await t.platform.db.schema.dropTable('announcements').execute();
    const res = await t.app.inject({ url: '/app/v1_0/announcements', headers: { 'x-request-id': 'codes-500' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ message: 'Internal server error.', code: 'internal_error', request_id: 'codes-500' });
  });

  it('covers every code of the catalogue here or in a named suite', () => {
    const here = new Set<string>([...cases.map(([code]) => code), 'internal_error', ...Object.keys(ELSEWHERE)]);
    expect([...here].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('lists the catalogue in the OpenAPI document, and error responses refer to it', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const schema = doc.components.schemas.ErrorCode;
    expect(schema.enum).toEqual(Object.keys(ERROR_CODES));
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(schema.description).toContain(`| \`${code}\` | ${entry.status} | ${entry.description} |`);
    }
    const errorResponses = Object.values(doc.paths as Record<string, Record<string, { responses: object }>>)
      .flatMap((methods) => Object.values(methods))
      .flatMap((operation) => Object.entries(operation.responses))
      .filter(([status]) => Number(status) >= 400)
      .map(([, response]) => (response as { content: Record<string, { schema: { properties: object } }> }).content);
    expect(errorResponses.length).toBeGreaterThan(50);
    for (const content of errorResponses) {
      expect(content['application/json']!.schema.properties).toMatchObject({
        code: { $ref: '#/components/schemas/ErrorCode' },
      });
    }
  });
});
