/**
 * Signing in on the reader site (issue 14): the SMS code form with the server's limits as
 * messages, password sign-in, the httpOnly SameSite session cookie bound to a server session
 * (signing out anywhere ends it), CSRF on every form that writes, and pages that become private
 * once a reader is signed in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { bearer, randomIp } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';
import { DEMO_CODE, newMobile, WebClient } from '../helpers/web-client.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: 'http://news.example' });
});
afterAll(async () => {
  await t?.close();
});

/** An app token for the same person (the API's sign-in), to look at the site's doings from the app. */
async function appToken(mobile: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/authorizations',
    remoteAddress: randomIp(),
    payload: { mobile, code: DEMO_CODE },
  });
  expect(res.statusCode).toBe(201);
  return res.json().data.token as string;
}

describe(`reader site sign-in (db=${testDb}, redis=${testRedis})`, () => {
  it('shows a sign-in page that is never cached, with a CSRF token and the demo code hint', async () => {
    const browser = new WebClient(t.app);
    const res = await browser.get('/login?next=/articles/1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('action="/login"');
    expect(res.body).toContain('formaction="/login/code"');
    expect(res.body).toContain('action="/login/password"');
    expect(res.body).toContain('name="next" value="/articles/1"');
    expect(res.body).toContain(DEMO_CODE);
    expect(browser.csrf).toBeTruthy();
    const csrfCookie = res.cookies.find((c) => c.name === 'inkstone_csrf');
    expect(csrfCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('signs in with an SMS code: the cookie is httpOnly and SameSite, the session is a web device', async () => {
    const browser = new WebClient(t.app);
    const mobile = newMobile();
    await browser.get('/login');
    const sent = await browser.post('/login/code', { mobile, next: '/me' });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/login?mobile=${mobile}&sent=1&next=%2Fme`);
    const form = await browser.get(sent.headers.location as string);
    expect(form.body).toContain(`验证码已发送至 ${mobile}`);
    expect(form.body).toContain('data-resend-in="60"');

    const wrong = await browser.post('/login', { mobile, code: '000000', next: '/me' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('验证码错误或已过期');
    expect(wrong.cookies.find((c) => c.name === 'inkstone_session')).toBeUndefined();

    const res = await browser.post('/login', { mobile, code: DEMO_CODE, next: '/me' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/me');
    const cookie = res.cookies.find((c) => c.name === 'inkstone_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy(); // plain HTTP here; `secure: 'auto'` sets it behind HTTPS
    expect(cookie.maxAge).toBe(14 * 24 * 3600);

    const me = await browser.get('/me');
    expect(me.statusCode).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    const devices = await browser.get('/me/devices');
    expect(devices.body).toContain('<strong>web</strong>');
    expect(devices.body).toContain('当前设备');

    // The app sees the same account, and the web session among its devices.
    const token = await appToken(mobile);
    const sessions = await t.app.inject({ url: '/app/v1_0/user/sessions', headers: bearer(token) });
    expect(
      sessions
        .json()
        .data.sessions.map((s: { client: string }) => s.client)
        .sort(),
    ).toEqual(['app', 'web']);
  });

  it('says the per-number limit in words, to the form and to the script', async () => {
    const browser = new WebClient(t.app);
    const mobile = newMobile();
    await browser.get('/login');
    const first = await browser.postJson('/login/code', { mobile });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ mobile, resend_in: 60 });
    const again = await browser.postJson('/login/code', { mobile });
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    const page = await browser.post('/login/code', { mobile });
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toMatch(/操作太频繁，请 \d+ 秒后再试/);

    const bad = await browser.post('/login/code', { mobile: '12345' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('请输入 11 位手机号');
  });

  it('refuses a form without the CSRF token, or with another browser’s', async () => {
    const browser = new WebClient(t.app);
    await browser.get('/login');
    const missing = await browser.post('/login', { mobile: newMobile(), code: DEMO_CODE }, null);
    expect(missing.statusCode).toBe(403);
    expect(missing.cookies.find((c) => c.name === 'inkstone_session')).toBeUndefined();

    const other = new WebClient(t.app);
    await other.get('/login');
    const foreign = await browser.post('/login', { mobile: newMobile(), code: DEMO_CODE }, other.csrf);
    expect(foreign.statusCode).toBe(403);

    // Signed in, a write without the token does nothing.
    await browser.signIn();
    const author = await newUser(t.platform);
    const follow = await browser.post(`/users/${author.id}/follow`, { on: '1' }, 'forged');
    expect(follow.statusCode).toBe(403);
    expect(await t.services.relations.isFollowing(BigInt(0), author.id)).toBe(false);
  });

  it('signs in with a username and password, with the failure said on the form', async () => {
    const mobile = newMobile();
    const username = `reader${Date.now() % 1e8}`;
    const registered = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/accounts',
      remoteAddress: randomIp(),
      payload: {
        username,
        email: `${username}@example.com`,
        password: 'correct horse battery',
        password_confirm: 'correct horse battery',
        mobile,
        code: DEMO_CODE,
      },
    });
    expect(registered.statusCode).toBe(201);

    const browser = new WebClient(t.app);
    await browser.get('/login');
    const wrong = await browser.post('/login/password', { login: username, password: 'nope nope nope' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('用户名或密码错误');
    const res = await browser.post('/login/password', {
      login: username.toUpperCase(),
      password: 'correct horse battery',
      next: '/me',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/me');
    const account = await t.services.users.accounts.findByLogin(username);
    expect((await browser.get('/me')).body).toContain(`name="name" value="${account!.name}"`);
  });

  it('makes pages private for a signed-in reader: their name, their channels, no shared caching', async () => {
    const channel = await newChannel(t.platform, { is_default: 1 });
    const author = await newUser(t.platform);
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });

    const anonymous = await new WebClient(t.app).get(`/articles/${article.id}`);
    expect(anonymous.headers['cache-control']).toBe('public, max-age=60');
    expect(String(anonymous.headers.vary)).toContain('Cookie');
    expect(anonymous.body).toContain(`href="/login?next=%2Farticles%2F${article.id}"`);
    expect(anonymous.body).not.toContain('name="_csrf"');

    const browser = new WebClient(t.app);
    const mobile = await browser.signIn();
    const page = await browser.get(`/articles/${article.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-cache');
    expect(page.body).toContain('<meta name="csrf-token"');
    expect(page.body).toContain('action="/logout"');
    expect(page.body).toContain(`action="/articles/${article.id}/like"`);
    const me = await t.services.users.accounts.findByMobile(mobile);
    expect(page.body).toContain(`<span>${me!.name}</span>`);
    // The same URL right after, signed out: not the reader's page (nothing per-reader was kept).
    const again = await new WebClient(t.app).get(`/articles/${article.id}`);
    expect(again.body).not.toContain('action="/logout"');
  });

  it('speaks English when the reader picks it, keeping each language’s page apart', async () => {
    const channel = await newChannel(t.platform, { is_default: 1 });
    const author = await newUser(t.platform);
    const story = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id, title: 'Bilingual' });
    const reader = new WebClient(t.app);
    const zh = await reader.get(`/articles/${story.id}`);
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain(`href="/lang/en?next=%2Farticles%2F${story.id}"`);

    const pick = await reader.get(`/lang/en?next=${encodeURIComponent(`/articles/${story.id}`)}`);
    expect(pick.statusCode).toBe(303);
    expect(pick.headers.location).toBe(`/articles/${story.id}`);
    expect(pick.cookies.find((c) => c.name === 'inkstone_lang')).toMatchObject({ value: 'en', httpOnly: true });
    const en = await reader.get(`/articles/${story.id}`);
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('<meta property="og:locale" content="en_US" />');
    expect(en.body).toContain('Comments (0)');
    expect(en.body).toContain('>中文</a');
    // Another visitor right after still gets Chinese (the kept page is per language).
    expect((await new WebClient(t.app).get(`/articles/${story.id}`)).body).toContain('评论（0）');
    // Sign-in and errors speak it too; an unknown language is a 400.
    expect((await reader.get('/login')).body).toContain('Sign in to Inkstone');
    expect((await reader.get('/no/such/page')).body).toContain('Page not found');
    expect((await reader.get('/lang/fr')).statusCode).toBe(400);
    // Off-site `next` goes home.
    expect((await reader.get('/lang/zh-CN?next=https://evil.example')).headers.location).toBe('/');
  });

  it('ends the sign-in when the session ends anywhere: sign-out, another device, a ban', async () => {
    // Sign-out on the site.
    const browser = new WebClient(t.app);
    await browser.signIn();
    const cookie = browser.cookies.get('inkstone_session')!;
    await browser.get('/');
    const out = await browser.post('/logout');
    expect(out.statusCode).toBe(303);
    expect(browser.cookies.has('inkstone_session')).toBe(false);
    const replay = new WebClient(t.app);
    replay.cookies.set('inkstone_session', cookie);
    const after = await replay.get('/me');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Fme');
    // The dead cookie is removed.
    expect(replay.cookies.has('inkstone_session')).toBe(false);

    // Revoked from the app's device list.
    const other = new WebClient(t.app);
    const mobile = await other.signIn();
    const token = await appToken(mobile);
    const sessions = await t.app.inject({ url: '/app/v1_0/user/sessions', headers: bearer(token) });
    const web = parseBody(sessions.body).data.sessions.find((s: { client: string }) => s.client === 'web');
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/app/v1_0/user/sessions/${web.id}`,
      headers: bearer(token),
    });
    expect(revoked.statusCode).toBe(204);
    expect((await other.get('/me')).statusCode).toBe(303);

    // A device signed out from the site's own device list.
    const phone = new WebClient(t.app);
    const laptop = new WebClient(t.app);
    const shared = await phone.signIn();
    await laptop.signIn(shared);
    const list = await laptop.get('/me/devices');
    const ids = [...list.body.matchAll(/action="\/me\/devices\/(\d+)\/revoke"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThanOrEqual(1);
    for (const id of ids) expect((await laptop.post(`/me/devices/${id}/revoke`)).statusCode).toBe(303);
    expect((await phone.get('/me')).statusCode).toBe(303);
    expect((await laptop.get('/me')).statusCode).toBe(200);

    // A ban ends every sign-in of the account, the site's included.
    const admin = await newUser(t.platform);
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    const banned = (await t.services.users.accounts.findByMobile(shared))!;
    await t.services.userAdmin.act({ id: admin.id, role: 'admin' }, banned.id, 'ban', 'spam');
    expect((await laptop.get('/me')).statusCode).toBe(303);
    expect(laptop.cookies.has('inkstone_session')).toBe(false);
  });
});
