/**
 * Roles and the user page (issue 15): admins set roles (API and console), effective on the next
 * request and audited; moderators cannot (403 from both); the user page shows the user's articles
 * and their private ID-card images through signed, short-lived links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { bearer } from '../helpers/http.js';
import { signedInAs } from '../helpers/web-client.js';
import { account, type Account } from '../mp/helpers.js';

let t: TestApp;
let admin: Account;
let moderator: Account;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await account(t, 'app', { role: 'admin' });
  moderator = await account(t, 'app', { role: 'moderator' });
});
afterAll(async () => {
  await t?.close();
});

const setRole = (who: Account, id: bigint, role: string) =>
  t.app.inject({ method: 'PUT', url: `/admin/v1_0/users/${id}/role`, headers: bearer(who.token), payload: { role } });

const consoleAs = (role: 'moderator' | 'admin') => signedInAs(t, role);

describe(`roles and the console's user page (db=${testDb}, redis=${testRedis})`, () => {
  it('lets admins set roles through the API, effective at once and audited', async () => {
    const promoted = await account(t, 'app');
    expect((await t.app.inject({ url: '/admin/v1_0/articles', headers: bearer(promoted.token) })).statusCode).toBe(403);

    const refused = await setRole(moderator, promoted.id, 'moderator');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('role_required');

    const set = await setRole(admin, promoted.id, 'moderator');
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().data).toMatchObject({ role: 'moderator' });
    // The same token, next request: the role is read per request (its cache dropped by the change).
    expect((await t.app.inject({ url: '/admin/v1_0/articles', headers: bearer(promoted.token) })).statusCode).toBe(200);

    expect((await setRole(admin, promoted.id, 'moderator')).statusCode).toBe(409);
    expect((await setRole(admin, admin.id, 'user')).statusCode).toBe(403);
    const bad = await setRole(admin, promoted.id, 'root');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('role');

    const log = await t.app.inject({
      url: `/admin/v1_0/audit?action=user.role&target_id=${promoted.id}`,
      headers: bearer(admin.token),
    });
    expect(log.json().data.results).toEqual([
      expect.objectContaining({ action: 'user.role', before: { role: 'user' }, after: { role: 'moderator' } }),
    ]);
  });

  it('offers the role form to admins only; a moderator posting it gets 403', async () => {
    const target = await newUser(t.platform);
    const mod = await consoleAs('moderator');
    const seen = await mod.browser.get(`/admin/users/${target.id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).not.toContain(`action="/admin/users/${target.id}/role"`);
    expect((await mod.browser.post(`/admin/users/${target.id}/role`, { role: 'admin' })).statusCode).toBe(403);

    const adm = await consoleAs('admin');
    const page = await adm.browser.get(`/admin/users/${target.id}`);
    expect(page.body).toContain(`action="/admin/users/${target.id}/role"`);
    const done = await adm.browser.post(`/admin/users/${target.id}/role`, { role: 'moderator' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/admin/users/${target.id}?done=role`);
    const row = await t.platform.db.selectFrom('users').select('role').where('id', '=', target.id).executeTakeFirst();
    expect(row?.role).toBe('moderator');
    // Not on oneself: no form.
    expect((await adm.browser.get(`/admin/users/${adm.id}`)).body).not.toContain(`/admin/users/${adm.id}/role`);
  });

  it("shows the user's articles and their ID-card images through signed links", async () => {
    const author = await newUser(t.platform);
    const channel = await newChannel(t.platform);
    const draft = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: '作者的草稿',
      status: ArticleStatus.draft,
      published_at: null,
    });
    const key = `private/id-cards/test-${author.id}.jpg`;
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    await t.platform.storage.put(key, jpeg, 'image/jpeg');
    await t.platform.db.updateTable('users').set({ id_card_front: key }).where('id', '=', author.id).execute();

    const adm = await consoleAs('moderator');
    const page = await adm.browser.get(`/admin/users/${author.id}`);
    expect(page.body).toContain(`href="/admin/review/${draft.id}"`);
    expect(page.body).toContain('作者的草稿');
    expect(page.body).toContain('身份证正面');
    const link = /<img src="([^"]+)" alt="身份证正面"/.exec(page.body)?.[1];
    expect(link).toBeDefined();
    const url = new URL(link!.replaceAll('&amp;', '&'));
    expect(url.pathname).toContain('id-cards');
    expect(Number(url.searchParams.get('exp')) * 1000 - Date.now()).toBeLessThanOrEqual(600_000);
    const image = await t.app.inject({ url: `${url.pathname}${url.search}` });
    expect(image.statusCode).toBe(200);
    expect(image.rawPayload.equals(jpeg)).toBe(true);
    // Without the signature, nothing.
    expect((await t.app.inject({ url: url.pathname })).statusCode).toBe(403);
  });

  it('pages the user list by keyset: the next link carries the last id, no user twice or missed', async () => {
    const prefix = `翻页${Date.now() % 100000}`;
    for (let i = 0; i < 23; i++) await newUser(t.platform, { name: `${prefix}${i}` });
    const { browser } = await consoleAs('moderator');
    const names = (body: string) => [...body.matchAll(new RegExp(`>(${prefix}\\d+)</a>`, 'g'))].map((m) => m[1]);
    const first = await browser.get(`/admin/users?q=${encodeURIComponent(prefix)}`);
    const next = /rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toMatch(/before=\d+/);
    const second = await browser.get(next!);
    const seen = [...names(first.body), ...names(second.body)];
    expect(names(first.body)).toHaveLength(20);
    expect(new Set(seen).size).toBe(23);
    expect(second.body).not.toContain('rel="next"');
  });
});
