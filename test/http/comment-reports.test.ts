/**
 * Readers' reports of comments (POST /app/v1_0/comment/reports, once per reader and comment) and
 * the staff's comment tools in the admin API: search, reported comments grouped with their
 * reasons (never who reported), delete, dismiss, close and open comments on an article; roles
 * and audit entries, on every dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { account, bearer, type Account } from '../mp/helpers.js';

let t: TestApp;
let channelId: bigint;
let writer: Account;
let readerA: Account;
let readerB: Account;
let moderator: Account;
let admin: Account;

beforeAll(async () => {
  t = await buildTestApp();
  channelId = (await newChannel(t.platform)).id;
  writer = await account(t, 'app');
  readerA = await account(t, 'app');
  readerB = await account(t, 'app');
  moderator = await account(t, 'app', { role: 'moderator' });
  admin = await account(t, 'app', { role: 'admin' });
});
afterAll(async () => {
  await t?.close();
});

async function article(title = `Article ${Math.random()}`) {
  return (await newArticle(t.platform, { user_id: writer.id, channel_id: channelId, title })).id;
}

async function comment(who: Account, articleId: bigint, content: string, parent?: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/comments',
    headers: bearer(who.token),
    payload:
      parent === undefined
        ? { target: String(articleId), content, art_id: null }
        : { target: parent, content, art_id: String(articleId) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return String(parseBody(res.body).data.com_id);
}

const report = (who: Account, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/app/v1_0/comment/reports', headers: bearer(who.token), payload });

const api = (who: Account, method: 'GET' | 'DELETE' | 'PUT', url: string, payload?: Record<string, unknown>) =>
  t.app.inject({ method, url, headers: bearer(who.token), ...(payload ? { payload } : {}) });

async function search(who: Account, query: string) {
  const res = await api(who, 'GET', `/admin/v1_0/comments?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  const data = parseBody(res.body).data;
  return {
    ids: data.results.map((c: { com_id: unknown }) => String(c.com_id)) as string[],
    results: data.results as Record<string, unknown>[],
    next: data.next === null ? null : String(data.next),
  };
}

async function auditOf(targetId: string) {
  return t.platform.db
    .selectFrom('audit_log')
    .select(['actor_id', 'action', 'target_type', 'before_json', 'after_json'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
}

describe(`comment reports and the staff's comment tools (db=${testDb}, redis=${testRedis})`, () => {
  it('takes one report per reader and comment; a second is a 409, bad input a 400 naming the field', async () => {
    const a = await article();
    const c = await comment(readerA, a, 'spam spam spam');
    const first = await report(readerB, { target: c, type: 5 });
    expect(first.statusCode, first.body).toBe(201);
    expect(String(parseBody(first.body).data.target)).toBe(c);
    expect((await report(readerB, { target: c, type: 1 })).statusCode).toBe(409);
    expect((await report(readerA, { target: c, type: 0, remark: 'off topic' })).statusCode).toBe(201);

    const badType = await report(readerB, { target: c, type: 9 });
    expect(badType.statusCode).toBe(400);
    expect(badType.body).toContain('type');
    const unknown = await report(readerB, { target: '12345', type: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(parseBody(unknown.body).message).toHaveProperty('target');
    expect(
      (await t.app.inject({ method: 'POST', url: '/app/v1_0/comment/reports', payload: { target: c, type: 1 } }))
        .statusCode,
    ).toBe(401);
  });

  it('searches by text, article and author, newest first, keyset paged; staff only', async () => {
    const a = await article('Searched article');
    const other = await article();
    const marker = `needle${Date.now()}`;
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await comment(readerA, a, `${marker} number ${i}`));
    const theirs = await comment(readerB, a, `${marker} from B`);
    const elsewhere = await comment(readerA, other, `${marker} elsewhere`);
    const reply = await comment(readerB, a, `${marker} a reply`, mine[0]);

    const byText = await search(moderator, `q=${marker}`);
    expect(byText.ids).toEqual([reply, elsewhere, theirs, mine[2], mine[1], mine[0]]);
    expect(byText.results[0]).toMatchObject({ art_title: 'Searched article', content: `${marker} a reply` });

    expect((await search(moderator, `q=${marker}&article_id=${a}`)).ids).toEqual([
      reply,
      theirs,
      mine[2],
      mine[1],
      mine[0],
    ]);
    expect((await search(admin, `article_id=${a}&user_id=${readerA.id}`)).ids).toEqual([mine[2], mine[1], mine[0]]);

    const first = await search(moderator, `q=${marker}&per_page=4`);
    expect(first.ids).toHaveLength(4);
    expect(first.next).toBe(first.ids[3]);
    const second = await search(moderator, `q=${marker}&per_page=4&before=${first.next}`);
    expect(second.ids).toEqual([mine[1], mine[0]]);
    expect(second.next).toBeNull();

    // LIKE's wildcards are text, not patterns.
    expect((await search(moderator, 'q=%25%25%25&user_id=1')).ids).toEqual([]);
    expect((await api(readerA, 'GET', `/admin/v1_0/comments?q=${marker}`)).statusCode).toBe(403);
    const bad = await api(moderator, 'GET', '/admin/v1_0/comments?article_id=abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('article_id');
  });

  it('groups reported comments with counts and reasons, never who reported; dismiss removes the reports', async () => {
    const a = await article('Reported article');
    const c = await comment(readerA, a, 'reported text');
    expect((await report(readerB, { target: c, type: 2 })).statusCode).toBe(201);
    expect((await report(moderator, { target: c, type: 0, remark: '  rude  ' })).statusCode).toBe(201);
    expect((await report(admin, { target: c, type: 2, remark: 'not kept' })).statusCode).toBe(201);

    const groups = await api(moderator, 'GET', '/admin/v1_0/comments/reports?per_page=100');
    expect(groups.statusCode, groups.body).toBe(200);
    const group = parseBody(groups.body).data.results.find((g: { com_id: unknown }) => String(g.com_id) === c);
    expect(group).toMatchObject({
      art_title: 'Reported article',
      content: 'reported text',
      report_count: 3,
      types: { '0': 1, '2': 2 },
      remarks: ['rude'],
    });
    for (const who of [readerB, moderator, admin]) expect(groups.body).not.toContain(String(who.id));
    expect((await search(moderator, `article_id=${a}`)).results[0]).toMatchObject({ report_count: 3 });

    expect((await api(readerB, 'DELETE', `/admin/v1_0/comments/${c}/reports`)).statusCode).toBe(403);
    const dismissed = await api(moderator, 'DELETE', `/admin/v1_0/comments/${c}/reports`);
    expect(dismissed.statusCode, dismissed.body).toBe(200);
    expect(parseBody(dismissed.body).data.dismissed).toBe(3);
    expect((await search(moderator, `article_id=${a}`)).results[0]).toMatchObject({ report_count: 0 });
    // The comment stays for readers.
    const list = await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${a}` });
    expect(parseBody(list.body).data.total_count).toBe(1);
    const log = await auditOf(c);
    expect(log.map((e) => e.action)).toEqual(['comment.dismiss-reports']);
    expect(String(log[0]!.actor_id)).toBe(String(moderator.id));
    // Nothing left to dismiss: nothing logged.
    await api(moderator, 'DELETE', `/admin/v1_0/comments/${c}/reports`);
    expect(await auditOf(c)).toHaveLength(1);
  });

  it('deletes a comment with its replies and reports, through the comments service, audited', async () => {
    const a = await article();
    const c = await comment(readerA, a, 'to be deleted');
    await comment(readerB, a, 'a reply to it', c);
    const kept = await comment(readerB, a, 'stays');
    expect((await report(readerB, { target: c, type: 1 })).statusCode).toBe(201);

    expect((await api(readerA, 'DELETE', `/admin/v1_0/comments/${c}`)).statusCode).toBe(403);
    const res = await api(moderator, 'DELETE', `/admin/v1_0/comments/${c}`);
    expect(res.statusCode, res.body).toBe(204);
    const list = parseBody((await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${a}` })).body).data;
    expect(list.results.map((r: { com_id: unknown }) => String(r.com_id))).toEqual([kept]);
    const stored = await t.platform.db
      .selectFrom('articles')
      .select('comment_count')
      .where('id', '=', a)
      .executeTakeFirstOrThrow();
    expect(Number(stored.comment_count)).toBe(1);
    const reports = await t.platform.db
      .selectFrom('comment_reports')
      .select('user_id')
      .where('comment_id', '=', BigInt(c))
      .execute();
    expect(reports).toEqual([]);
    const log = await auditOf(c);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'comment.delete', target_type: 'comment' });
    expect(JSON.parse(log[0]!.after_json!)).toEqual({ status: 'deleted', replies: 1 });

    // Again: nothing changes, nothing logged; unknown: 404.
    expect((await api(moderator, 'DELETE', `/admin/v1_0/comments/${c}`)).statusCode).toBe(204);
    expect(await auditOf(c)).toHaveLength(1);
    expect((await api(moderator, 'DELETE', '/admin/v1_0/comments/987654321')).statusCode).toBe(404);
  });

  it('closes and opens comments on any article for staff; readers then cannot comment', async () => {
    const a = await article();
    expect(
      (await api(readerA, 'PUT', `/admin/v1_0/articles/${a}/comment-status`, { allow_comment: false })).statusCode,
    ).toBe(403);
    const closed = await api(moderator, 'PUT', `/admin/v1_0/articles/${a}/comment-status`, { allow_comment: false });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(parseBody(closed.body).data.allow_comment).toBe(false);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comments',
      headers: bearer(readerA.token),
      payload: { target: String(a), content: 'hi', art_id: null },
    });
    expect(refused.statusCode).toBe(403);
    expect(parseBody(refused.body).code).toBe('comments_closed');

    expect(
      (await api(admin, 'PUT', `/admin/v1_0/articles/${a}/comment-status`, { allow_comment: true })).statusCode,
    ).toBe(200);
    await comment(readerA, a, 'open again');
    expect((await auditOf(String(a))).map((e) => e.action)).toEqual([
      'article.comments-close',
      'article.comments-open',
    ]);

    const bad = await api(admin, 'PUT', `/admin/v1_0/articles/${a}/comment-status`, { allow_comment: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('allow_comment');
    expect(
      (await api(admin, 'PUT', '/admin/v1_0/articles/987654321/comment-status', { allow_comment: false })).statusCode,
    ).toBe(404);
  });

  it('documents the endpoints in OpenAPI', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    if (res.statusCode !== 200) return;
    const paths = Object.keys(parseBody(res.body).paths);
    for (const path of [
      '/app/v1_0/comment/reports',
      '/admin/v1_0/comments',
      '/admin/v1_0/comments/reports',
      '/admin/v1_0/comments/{target}',
      '/admin/v1_0/comments/{target}/reports',
      '/admin/v1_0/articles/{target}/comment-status',
    ])
      expect(paths).toContain(path);
  });
});
