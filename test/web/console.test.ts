/**
 * The operator's console (issue 15, first part) over HTTP on every dialect: staff only (sign-in
 * first, 403 for readers), the dashboard's per-day figures counted in SQL, the review queue with
 * sensitive words marked, and a rejection whose reason the author reads in the MP API.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { zoneOffsetMs } from '../../src/modules/console/console.dashboard.js';
import { maskUrl } from '../../src/modules/console/console.routes.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { bearer } from '../helpers/http.js';
import { mpAuthor } from '../helpers/mp-author.js';
import { signedInAs, WebClient } from '../helpers/web-client.js';
import { account } from '../mp/helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

const staff = (role: 'moderator' | 'admin' | 'user') => signedInAs(t, role);

describe(`operator's console (db=${testDb}, redis=${testRedis})`, () => {
  it('is for moderators and admins: others sign in first or get a 403 page', async () => {
    const visitor = new WebClient(t.app);
    const away = await visitor.get('/admin/');
    expect(away.statusCode).toBe(303);
    expect(away.headers.location).toBe('/login?next=%2Fadmin%2F');

    const reader = await staff('user');
    const refused = await reader.browser.get('/admin/');
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('text/html');
    expect(refused.body).toContain('仅限版主和管理员');
    expect((await reader.browser.get('/admin/review')).statusCode).toBe(403);

    const moderator = await staff('moderator');
    const page = await moderator.browser.get('/admin/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<meta name="robots" content="noindex" />');
    // A demotion holds on the next request.
    await t.platform.db.updateTable('users').set({ role: 'user' }).where('id', '=', moderator.id).execute();
    expect((await moderator.browser.get('/admin/')).statusCode).toBe(403);
  });

  it('counts the last 30 days per day in SQL, today included', async () => {
    const channel = await newChannel(t.platform);
    const author = await mpAuthor(t);
    const before = await (await staff('admin')).browser.get('/admin/');
    const todayArticles = (body: string) => Number(/<th scope="row">发布文章<\/th>\s*<td>(\d+)<\/td>/.exec(body)![1]);
    const base = todayArticles(before.body);
    for (let i = 0; i < 3; i++)
      await newArticle(t.platform, { user_id: author.id, channel_id: channel.id, published_at: Date.now() });
    // Forty days ago: outside the window.
    await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      published_at: Date.now() - 40 * 86_400_000,
    });
    const admin = await staff('admin');
    const after = await admin.browser.get('/admin/');
    expect(todayArticles(after.body)).toBe(base + 3);
    // One bar per day, with the figures in the chart's accessible title.
    expect(after.body.match(/<rect\s+class="bar"/g)!.length).toBe(30 * 6);
    expect(after.body).toContain('近 30 天每日发布文章');
    // Each chart has its own accessible name; a figure with nothing in 30 days says max 0, not 1.
    const ids = [...after.body.matchAll(/<title id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(6);
    const reports = /近 30 天每日举报 · max (\d+)/.exec(after.body);
    const reportsIn30Days = Number(/<th scope="row">举报<\/th>\s*<td>\d+<\/td>\s*<td>(\d+)<\/td>/.exec(after.body)![1]);
    expect(Number(reports![1]) === 0).toBe(reportsIn30Days === 0);
    expect(zoneOffsetMs('Asia/Shanghai', Date.now())).toBe(8 * 3_600_000);
  });

  it('shows the queue with sensitive words marked; a rejection reaches the author in the MP API', async () => {
    const channel = await newChannel(t.platform);
    const author = await mpAuthor(t);
    const pending = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: 'Needs a <look>',
      content: '<p>这里有一个违禁词，还有正文。</p>',
      status: ArticleStatus.pending,
      published_at: null,
      review_flags: ['违禁词'],
    });
    const moderator = await staff('moderator');
    const queue = await moderator.browser.get('/admin/review');
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain(`href="/admin/review/${pending.id}"`);
    expect(queue.body).toContain('Needs a &lt;look&gt;');
    expect(queue.body).toContain('<mark>违禁词</mark>');

    const detail = await moderator.browser.get(`/admin/review/${pending.id}`);
    expect(detail.body).toContain('这里有一个<mark>违禁词</mark>，还有正文。');
    // A rejection needs a reason: the form answers 400 naming the field.
    const bare = await moderator.browser.post(`/admin/review/${pending.id}/decision`, { decision: 'reject' });
    expect(bare.statusCode).toBe(400);
    expect(bare.body).toContain('reason');
    const version = /name="version"\s+value="(\d+)"/.exec(detail.body)![1]!;
    const rejected = await moderator.browser.post(`/admin/review/${pending.id}/decision`, {
      decision: 'reject',
      reason: '含有违禁词，请修改',
      version,
    });
    expect(rejected.statusCode).toBe(303);
    expect(rejected.headers.location).toBe('/admin/review?status=1&done=reject');

    const mp = await t.app.inject({ url: `/mp/v1_0/articles/${pending.id}`, headers: bearer(author.mp) });
    expect(mp.statusCode).toBe(200);
    expect(mp.json().data).toMatchObject({ status: 3, reject_reason: '含有违禁词，请修改' });
    const list = await t.app.inject({ url: '/mp/v1_0/articles?status=3', headers: bearer(author.mp) });
    expect(list.json().data.results[0]).toMatchObject({ status: 3, reject_reason: '含有违禁词，请修改' });
    const history = await moderator.browser.get(`/admin/review/${pending.id}`);
    expect(history.body).toContain('含有违禁词，请修改');
    // Without the page's token, no decision.
    expect(
      (await moderator.browser.post(`/admin/review/${pending.id}/decision`, { decision: 'approve' }, 'x')).statusCode,
    ).toBe(403);
  });

  it('finds users, and an admin’s ban ends the user’s open sessions at once', async () => {
    const target = new WebClient(t.app);
    const mobile = await target.signIn();
    const user = (await t.services.users.accounts.findByMobile(mobile))!;
    expect((await target.get('/me')).statusCode).toBe(200);

    const admin = await staff('admin');
    const found = await admin.browser.get(`/admin/users?q=${mobile}`);
    expect(found.body).toContain(`href="/admin/users/${user.id}"`);
    const byName = await admin.browser.get(`/admin/users?q=${encodeURIComponent(user.name.slice(0, 4))}`);
    expect(byName.body).toContain(`href="/admin/users/${user.id}"`);
    const wild = await admin.browser.get('/admin/users?q=%25');
    expect(wild.statusCode).toBe(200);

    const detail = await admin.browser.get(`/admin/users/${user.id}`);
    expect(detail.body).toContain('value="ban"');
    const noReason = await admin.browser.post(`/admin/users/${user.id}/actions`, { action: 'ban' });
    expect(noReason.statusCode).toBe(400);
    const banned = await admin.browser.post(`/admin/users/${user.id}/actions`, { action: 'ban', reason: 'spam' });
    expect(banned.statusCode).toBe(303);
    // The banned reader's next request is signed out.
    expect((await target.get('/me')).statusCode).toBe(303);
    const after = await admin.browser.get(`/admin/users/${user.id}?done=ban`);
    expect(after.body).toContain('已封禁');
    expect(after.body).toContain('spam');
    expect(after.body).toContain('value="unban"');
  });

  it('keeps payments to admins: a moderator gets 403 from the console and the API', async () => {
    const moderator = await staff('moderator');
    expect((await moderator.browser.get('/admin/payments')).statusCode).toBe(403);
    const page = await moderator.browser.get('/admin/');
    for (const section of ['payments', 'announcements', 'system'])
      expect(page.body).not.toContain(`href="/admin/${section}"`);
    const admin = await staff('admin');
    const home = await admin.browser.get('/admin/');
    for (const section of ['review', 'reports', 'users', 'payments', 'announcements', 'system'])
      expect(home.body).toContain(`href="/admin/${section}"`);
    const payments = await admin.browser.get('/admin/payments');
    expect(payments.statusCode).toBe(200);
    const checked = await admin.browser.post('/admin/payments/ledger-check');
    expect(checked.statusCode).toBe(200);
    expect(checked.body).toContain('data-ok="true"');
  });

  it('publishes an announcement the app lists, and shows the system with secrets hidden (admins only)', async () => {
    const moderator = await staff('moderator');
    expect((await moderator.browser.get('/admin/announcements')).statusCode).toBe(403);
    expect((await moderator.browser.get('/admin/system')).statusCode).toBe(403);

    const admin = await staff('admin');
    await admin.browser.get('/admin/announcements');
    const title = `维护通知 ${Date.now()}`;
    const published = await admin.browser.post('/admin/announcements', { title, content: '今晚 23:00 维护。' });
    expect(published.statusCode).toBe(303);
    const listed = await t.app.inject({ url: '/app/v1_0/announcements' });
    expect(JSON.stringify(listed.json())).toContain(title);
    expect((await admin.browser.get('/admin/announcements')).body).toContain(title);

    const system = await admin.browser.get('/admin/system');
    expect(system.statusCode).toBe(200);
    expect(system.body).toContain('data-check="database">ok<');
    expect(system.body).toContain('data-check="storage">ok<');
    expect(system.body).toContain('data-check="jobs">ok<');
    expect(system.body).toContain('data-check="search">ok<');
    expect(system.body).toContain(`版本 ${JSON.parse(fs.readFileSync('package.json', 'utf8')).version}`);
    expect(system.body).not.toContain(t.config.jwtSecret);
    const password = new URL(t.config.databaseUrl.replace(/^sqlite:/, 'sqlite://')).password;
    if (password) expect(system.body).not.toContain(password);
    expect(maskUrl('postgres://app:s3cret@db:5432/inkstone')).toBe('postgres://app:******@db:5432/inkstone');
  });

  it('groups reports by article with their reasons, never the reporters; take down, restore, dismiss', async () => {
    const channel = await newChannel(t.platform);
    const author = await mpAuthor(t);
    const story = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id, title: 'Reported one' });
    const reporters: string[] = [];
    for (const [type, remark] of [
      [1, ''],
      [0, '标题和内容不符'],
    ] as const) {
      const reader = await mpAuthor(t);
      reporters.push((await t.services.users.accounts.findById(reader.id))!.name);
      const res = await t.app.inject({
        method: 'POST',
        url: '/app/v1_0/article/reports',
        headers: bearer(reader.app),
        payload: { target: String(story.id), type, remark },
      });
      expect(res.statusCode).toBe(201);
    }
    const moderator = await staff('moderator');
    const page = await moderator.browser.get('/admin/reports');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Reported one');
    expect(page.body).toContain('2 次举报');
    expect(page.body).toContain('标题夸张 × 1');
    expect(page.body).toContain('标题和内容不符');
    for (const name of reporters) expect(page.body).not.toContain(name);

    const down = await moderator.browser.post(`/admin/reports/${story.id}`, { action: 'take-down', reason: '不实' });
    expect(down.statusCode).toBe(303);
    const status = async () =>
      (await t.platform.db.selectFrom('articles').select('status').where('id', '=', story.id).executeTakeFirstOrThrow())
        .status;
    expect(await status()).toBe(ArticleStatus.banned);
    expect((await new WebClient(t.app).get(`/articles/${story.id}`)).statusCode).toBe(404);
    await moderator.browser.get('/admin/reports');
    expect((await moderator.browser.post(`/admin/reports/${story.id}`, { action: 'restore' })).statusCode).toBe(303);
    expect(await status()).toBe(ArticleStatus.approved);
    await moderator.browser.get('/admin/reports');
    expect((await moderator.browser.post(`/admin/reports/${story.id}`, { action: 'dismiss' })).statusCode).toBe(303);
    expect((await moderator.browser.get('/admin/reports')).body).not.toContain('Reported one');
    expect(await status()).toBe(ArticleStatus.approved);
  });

  it('decides many pending articles at once; one that moved meanwhile is reported, not lost', async () => {
    const channel = await newChannel(t.platform);
    const author = await mpAuthor(t);
    const pending = await Promise.all(
      [1, 2, 3].map((n) =>
        newArticle(t.platform, {
          user_id: author.id,
          channel_id: channel.id,
          title: `Bulk ${n}`,
          status: ArticleStatus.pending,
          published_at: null,
        }),
      ),
    );
    const moderator = await staff('moderator');
    const queue = await moderator.browser.get('/admin/review');
    for (const a of pending) expect(queue.body).toMatch(new RegExp(`name="targets"\\s+value="${a.id}"`));
    // Without a reason, a bulk rejection writes nothing.
    const bare = await moderator.browser.post('/admin/review/bulk', {
      targets: pending.map((a) => String(a.id)),
      decision: 'reject',
    });
    expect(bare.statusCode).toBe(400);
    expect(bare.body).toContain('reason');
    // One of them is banned by someone else first (a banned article cannot be rejected).
    await t.services.moderation.decide(moderator.id, pending[2]!.id, 'ban', undefined);
    await moderator.browser.get('/admin/review');
    const done = await moderator.browser.post('/admin/review/bulk', {
      targets: pending.map((a) => String(a.id)),
      decision: 'reject',
      reason: '批量驳回：标题不规范',
      status: '1',
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/admin/review?status=1&done=bulk&ok=2&skipped=1');
    expect((await moderator.browser.get(done.headers.location as string)).body).toContain('已处理 2 篇；1 篇状态已变');
    const statuses = await t.platform.db
      .selectFrom('articles')
      .select(['id', 'status', 'reject_reason'])
      .where(
        'id',
        'in',
        pending.map((a) => a.id),
      )
      .orderBy('title')
      .execute();
    expect(statuses.map((a) => a.status)).toEqual([
      ArticleStatus.rejected,
      ArticleStatus.rejected,
      ArticleStatus.banned,
    ]);

    // The API does the same, with a result per article.
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1_0/articles/decisions',
      headers: bearer(author.app),
      payload: { targets: [String(pending[0]!.id)], decision: 'approve' },
    });
    expect(res.statusCode).toBe(403);
    const apiModerator = await account(t, 'app', { role: 'moderator' });
    const api = await t.app.inject({
      method: 'POST',
      url: '/admin/v1_0/articles/decisions',
      headers: bearer(apiModerator.token),
      payload: { targets: [String(pending[0]!.id), '999999999'], decision: 'approve' },
    });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json().data.results.map((r: { ok: boolean; status: number | null }) => [r.ok, r.status])).toEqual([
      [true, ArticleStatus.approved],
      [false, null],
    ]);
    expect(api.json().data.results[1].message).toMatch(/not exist/i);
  });
});
