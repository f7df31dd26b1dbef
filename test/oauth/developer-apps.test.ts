/**
 * 我的应用 / My apps (/me/developer/apps) over HTTP: registering an app through the provider's own
 * client model (the record a dynamic registration writes, plus its owner), the secret shown once
 * and rotated (the old one refused at the token endpoint at once), edits, deletion (its readers'
 * tokens die with it), bad input returned on the form naming the field with nothing written, only
 * the owner seeing or touching an app, and CSRF on every write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { unescapeHtml, WebClient } from '../helpers/web-client.js';
import { authorizeApi, REDIRECT_URI, registerClient } from './app-flow.js';
import { buildOauthApp, type OauthTestApp } from './helpers.js';

describe(`developer apps page (db=${testDb}, redis=${testRedis})`, () => {
  let t: OauthTestApp;
  let dev: { browser: WebClient; id: bigint };
  let articleId: bigint;

  async function signedIn(): Promise<{ browser: WebClient; id: bigint }> {
    const browser = new WebClient(t.app);
    const mobile = await browser.signIn();
    const { id } = await t.platform.db
      .selectFrom('users')
      .select('id')
      .where('mobile', '=', mobile)
      .executeTakeFirstOrThrow();
    return { browser, id };
  }

  const ownedClients = (ownerId: bigint) =>
    t.platform.db.selectFrom('oauth_clients').selectAll().where('owner_user_id', '=', ownerId).execute();

  /** The client credentials grant with HTTP Basic: the token endpoint's answer to a secret. */
  const clientCredentials = (clientId: string, secret: string) =>
    fetch(`${t.origin}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });

  const secretOn = (page: string) => {
    const found = /<code id="client-secret">([^<]+)<\/code>/.exec(page)?.[1];
    return found === undefined ? undefined : unescapeHtml(found);
  };

  /** Registers through the page; returns the client id and the page the registration led to. */
  async function register(browser: WebClient, fields: Record<string, string>) {
    await browser.get('/me/developer/apps');
    const res = await browser.post('/me/developer/apps', fields);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
    const location = res.headers.location as string;
    const clientId = decodeURIComponent(/^\/me\/developer\/apps\/([^?]+)\?/.exec(location)![1]!);
    return { clientId, location, page: await browser.get(location) };
  }

  beforeAll(async () => {
    t = await buildOauthApp();
    dev = await signedIn();
    const channel = await newChannel(t.platform);
    articleId = (await newArticle(t.platform, { user_id: dev.id, channel_id: channel.id })).id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('is reached from /me, sends a signed-out visitor to sign in, and shows an empty list with the form', async () => {
    const me = await dev.browser.get('/me');
    expect(me.body).toContain('href="/me/developer/apps"');
    expect(me.body).toContain('我的应用');

    const anonymous = await new WebClient(t.app).get('/me/developer/apps');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2Fme%2Fdeveloper%2Fapps');

    const page = await dev.browser.get('/me/developer/apps');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('你还没有注册应用。');
    expect(page.body).toContain('action="/me/developer/apps"');
    expect(page.body).toContain('aria-current="page">我的应用');
    expect(page.body).toContain(`${t.origin}/.well-known/openid-configuration`);
  });

  it('gives bad input back on the form, naming the field, and writes nothing', async () => {
    const good = { name: '墨石读书', redirect_uris: 'https://reader.example/cb', logo_uri: '', kind: 'confidential' };
    const cases: [Record<string, string>, string, string][] = [
      [{ ...good, name: '  ' }, '应用名称：不能为空。', 'app-name'],
      [{ ...good, name: '名'.repeat(51) }, '应用名称：最多 50 个字。', 'app-name'],
      [{ ...good, redirect_uris: '' }, '回调地址：至少填写一个。', 'app-redirect-uris'],
      [
        { ...good, redirect_uris: 'https://reader.example/cb\nhttps://reader.example/cb#top' },
        '回调地址：第 2 行“https://reader.example/cb#top”带有 # 片段',
        'app-redirect-uris',
      ],
      [{ ...good, redirect_uris: '/callback' }, '回调地址：第 1 行“/callback”不是完整的地址', 'app-redirect-uris'],
      [
        { ...good, redirect_uris: 'http://reader.example/cb' },
        '使用了 http：只有 127.0.0.1 和 localhost',
        'app-redirect-uris',
      ],
      [{ ...good, redirect_uris: 'javascript:alert(1)' }, '不是 https 地址', 'app-redirect-uris'],
      [{ ...good, redirect_uris: 'https://user:pw@reader.example/cb' }, '不能含用户名或密码', 'app-redirect-uris'],
      [
        { ...good, logo_uri: 'ftp://reader.example/logo.png' },
        'Logo 地址：“ftp://reader.example/logo.png”不是 https 地址',
        'app-logo-uri',
      ],
      [{ ...good, kind: '' }, '应用类型：请选择一种。', 'app-kind-confidential'],
    ];
    for (const [fields, message, fieldId] of cases) {
      await dev.browser.get('/me/developer/apps');
      const res = await dev.browser.post('/me/developer/apps', fields);
      expect(res.statusCode, message).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
      const text = unescapeHtml(res.body);
      expect(text, message).toContain(message);
      // The summary links to the field, which says it is invalid and points at its message.
      expect(res.body).toContain(`href="#${fieldId}"`);
      if (fieldId !== 'app-kind-confidential')
        expect(res.body).toMatch(new RegExp(`id="${fieldId}"[^>]*aria-invalid="true"`));
      // What was typed comes back.
      if (fields.name!.trim() !== '') expect(text).toContain(`value="${fields.name}"`);
      if (fields.redirect_uris) expect(text).toContain(`${fields.redirect_uris}</textarea>`);
    }
    expect(await ownedClients(dev.id)).toEqual([]);
  });

  let serverApp: string;
  let firstSecret: string;

  it('registers a server app as the provider registers one, shows its secret once, and the secret works', async () => {
    const { clientId, location, page } = await register(dev.browser, {
      name: '墨石读书',
      redirect_uris: `https://reader.example/cb\n${REDIRECT_URI}\nhttp://localhost:8080/cb`,
      logo_uri: 'https://reader.example/logo.png',
      kind: 'confidential',
    });
    serverApp = clientId;
    expect(location).toMatch(/\?registered=1&reveal=[A-Za-z0-9_-]{22}$/);
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('应用已注册。');
    expect(page.body).toContain('只显示这一次');
    firstSecret = secretOn(page.body)!;
    expect(firstSecret).toMatch(/^[A-Za-z0-9_-]{86}$/);

    const [row] = await ownedClients(dev.id);
    expect(row?.client_id).toBe(clientId);
    const stored = JSON.parse(row!.metadata_json);
    expect(stored).toMatchObject({
      client_id: clientId,
      client_name: '墨石读书',
      client_secret: firstSecret,
      client_secret_expires_at: 0,
      redirect_uris: ['https://reader.example/cb', REDIRECT_URI, 'http://localhost:8080/cb'],
      logo_uri: 'https://reader.example/logo.png',
      token_endpoint_auth_method: 'client_secret_basic',
      response_types: ['code'],
    });
    // The same record (the same fields, the provider's defaults filled in) as a dynamic registration.
    const dynamic = await registerClient(t.origin, {
      client_name: 'dynamic',
      redirect_uris: ['https://reader.example/cb'],
      logo_uri: 'https://reader.example/logo.png',
      grant_types: stored.grant_types,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const dynamicRow = await t.services.oauth.repository.findClient(dynamic.client_id);
    expect(Object.keys(stored).sort()).toEqual(Object.keys(JSON.parse(dynamicRow!.metadata_json)).sort());
    expect(dynamicRow?.owner_user_id).toBeNull();

    // Shown once: the same address again, or the page itself, has no secret.
    expect(secretOn((await dev.browser.get(location)).body)).toBeUndefined();
    const again = await dev.browser.get(`/me/developer/apps/${clientId}`);
    expect(secretOn(again.body)).toBeUndefined();
    expect(again.body).toContain('客户端密钥只在注册和轮换后显示一次。');
    expect(again.body).not.toContain(firstSecret);
    // Listed on the developer's page.
    const list = await dev.browser.get('/me/developer/apps');
    expect(list.body).toContain(`href="/me/developer/apps/${clientId}"`);
    expect(list.body).not.toContain(firstSecret);

    expect((await clientCredentials(clientId, firstSecret)).status).toBe(200);
    expect((await clientCredentials(clientId, 'wrong')).status).toBe(401);
  });

  it('rotates the secret: the new one is shown once and works, the old one is refused at once', async () => {
    await dev.browser.get(`/me/developer/apps/${serverApp}`);
    const rotated = await dev.browser.post(`/me/developer/apps/${serverApp}/secret`);
    expect(rotated.statusCode).toBe(303);
    const location = rotated.headers.location as string;
    const secret = secretOn((await dev.browser.get(location)).body)!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(secret).not.toBe(firstSecret);
    expect(secretOn((await dev.browser.get(location)).body)).toBeUndefined();

    const old = await clientCredentials(serverApp, firstSecret);
    expect(old.status).toBe(401);
    expect(((await old.json()) as { error: string }).error).toBe('invalid_client');
    expect((await clientCredentials(serverApp, secret)).status).toBe(200);
  });

  it('edits the name, redirect URIs and logo, keeps the owner and the secret, and refuses bad edits', async () => {
    const before = (await t.services.oauth.repository.findClient(serverApp))!;
    const secret = JSON.parse(before.metadata_json).client_secret as string;
    await dev.browser.get(`/me/developer/apps/${serverApp}`);
    const bad = await dev.browser.post(`/me/developer/apps/${serverApp}`, {
      name: '新名字',
      redirect_uris: 'https://reader.example/cb#frag',
      logo_uri: '',
    });
    expect(bad.statusCode).toBe(400);
    expect(unescapeHtml(bad.body)).toContain('回调地址：第 1 行“https://reader.example/cb#frag”带有 # 片段');
    expect((await t.services.oauth.repository.findClient(serverApp))?.metadata_json).toBe(before.metadata_json);

    const saved = await dev.browser.post(`/me/developer/apps/${serverApp}`, {
      name: '墨石读书 Pro',
      redirect_uris: `${REDIRECT_URI}\r\nhttps://reader.example/v2/cb`,
      logo_uri: '',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/me/developer/apps/${serverApp}?saved=1`);
    const page = await dev.browser.get(saved.headers.location as string);
    expect(page.body).toContain('已保存。');
    expect(page.body).toContain('墨石读书 Pro');
    const after = (await t.services.oauth.repository.findClient(serverApp))!;
    expect(after.owner_user_id).toBe(dev.id);
    const metadata = JSON.parse(after.metadata_json);
    expect(metadata).toMatchObject({
      client_name: '墨石读书 Pro',
      redirect_uris: [REDIRECT_URI, 'https://reader.example/v2/cb'],
      client_secret: secret,
    });
    expect(metadata.logo_uri).toBeUndefined();
  });

  it('shows and lets only the owner touch an app: anyone else gets a 404 and nothing changes', async () => {
    const other = await signedIn();
    const list = await other.browser.get('/me/developer/apps');
    expect(list.body).not.toContain(serverApp);
    const before = (await t.services.oauth.repository.findClient(serverApp))!.metadata_json;
    expect((await other.browser.get(`/me/developer/apps/${serverApp}`)).statusCode).toBe(404);
    const edit = await other.browser.post(`/me/developer/apps/${serverApp}`, {
      name: '抢来的',
      redirect_uris: 'https://evil.example/cb',
    });
    expect(edit.statusCode).toBe(404);
    expect((await other.browser.post(`/me/developer/apps/${serverApp}/secret`)).statusCode).toBe(404);
    expect((await other.browser.post(`/me/developer/apps/${serverApp}/delete`)).statusCode).toBe(404);
    // A client registered without an owner (dynamic registration) is nobody's on this page.
    const dynamic = await registerClient(t.origin);
    expect((await other.browser.get(`/me/developer/apps/${dynamic.client_id}`)).statusCode).toBe(404);
    expect((await other.browser.post(`/me/developer/apps/${dynamic.client_id}/delete`)).statusCode).toBe(404);
    expect(await t.services.oauth.repository.findClient(dynamic.client_id)).toBeDefined();
    expect((await t.services.oauth.repository.findClient(serverApp))!.metadata_json).toBe(before);
  });

  it('refuses every write without the CSRF token', async () => {
    await dev.browser.get('/me/developer/apps');
    const fields = { name: '无令牌', redirect_uris: 'https://reader.example/cb', kind: 'public' };
    expect((await dev.browser.post('/me/developer/apps', fields, null)).statusCode).toBe(403);
    expect((await dev.browser.post('/me/developer/apps', fields, 'forged-token')).statusCode).toBe(403);
    expect((await dev.browser.post(`/me/developer/apps/${serverApp}`, fields, null)).statusCode).toBe(403);
    expect((await dev.browser.post(`/me/developer/apps/${serverApp}/secret`, {}, null)).statusCode).toBe(403);
    expect((await dev.browser.post(`/me/developer/apps/${serverApp}/delete`, {}, null)).statusCode).toBe(403);
    const rows = await ownedClients(dev.id);
    expect(rows.map((r) => r.client_id)).toEqual([serverApp]);
  });

  it('registers a public app without a secret, and deleting an app ends its readers’ tokens', async () => {
    const { clientId, location, page } = await register(dev.browser, {
      name: '墨石手机版',
      redirect_uris: REDIRECT_URI,
      kind: 'public',
    });
    expect(location).toBe(`/me/developer/apps/${clientId}?registered=1`);
    expect(secretOn(page.body)).toBeUndefined();
    expect(page.body).not.toContain('/secret"');
    const stored = JSON.parse((await t.services.oauth.repository.findClient(clientId))!.metadata_json);
    expect(stored.token_endpoint_auth_method).toBe('none');
    expect(stored.client_secret).toBeUndefined();
    expect(stored.grant_types).toEqual(['authorization_code', 'refresh_token']);

    // A reader authorizes it (PKCE, as a public client must) and reads with its token.
    const reader = await signedIn();
    const tokens = await authorizeApi(
      t.origin,
      { client_id: clientId },
      reader.browser.cookies.get('inkstone_session')!,
      'openid profile articles:read',
    );
    const read = () =>
      fetch(`${t.origin}/app/v1_0/articles/${articleId}`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
    expect((await read()).status).toBe(200);
    const grants = () =>
      t.platform.db.selectFrom('oauth_grants').select('grant_id').where('client_id', '=', clientId).execute();
    expect(await grants()).toHaveLength(1);

    await dev.browser.get(`/me/developer/apps/${clientId}`);
    const removed = await dev.browser.post(`/me/developer/apps/${clientId}/delete`);
    expect(removed.statusCode).toBe(303);
    expect(removed.headers.location).toBe('/me/developer/apps?removed=1');
    expect((await dev.browser.get('/me/developer/apps?removed=1')).body).toContain('应用已删除');
    expect((await read()).status).toBe(401);
    expect(await t.services.oauth.repository.findClient(clientId)).toBeUndefined();
    expect(await grants()).toEqual([]);
    expect((await reader.browser.get('/me/apps')).body).not.toContain('墨石手机版');
    expect((await dev.browser.get(`/me/developer/apps/${clientId}`)).statusCode).toBe(404);
  });

  it('speaks English after the language switch', async () => {
    await dev.browser.get('/lang/en?next=/me/developer/apps');
    const page = await dev.browser.get('/me/developer/apps');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('Register a new app');
    const bad = await dev.browser.post('/me/developer/apps', {
      name: 'Reader',
      redirect_uris: 'https://reader.example/cb#x',
      kind: 'public',
    });
    expect(bad.statusCode).toBe(400);
    expect(unescapeHtml(bad.body)).toContain('Redirect URIs: line 1 “https://reader.example/cb#x” has a #fragment');
    await dev.browser.get('/lang/zh-CN');
  });
});
