/**
 * A third-party app's access token on the real app and media platform APIs: each route open to
 * apps asks one scope (403 `insufficient_scope` naming it otherwise, with RFC 6750's challenge),
 * routes closed to apps refuse any app token (admin, payments, sign-in, profile edits), and the
 * token dies with the reader's revocation, the app's deletion or a ban, on every node.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { signInOn } from '../helpers/nodes.js';
import { newMobile } from '../helpers/web-client.js';
import {
  authorizeApi,
  authorizeCode,
  exchange,
  REDIRECT_URI,
  registerClient,
  type RegisteredClient,
} from './app-flow.js';
import { ROUTE_SCOPES } from '../../src/modules/oauth/oauth.route-scopes.js';
import { buildOauthApp, type OauthTestApp } from './helpers.js';

describe(`OAuth app tokens on the API (db=${testDb}, redis=${testRedis})`, () => {
  let t: OauthTestApp;
  let client: RegisteredClient;
  let reader: Awaited<ReturnType<typeof signInOn>>;
  let admin: Awaited<ReturnType<typeof signInOn>>;
  let articleId: bigint;
  let channelId: bigint;

  beforeAll(async () => {
    t = await buildOauthApp();
    client = await registerClient(t.origin);
    reader = await signInOn(t, newMobile());
    const author = await signInOn(t, newMobile());
    admin = await signInOn(t, newMobile());
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    channelId = (await newChannel(t.platform)).id;
    articleId = (await newArticle(t.platform, { user_id: author.id, channel_id: channelId })).id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const call = (method: string, url: string, token: string, body?: unknown) =>
    fetch(`${t.origin}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** A user action through the admin API, as staff take it (effective at once on every node). */
  async function staffAction(action: 'ban' | 'unban' | 'verify') {
    const res = await call('POST', `/admin/v1_0/users/${reader.id}/actions`, admin.token, { action, reason: 'test' });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
  }

  async function expectScopeRefusal(res: Response, scope: string | null) {
    expect(res.status).toBe(403);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('insufficient_scope');
    if (scope) {
      expect(body.message).toContain(scope);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${scope}"`);
    } else {
      expect(body.message).toBe('Third-party app tokens cannot be used here.');
    }
  }

  it('names only routes that exist (a typo would close a route silently)', () => {
    for (const route of ROUTE_SCOPES.keys()) {
      const [method, url] = route.split(' ') as [string, string];
      expect(t.app.hasRoute({ method: method as 'GET', url }), route).toBe(true);
    }
  });

  it('reads within articles:read and is refused, naming the scope, beyond it', async () => {
    const { access_token: token, scope } = await authorizeApi(t.origin, client, reader.refresh_token, 'articles:read');
    expect(scope).toBe('articles:read');

    const feed = await call(
      'GET',
      `/app/v1_1/articles?channel_id=${channelId}&timestamp=${Date.now()}&with_top=1`,
      token,
    );
    expect(feed.status, await feed.clone().text()).toBe(200);
    const detail = await call('GET', `/app/v1_0/articles/${articleId}`, token);
    expect(detail.status).toBe(200);

    await expectScopeRefusal(
      await call('POST', '/app/v1_0/article/likings', token, { target: String(articleId) }),
      'interactions:write',
    );
    await expectScopeRefusal(
      await call('POST', '/app/v1_0/comments', token, { target: String(articleId), content: '好文' }),
      'comments:write',
    );
    await expectScopeRefusal(await call('GET', '/mp/v1_0/articles', token), 'articles:write');
    // Nothing was written by the refused calls.
    const written = await t.platform.db
      .selectFrom('attitudes')
      .select('user_id')
      .where('user_id', '=', reader.id)
      .execute();
    expect(written).toEqual([]);
    expect(await t.platform.db.selectFrom('comments').select('id').where('user_id', '=', reader.id).execute()).toEqual(
      [],
    );
  });

  it('refuses app tokens on routes closed to apps: admin, payments, sign-in, profile, sessions', async () => {
    // Even a reader who is an admin cannot lend an app the console's powers.
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', reader.id).execute();
    try {
      const all = 'articles:read interactions:write comments:write articles:write';
      const { access_token: token } = await authorizeApi(t.origin, client, reader.refresh_token, all);
      for (const [method, url, body] of [
        ['GET', '/admin/v1_0/audit'],
        ['GET', '/admin/v1_0/articles'],
        ['POST', '/app/v1_0/orders', { article_id: String(articleId) }],
        ['GET', '/app/v1_0/user/profile'],
        ['PATCH', '/app/v1_0/user/profile', { name: 'app-renamed' }],
        ['GET', '/app/v1_0/user/sessions'],
        ['PUT', '/app/v1_0/user/password', { old_password: 'x', new_password: 'y' }],
        ['DELETE', '/app/v1_0/authorizations'],
        ['GET', '/mp/v1_0/earnings'],
      ] as const)
        await expectScopeRefusal(await call(method, url, token, body), null);
      const me = await t.platform.db.selectFrom('users').select('name').where('id', '=', reader.id).executeTakeFirst();
      expect(me?.name).not.toBe('app-renamed');
    } finally {
      await t.platform.db.updateTable('users').set({ role: 'user' }).where('id', '=', reader.id).execute();
    }
  });

  it('likes, collects, follows and comments as the reader within the granted scopes', async () => {
    const { access_token: token } = await authorizeApi(
      t.origin,
      client,
      reader.refresh_token,
      'articles:read interactions:write comments:write',
    );
    expect((await call('POST', '/app/v1_0/article/likings', token, { target: String(articleId) })).status).toBe(201);
    expect((await call('POST', '/app/v1_0/article/collections', token, { target: String(articleId) })).status).toBe(
      201,
    );
    const comment = await call('POST', '/app/v1_0/comments', token, {
      target: String(articleId),
      content: '来自应用的评论',
    });
    expect(comment.status).toBe(201);

    // The reader's own session sees what the app did in their name.
    const seen = await t.app.inject({
      url: `/app/v1_0/articles/${articleId}`,
      headers: { authorization: `Bearer ${reader.token}` },
    });
    expect(seen.json().data).toMatchObject({ attitude: 1, is_collected: true });
    const comments = await t.platform.db
      .selectFrom('comments')
      .select(['user_id', 'content'])
      .where('article_id', '=', articleId)
      .execute();
    expect(comments).toEqual([{ user_id: reader.id, content: '来自应用的评论' }]);
  });

  it('opens the media platform to articles:write only for a verified author', async () => {
    const { access_token: token } = await authorizeApi(t.origin, client, reader.refresh_token, 'articles:write');
    const unverified = await call('GET', '/mp/v1_0/articles', token);
    expect(unverified.status).toBe(403);
    expect(((await unverified.json()) as { code: string }).code).toBe('verification_required');
    await staffAction('verify');
    expect((await call('GET', '/mp/v1_0/articles', token)).status).toBe(200);
  });

  it('dies with a ban (and lives again after unban), with the app, and is refused when malformed or not an API token', async () => {
    const other = await registerClient(t.origin, { client_name: '将被删除的应用' });
    const { access_token: token } = await authorizeApi(t.origin, other, reader.refresh_token, 'articles:read');
    const detail = `/app/v1_0/articles/${articleId}`;
    expect((await call('GET', detail, token)).status).toBe(200);
    await staffAction('ban');
    const banned = await call('GET', detail, token);
    expect(banned.status).toBe(403);
    expect(((await banned.json()) as { code: string }).code).toBe('account_disabled');
    await staffAction('unban');
    expect((await call('GET', detail, token)).status).toBe(200);
    // The ban signed the reader out of the site: sign in again for the next authorizations.
    reader = await signInOn(t, reader.mobile);

    await t.services.oauth.repository.deleteClient(other.client_id);
    const gone = await call('GET', detail, token);
    expect(gone.status).toBe(401);

    const { access_token: again, refresh_token } = await authorizeApi(
      t.origin,
      client,
      reader.refresh_token,
      'articles:read offline_access',
    );
    expect((await call('GET', detail, again)).status).toBe(200);
    // A refresh (rotated: a public client) brings a new API token within the same scopes.
    const refreshed = await exchange(t.origin, {
      grant_type: 'refresh_token',
      refresh_token: refresh_token!,
      client_id: client.client_id,
      resource: `${t.origin}/api`,
    });
    expect(refreshed.scope).toBe('articles:read');
    expect(refreshed.refresh_token).not.toBe(refresh_token);
    expect((await call('GET', detail, refreshed.access_token)).status).toBe(200);
    await expectScopeRefusal(
      await call('POST', '/app/v1_0/comments', refreshed.access_token, { target: String(articleId), content: 'x' }),
      'comments:write',
    );
    expect((await call('GET', detail, 'notatokenatall')).status).toBe(401);
    // An access token with the OpenID scopes only (for userinfo) is not an API token.
    await expect(
      exchange(t.origin, { grant_type: 'client_credentials', client_id: client.client_id }),
    ).rejects.toMatchObject({ error: expect.any(String) });
  });

  it('refuses a code without its PKCE verifier, at another redirect URI, or older than 10 minutes', async () => {
    const codeForm = (code: string, extra: Record<string, string>) => ({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: client.client_id,
      ...extra,
    });
    const one = await authorizeCode(t.origin, client, reader.refresh_token, 'articles:read');
    await expect(exchange(t.origin, codeForm(one.code, { resource: one.resource }))).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // A code is bound to the redirect URI it was issued for (RFC 6749 §4.1.3).
    const moved = await authorizeCode(t.origin, client, reader.refresh_token, 'articles:read');
    await expect(
      exchange(t.origin, {
        ...codeForm(moved.code, { code_verifier: moved.verifier, resource: moved.resource }),
        redirect_uri: 'http://127.0.0.1:9/other',
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    const two = await authorizeCode(t.origin, client, reader.refresh_token, 'articles:read');
    // The provider reads the time from Date: ten minutes and a second later, the code is dead.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
    await expect(
      exchange(t.origin, codeForm(two.code, { code_verifier: two.verifier, resource: two.resource })),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    vi.useRealTimers();

    // The same steps inside the ten minutes succeed (what failed above was the age alone).
    const three = await authorizeCode(t.origin, client, reader.refresh_token, 'articles:read');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 590_000 });
    const tokens = await exchange(
      t.origin,
      codeForm(three.code, { code_verifier: three.verifier, resource: three.resource }),
    );
    expect(tokens.scope).toBe('articles:read');
  });
});
