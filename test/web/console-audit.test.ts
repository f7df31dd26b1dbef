/**
 * The audit log (issue 15): staff actions from the admin API and the console land in one log, in
 * the same transaction as the change, with who, what, the target and the state before and after;
 * admins read it filtered and paged (API and console), moderators cannot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { bearer } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';
import { WebClient } from '../helpers/web-client.js';
import { account, type Account } from '../mp/helpers.js';

let t: TestApp;
let admin: Account;
let moderator: Account;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await account(t, 'app', { role: 'admin', name: '审计管理员' });
  moderator = await account(t, 'app', { role: 'moderator' });
});
afterAll(async () => {
  await t?.close();
});

const audit = (who: Account, query = '') =>
  t.app.inject({ url: `/admin/v1_0/audit${query ? `?${query}` : ''}`, headers: bearer(who.token) });
/** The entries of a page, ids as strings (user ids fit a JS number, so the JSON has them as numbers). */
const entries = (res: { body: string }): Record<string, unknown>[] =>
  parseBody(res.body).data.results.map((e: Record<string, unknown>) => ({ ...e, actor_id: String(e.actor_id) }));

describe(`audit log (db=${testDb}, redis=${testRedis})`, () => {
  it('records a moderation decision and a ban with actor, target, before and after', async () => {
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform);
    const article = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      status: ArticleStatus.pending,
      published_at: null,
    });
    const decided = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/articles/${article.id}/decisions`,
      headers: bearer(moderator.token),
      payload: { decision: 'reject', reason: '请补充来源' },
    });
    expect(decided.statusCode, decided.body).toBe(201);
    const banned = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/users/${author.id}/actions`,
      headers: bearer(admin.token),
      payload: { action: 'ban', reason: 'spam' },
    });
    expect(banned.statusCode, banned.body).toBe(201);

    const onArticle = await audit(admin, `target_type=article&target_id=${article.id}`);
    expect(onArticle.statusCode).toBe(200);
    expect(entries(onArticle)).toEqual([
      expect.objectContaining({
        actor_id: String(moderator.id),
        actor_name: moderator.name,
        action: 'article.reject',
        target_type: 'article',
        target_id: String(article.id),
        before: { status: ArticleStatus.pending },
        after: { status: ArticleStatus.rejected, reason: '请补充来源' },
      }),
    ]);
    const byAdmin = entries(await audit(admin, `actor=${admin.id}&action=user.`));
    expect(byAdmin).toEqual([
      expect.objectContaining({
        action: 'user.ban',
        target_id: String(author.id),
        before: { status: 1 },
        after: { status: 0, reason: 'spam' },
      }),
    ]);
    expect(byAdmin[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('writes nothing when the action is refused', async () => {
    const user = await newUser(t.platform);
    const first = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/users/${user.id}/actions`,
      headers: bearer(admin.token),
      payload: { action: 'unban' },
    });
    expect(first.statusCode).toBe(409);
    expect((await audit(admin, `target_type=user&target_id=${user.id}`)).json().data.results).toEqual([]);
  });

  it('pages newest first by keyset, and names the bad filter', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1_0/announcements',
        headers: bearer(admin.token),
        payload: { title: `审计公告 ${i}`, content: '内容' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const firstRes = await audit(admin, 'action=announcement.publish&per_page=2');
    expect(firstRes.statusCode, firstRes.body).toBe(200);
    const first = parseBody((await audit(admin, 'action=announcement.publish&per_page=2')).body).data;
    expect(first.results.map((e: { after: { title: string } }) => e.after.title)).toEqual(['审计公告 2', '审计公告 1']);
    const second = parseBody(
      (await audit(admin, `action=announcement.publish&per_page=2&before=${first.next}`)).body,
    ).data;
    expect(second.results.map((e: { after: { title: string } }) => e.after.title)).toEqual(['审计公告 0']);
    expect(second.next).toBeNull();

    const bad = await audit(admin, 'action=DROP%20TABLE');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('action');
  });

  it('is for admins: moderators get 403 from the API and the console', async () => {
    const refused = await audit(moderator);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('role_required');

    const browser = new WebClient(t.app);
    const mobile = await browser.signIn();
    const user = (await t.services.users.accounts.findByMobile(mobile))!;
    await t.platform.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', user.id).execute();
    expect((await browser.get('/admin/audit')).statusCode).toBe(403);
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', user.id).execute();
    const page = await browser.get(`/admin/audit?action=article.&actor=${moderator.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('article.reject');
    expect(page.body).toContain(`href="/admin/review/`);
    expect(page.body).not.toContain('>user.ban<');
    // A console action is logged too: the console's ban goes through the same service.
    const target = await newUser(t.platform);
    expect((await browser.get(`/admin/users/${target.id}`)).statusCode).toBe(200);
    const ban = await browser.post(`/admin/users/${target.id}/actions`, { action: 'ban', reason: '广告' });
    expect(ban.statusCode).toBe(303);
    const log = await browser.get(`/admin/audit?target_type=user&target_id=${target.id}`);
    expect(log.body).toContain('user.ban');
    expect(log.body).toContain('广告');
  });

  it("dismisses an article's reports over the API (staff only), audited; nothing to dismiss writes nothing", async () => {
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform);
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const reporter = await account(t, 'app');
    const report = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/article/reports',
      headers: bearer(reporter.token),
      payload: { target: String(article.id), type: 1 },
    });
    expect(report.statusCode).toBe(201);
    const dismiss = (who: Account) =>
      t.app.inject({ method: 'DELETE', url: `/admin/v1_0/articles/${article.id}/reports`, headers: bearer(who.token) });
    expect((await dismiss(reporter)).statusCode).toBe(403);
    const first = await dismiss(moderator);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toEqual({ dismissed: 1 });
    expect((await dismiss(moderator)).json().data).toEqual({ dismissed: 0 });
    expect(entries(await audit(admin, `target_type=article&target_id=${article.id}`))).toEqual([
      expect.objectContaining({
        action: 'article.dismiss-reports',
        actor_id: String(moderator.id),
        before: { reports: 1 },
        after: { reports: 0 },
      }),
    ]);
  });
});
