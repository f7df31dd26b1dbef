/**
 * 我授权的应用 / My authorized apps (/me/apps) over HTTP: the grant index the Grant adapter writes
 * (oauth_grants), the reader's list of apps (name, developer, scopes in the consent page's words,
 * date), revoking an app (its API token refused at once, 200 before and 401 after), only the
 * reader's own grants listed and revocable (another's is a 404 and stays), CSRF, index rows whose
 * grant is gone from the store dropped, and English.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { WebClient } from '../helpers/web-client.js';
import { authorizeApi, exchange, registerClient, type RegisteredClient } from './app-flow.js';
import { buildOauthApp, type OauthTestApp } from './helpers.js';

interface Reader {
  browser: WebClient;
  id: bigint;
  /** The site session's refresh token (the cookie), for the authorization flow. */
  session: string;
}

describe(`authorized apps page (db=${testDb}, redis=${testRedis})`, () => {
  let t: OauthTestApp;
  let articleId: bigint;
  let reader: Reader;
  let other: Reader;
  let client: RegisteredClient;

  async function signedIn(): Promise<Reader> {
    const browser = new WebClient(t.app);
    const mobile = await browser.signIn();
    const { id } = await t.platform.db
      .selectFrom('users')
      .select('id')
      .where('mobile', '=', mobile)
      .executeTakeFirstOrThrow();
    return { browser, id, session: browser.cookies.get('inkstone_session')! };
  }

  const read = (token: string) =>
    fetch(`${t.origin}/app/v1_0/articles/${articleId}`, { headers: { authorization: `Bearer ${token}` } });

  const grantRows = (userId: bigint) =>
    t.platform.db.selectFrom('oauth_grants').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();

  beforeAll(async () => {
    t = await buildOauthApp();
    reader = await signedIn();
    other = await signedIn();
    const channel = await newChannel(t.platform);
    articleId = (await newArticle(t.platform, { user_id: other.id, channel_id: channel.id })).id;
    client = await registerClient(t.origin, {
      client_name: '第三方阅读器',
      logo_uri: 'https://reader.example/logo.png',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('is reached from /me and sends a signed-out visitor to sign in', async () => {
    const me = await reader.browser.get('/me');
    expect(me.body).toContain('href="/me/apps"');
    expect(me.body).toContain('我授权的应用');
    const anonymous = await new WebClient(t.app).get('/me/apps');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2Fme%2Fapps');
    const empty = await reader.browser.get('/me/apps');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('你还没有授权过任何应用。');
  });

  let tokens: Awaited<ReturnType<typeof authorizeApi>>;

  it('indexes each grant the reader gives, and lists the app once with its scopes in plain words', async () => {
    const at = Date.now();
    tokens = await authorizeApi(t.origin, client, reader.session, 'openid profile offline_access articles:read');
    // A second consent in another browser is a second grant to the same app.
    const second = await authorizeApi(t.origin, client, reader.session, 'articles:read interactions:write');
    expect((await read(tokens.access_token)).status).toBe(200);
    expect((await read(second.access_token)).status).toBe(200);

    const rows = await grantRows(reader.id);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.client_id)).toEqual([client.client_id, client.client_id]);
    expect(rows[0]!.scope.split(' ').sort()).toEqual(['articles:read', 'offline_access', 'openid', 'profile']);
    expect(rows[1]!.scope.split(' ').sort()).toEqual(['articles:read', 'interactions:write']);
    for (const row of rows) {
      expect(row.created_at).toBeGreaterThanOrEqual(at - 1000);
      // The provider's grant lifetime (30 days), as the kv copy's.
      expect(row.expires_at! - row.updated_at).toBe(30 * 24 * 3600 * 1000);
    }

    const page = await reader.browser.get('/me/apps');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    expect(page.body.match(/data-client-id=/g)).toHaveLength(1);
    expect(page.body).toContain('<h3>第三方阅读器</h3>');
    expect(page.body).toContain('src="https://reader.example/logo.png"');
    expect(page.body).toContain('开发者：自助注册的应用（未经审核）');
    for (const words of [
      '知道你是谁',
      '读取你的昵称和头像',
      '在你离开后继续保持授权',
      '读取文章',
      '以你的名义点赞、收藏和关注',
    ])
      expect(page.body).toContain(words);
    expect(page.body).toMatch(/授权于 \d{4}-\d{2}-\d{2}/);
    expect(page.body).toContain(`action="/me/apps/${client.client_id}/revoke"`);
    expect(page.body).toContain('aria-label="撤销授权：第三方阅读器"');

    // Another reader sees none of it.
    const theirs = await other.browser.get('/me/apps');
    expect(theirs.body).not.toContain(client.client_id);
    expect(theirs.body).toContain('你还没有授权过任何应用。');
  });

  it('names the developer of an app registered on the developer page', async () => {
    await other.browser.get('/me/developer/apps');
    const made = await other.browser.post('/me/developer/apps', {
      name: '开发者的应用',
      redirect_uris: 'http://127.0.0.1:9/cb',
      kind: 'public',
    });
    expect(made.statusCode).toBe(303);
    const clientId = /apps\/([^?]+)/.exec(made.headers.location as string)![1]!;
    const ownerName = (await t.services.users.profiles.me(other.id)).name;
    await authorizeApi(t.origin, { client_id: clientId }, reader.session, 'articles:read');
    const page = await reader.browser.get('/me/apps');
    expect(page.body).toContain('<h3>开发者的应用</h3>');
    expect(page.body).toContain(`开发者：${ownerName}`);
    // No logo: the first character stands in, hidden from screen readers.
    expect(page.body).toContain('<span class="oauth-logo" aria-hidden="true">开</span>');
    await reader.browser.get('/me/apps');
    expect((await reader.browser.post(`/me/apps/${clientId}/revoke`)).statusCode).toBe(303);
  });

  it("refuses a revocation without the CSRF token, and of another reader's app (404): their tokens live on", async () => {
    await reader.browser.get('/me/apps');
    expect((await reader.browser.post(`/me/apps/${client.client_id}/revoke`, {}, null)).statusCode).toBe(403);
    expect((await reader.browser.post(`/me/apps/${client.client_id}/revoke`, {}, 'forged')).statusCode).toBe(403);

    await other.browser.get('/me/apps');
    const foreign = await other.browser.post(`/me/apps/${client.client_id}/revoke`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers['content-type']).toContain('text/html');
    expect((await other.browser.post('/me/apps/no-such-app/revoke')).statusCode).toBe(404);

    expect((await read(tokens.access_token)).status).toBe(200);
    expect(await grantRows(reader.id)).toHaveLength(2);
  });

  it('revokes: every grant of the reader to the app and every token they minted stop working at once', async () => {
    await reader.browser.get('/me/apps');
    const revoked = await reader.browser.post(`/me/apps/${client.client_id}/revoke`);
    expect(revoked.statusCode).toBe(303);
    expect(revoked.headers.location).toBe('/me/apps?revoked=1');

    const refused = await read(tokens.access_token);
    expect(refused.status).toBe(401);
    await expect(
      exchange(t.origin, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: client.client_id,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await grantRows(reader.id)).toEqual([]);

    const page = await reader.browser.get('/me/apps?revoked=1');
    expect(page.body).toContain('已撤销授权，这个应用的令牌已全部失效。');
    expect(page.body).toContain('你还没有授权过任何应用。');
    // Nothing left to revoke: a second try is a 404.
    expect((await reader.browser.post(`/me/apps/${client.client_id}/revoke`)).statusCode).toBe(404);
  });

  it('drops an index row whose grant is gone from the store (expired, or a memory store restarted)', async () => {
    const fresh = await authorizeApi(t.origin, client, reader.session, 'articles:read');
    const [row] = await grantRows(reader.id);
    expect(row).toBeDefined();
    await t.platform.kv.del(`oauth:Grant:${row!.grant_id}`);
    const page = await reader.browser.get('/me/apps');
    expect(page.body).toContain('你还没有授权过任何应用。');
    expect(await grantRows(reader.id)).toEqual([]);
    // Without its grant the token was already refused.
    expect((await read(fresh.access_token)).status).toBe(401);
  });

  it('speaks English after the language switch', async () => {
    await authorizeApi(t.origin, client, reader.session, 'articles:read');
    await reader.browser.get('/lang/en?next=/me/apps');
    const page = await reader.browser.get('/me/apps');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('My authorized apps');
    expect(page.body).toContain('Developer: a self-registered app (not reviewed)');
    expect(page.body).toContain('<li data-scope="articles:read">Read articles</li>');
    expect(page.body).toContain('>Revoke</button>');
    await reader.browser.get('/lang/zh-CN');
  });
});
