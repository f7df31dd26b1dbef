/**
 * The console's comments section over HTTP on every dialect: search with the filters in the URL
 * and a keyset "more" link, the reported comments grouped with their reasons (never the
 * reporter), delete, dismiss, close and open an article's comments; CSRF, roles and audit entries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { account, bearer, type Account } from '../mp/helpers.js';
import { unescapeHtml, signedInAs } from '../helpers/web-client.js';

let t: TestApp;
let channelId: bigint;
let writer: Account;
let reader: Account;

beforeAll(async () => {
  t = await buildTestApp();
  channelId = (await newChannel(t.platform)).id;
  writer = await account(t, 'app');
  reader = await account(t, 'app', { name: 'Reporter Rita' });
});
afterAll(async () => {
  await t?.close();
});

const staff = (role: 'moderator' | 'admin' | 'user') => signedInAs(t, role);

async function comment(articleId: bigint, content: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/comments',
    headers: bearer(writer.token),
    payload: { target: String(articleId), content, art_id: null },
  });
  expect(res.statusCode, res.body).toBe(201);
  return String(parseBody(res.body).data.com_id);
}

const actions = async (id: string) =>
  (
    await t.platform.db.selectFrom('audit_log').select('action').where('target_id', '=', id).orderBy('id').execute()
  ).map((row) => row.action);

describe(`console: comments (db=${testDb}, redis=${testRedis})`, () => {
  it('is for staff: readers get a 403 page', async () => {
    const plain = await staff('user');
    expect((await plain.browser.get('/admin/comments')).statusCode).toBe(403);
    const moderator = await staff('moderator');
    const page = await moderator.browser.get('/admin/comments');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('aria-current="page"');
  });

  it('searches by text, article and author with the filters in the URL, newest first, with a more link', async () => {
    const article = await newArticle(t.platform, { user_id: writer.id, channel_id: channelId, title: 'Tea & <cakes>' });
    const marker = `console${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) ids.push(await comment(article.id, `${marker} #${i} <b>bold</b>`));
    const { browser } = await staff('moderator');

    const first = await browser.get(`/admin/comments?q=${marker}&article=${article.id}&author=`);
    expect(first.statusCode).toBe(200);
    // Newest first, escaped, with the article's review page and reader page, and the author.
    expect(first.body.indexOf(`${marker} #21`)).toBeLessThan(first.body.indexOf(`${marker} #20`));
    expect(first.body).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(first.body).toContain(`href="/admin/review/${article.id}"`);
    expect(first.body).toContain(`href="/articles/${article.id}"`);
    expect(first.body).toContain('Tea &amp; &lt;cakes&gt;');
    expect(first.body).toContain(`href="/admin/users/${writer.id}"`);
    expect(first.body).not.toContain(`${marker} #1 `);
    const more = unescapeHtml(/<a class="more" rel="next" href="([^"]+)"/.exec(first.body)![1]!);
    expect(more).toBe(`/admin/comments?q=${marker}&article=${article.id}&before=${ids[2]}`);
    const second = await browser.get(more);
    expect(second.body).toContain(`${marker} #1 `);
    expect(second.body).toContain(`${marker} #0 `);
    expect(second.body).not.toContain('rel="next"');

    const byAuthor = await browser.get(`/admin/comments?author=${writer.id}&q=${marker}%20%2321`);
    expect(byAuthor.body).toContain(`${marker} #21`);
    expect(byAuthor.body).not.toContain(`${marker} #20`);
    const none = await browser.get(`/admin/comments?author=${reader.id}&q=${marker}`);
    expect(none.body).toContain('没有符合条件的评论');
    expect((await browser.get('/admin/comments?article=abc')).statusCode).toBe(400);
  });

  it('groups reported comments with counts and reasons, never the reporter; delete and dismiss', async () => {
    const article = await newArticle(t.platform, { user_id: writer.id, channel_id: channelId });
    const bad = await comment(article.id, 'buy cheap watches');
    const fine = await comment(article.id, 'a fair point');
    for (const [target, type, remark] of [
      [bad, 5, undefined],
      [fine, 0, 'I disagree'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/app/v1_0/comment/reports',
        headers: bearer(reader.token),
        payload: { target, type, ...(remark ? { remark } : {}) },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const { browser, id: moderatorId } = await staff('moderator');
    const reported = await browser.get('/admin/comments?reported=1');
    expect(reported.statusCode).toBe(200);
    expect(reported.body).toContain('buy cheap watches');
    expect(reported.body).toContain('广告软文 × 1');
    expect(reported.body).toContain('其他问题 × 1');
    expect(reported.body).toContain('I disagree');
    expect(reported.body).not.toContain('Reporter Rita');
    expect(reported.body).not.toContain(String(reader.id));
    // The search marks it as reported too.
    expect((await browser.get(`/admin/comments?article=${article.id}`)).body).toContain('1 次举报');

    // Without the page's token, nothing happens.
    expect(
      (await browser.post(`/admin/comments/${bad}/delete`, { back: '/admin/comments?reported=1' }, 'x')).statusCode,
    ).toBe(403);
    const deleted = await browser.post(`/admin/comments/${bad}/delete`, { back: '/admin/comments?reported=1' });
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/admin/comments?reported=1&done=delete');
    const dismissed = await browser.post(`/admin/comments/${fine}/dismiss`, { back: '/admin/comments?reported=1' });
    expect(dismissed.headers.location).toBe('/admin/comments?reported=1&done=dismiss');
    const after = await browser.get('/admin/comments?reported=1&done=dismiss');
    expect(after.body).not.toContain('buy cheap watches');
    expect(after.body).not.toContain('a fair point');
    expect(after.body).toContain('举报已驳回');

    const list = parseBody((await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${article.id}` })).body).data;
    expect(list.results.map((c: { content: string }) => c.content)).toEqual(['a fair point']);
    expect(await actions(bad)).toEqual(['comment.delete']);
    expect(await actions(fine)).toEqual(['comment.dismiss-reports']);
    const entry = await t.platform.db
      .selectFrom('audit_log')
      .select('actor_id')
      .where('target_id', '=', bad)
      .executeTakeFirstOrThrow();
    expect(String(entry.actor_id)).toBe(String(moderatorId));
    // Only this section's list is a place to come back to.
    expect((await browser.post(`/admin/comments/${fine}/dismiss`, { back: 'https://evil.example/' })).statusCode).toBe(
      400,
    );
  });

  it('closes and opens comments on an article', async () => {
    const article = await newArticle(t.platform, { user_id: writer.id, channel_id: channelId });
    await comment(article.id, 'first!');
    const { browser } = await staff('admin');
    const page = await browser.get(`/admin/comments?article=${article.id}`);
    expect(page.body).toContain(`action="/admin/articles/${article.id}/comments"`);
    const back = `/admin/comments?article=${article.id}`;
    const closed = await browser.post(`/admin/articles/${article.id}/comments`, { allow: '0', back });
    expect(closed.headers.location).toBe(`${back}&done=close`);
    const shown = await browser.get(`${back}&done=close`);
    expect(shown.body).toContain('评论已关闭');
    expect(shown.body).toContain('开启该文章评论');
    const refused = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comments',
      headers: bearer(reader.token),
      payload: { target: String(article.id), content: 'hello?', art_id: null },
    });
    expect(refused.statusCode).toBe(403);
    await browser.post(`/admin/articles/${article.id}/comments`, { allow: '1', back });
    await comment(article.id, 'open again');
    expect(await actions(String(article.id))).toEqual(['article.comments-close', 'article.comments-open']);
  });
});
