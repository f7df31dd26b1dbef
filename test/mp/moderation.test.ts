import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/platform/events/events.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newChannel } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { pause } from '../helpers/wait.js';
import {
  account,
  artCount,
  bearer,
  buildManualReviewApp,
  reader,
  storedArticle,
  writer,
  type Account,
  type ArticleBody,
} from './helpers.js';

const data = (res: { body: string }) => parseBody(res.body).data;

function moderationClient(t: TestApp) {
  return {
    queue: (who: Account | null, query = '') =>
      t.app.inject({ url: `/admin/v1_0/articles${query ? `?${query}` : ''}`, headers: who ? bearer(who.token) : {} }),
    detail: (who: Account, id: string) =>
      t.app.inject({ url: `/admin/v1_0/articles/${id}`, headers: bearer(who.token) }),
    decide: (who: Account | null, id: string, decision: string, reason?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/admin/v1_0/articles/${id}/decisions`,
        headers: who ? bearer(who.token) : {},
        payload: reason === undefined ? { decision } : { decision, reason },
      }),
  };
}

describe(`moderation, manual review policy (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let w: ReturnType<typeof writer>;
  let r: ReturnType<typeof reader>;
  let m: ReturnType<typeof moderationClient>;
  let channel: bigint;
  let author: Account;
  let moderator: Account;
  let admin: Account;
  let plain: Account;
  const changes: DomainEvents['article.changed'][] = [];
  const body = (values: Partial<ArticleBody> = {}): ArticleBody => ({
    title: 'Waiting for review',
    content: '<p>Clean text</p>',
    cover: { type: 0, images: [] },
    channel_id: String(channel),
    ...values,
  });

  beforeAll(async () => {
    t = await buildManualReviewApp();
    t.platform.events.subscribe('article.changed', (event) => void changes.push(event));
    w = writer(t);
    r = reader(t);
    m = moderationClient(t);
    channel = (await newChannel(t.platform)).id;
    author = await account(t, 'mp', { name: '审核作者' });
    moderator = await account(t, 'app', { role: 'moderator' });
    admin = await account(t, 'mp', { role: 'admin' });
    plain = await account(t, 'app');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is for moderators and admins only: 401 without a token, 403 "Moderator only." for anyone else', async () => {
    const { id } = await w.create(author, body());
    expect((await m.queue(null)).statusCode).toBe(401);
    expect((await m.decide(null, id, 'approve')).statusCode).toBe(401);
    for (const who of [plain, author]) {
      for (const res of [await m.queue(who), await m.detail(who, id), await m.decide(who, id, 'approve')]) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ message: 'Moderator only.', code: 'role_required' });
      }
    }
    expect((await storedArticle(t, id)).status).toBe(ArticleStatus.pending);
    // The role is read on every request: a promotion works at once, a demotion too.
    await t.platform.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', plain.id).execute();
    expect((await m.queue(plain)).statusCode).toBe(200);
    await t.platform.db.updateTable('users').set({ role: 'user' }).where('id', '=', plain.id).execute();
    expect((await m.queue(plain)).statusCode).toBe(403);
    expect((await m.queue(admin)).statusCode).toBe(200);
  });

  it('keeps every submission pending, clean or not', async () => {
    const { id, status } = await w.create(author, body({ title: 'Perfectly clean text' }));
    expect(status).toBe(ArticleStatus.pending);
    expect((await r.detail(id)).statusCode).toBe(404);
    expect(await r.feedIds(channel)).not.toContain(id);
    const edited = await w.put(author, id, body({ title: 'Still perfectly clean' }));
    expect(data(edited).status).toBe(ArticleStatus.pending);
  });

  it('lists the queue oldest first, paged, with flags; other statuses on request', async () => {
    const queueAuthor = await account(t, 'mp');
    const first = (await w.create(queueAuthor, body({ title: 'Queue: first in' }))).id;
    const flagged = (await w.create(queueAuthor, body({ title: 'Queue: 违禁词 inside' }))).id;
    const draft = (await w.create(queueAuthor, body({ title: 'Queue: only a draft' }), true)).id;

    const all = data(await m.queue(moderator, 'per_page=100'));
    const ids = all.results.map((a: { id: unknown }) => String(a.id));
    expect(ids).toContain(first);
    expect(ids).not.toContain(draft);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(flagged));
    expect(all.total_count).toBe(all.results.length);
    const item = all.results.find((a: { id: unknown }) => String(a.id) === flagged);
    expect(item).toMatchObject({
      title: 'Queue: 违禁词 inside',
      aut_id: Number(queueAuthor.id),
      status: 1,
      flags: ['违禁词'],
      reject_reason: null,
    });
    expect(item.created_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const paged = data(await m.queue(moderator, 'per_page=1&page=2'));
    expect(paged.per_page).toBe(1);
    expect(paged.results).toHaveLength(1);
    expect(String(paged.results[0].id)).toBe(ids[1]);
    expect(paged.total_count).toBe(all.total_count);

    const bad = await m.queue(moderator, 'status=0');
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().message)).toEqual(['status']);
  });

  it('walks draft → pending → approved → app feed and detail → comments closed → the app refuses a comment', async () => {
    const readerAccount = await account(t, 'app');
    const before = await artCount(t, author.id);
    const { id } = await w.create(
      author,
      body({ title: 'Walk: first a draft', content: '<p>Body <img src=x onerror=alert(1)></p>' }),
      true,
    );
    expect((await storedArticle(t, id)).status).toBe(ArticleStatus.draft);
    expect(
      data(
        await w.put(
          author,
          id,
          body({ title: 'Walk: now submitted', content: '<p>Body <img src=x onerror=alert(1)></p>' }),
        ),
      ).status,
    ).toBe(ArticleStatus.pending);
    expect(await r.feedIds(channel)).not.toContain(id);
    expect((await r.detail(id)).statusCode).toBe(404);

    const approved = await m.decide(moderator, id, 'approve');
    expect(approved.statusCode, approved.body).toBe(201);
    expect(data(approved)).toMatchObject({
      article_id: id,
      decision: 'approve',
      reason: null,
      from_status: 1,
      status: 2,
    });
    const stored = await storedArticle(t, id);
    expect(stored.status).toBe(ArticleStatus.approved);
    expect(stored.published_at).not.toBeNull();
    expect(await artCount(t, author.id)).toBe(before + 1);

    await t.platform.events.settle();
    expect(changes.filter((e) => String(e.articleId) === id).map((e) => e.visible)).toEqual([false, false, true]);
    expect(await r.feedIds(channel)).toContain(id);
    const detail = await r.detail(id);
    expect(detail.statusCode).toBe(200);
    expect(data(detail)).toMatchObject({ title: 'Walk: now submitted', content: '<p>Body </p>' });
    expect(detail.body).not.toMatch(/onerror|alert/);

    const comment = (content: string) =>
      t.app.inject({
        method: 'POST',
        url: '/app/v1_0/comments',
        headers: bearer(readerAccount.token),
        payload: { target: id, content, art_id: null },
      });
    expect((await comment('allowed')).statusCode).toBe(201);
    const closed = await t.app.inject({
      method: 'PUT',
      url: `/mp/v1_0/comments/status?article_id=${id}`,
      headers: bearer(author.token),
      payload: { allow_comment: false },
    });
    expect(closed.statusCode).toBe(201);
    const refused = await comment('refused');
    expect(refused.statusCode).toBe(403);
  });

  it('rejects with a reason (required), takes approved articles down, and re-approval keeps the first publish time', async () => {
    const { id } = await w.create(author, body({ title: 'Reject me, then not' }));
    const noReason = await m.decide(moderator, id, 'reject');
    expect(noReason.statusCode).toBe(400);
    expect(Object.keys(noReason.json().message)).toEqual(['reason']);
    const blank = await m.decide(moderator, id, 'reject', '   ');
    expect(blank.statusCode).toBe(400);

    const rejected = await m.decide(moderator, id, 'reject', '标题党');
    expect(rejected.statusCode).toBe(201);
    expect(data(rejected)).toMatchObject({ decision: 'reject', reason: '标题党', status: 3 });
    expect(await storedArticle(t, id)).toMatchObject({ status: 3, reject_reason: '标题党', published_at: null });

    const count = await artCount(t, author.id);
    expect(data(await m.decide(admin, id, 'approve')).status).toBe(2);
    const first = (await storedArticle(t, id)).published_at;
    expect(first).not.toBeNull();
    expect((await storedArticle(t, id)).reject_reason).toBeNull();
    expect(await artCount(t, author.id)).toBe(count + 1);

    const takenDown = await m.decide(moderator, id, 'reject', 'copyright complaint');
    expect(takenDown.statusCode).toBe(201);
    expect(await artCount(t, author.id)).toBe(count);
    await t.platform.events.settle();
    expect((await r.detail(id)).statusCode).toBe(404);

    await pause(5); // a re-approval must keep the first time, so let the clock move
    expect((await m.decide(moderator, id, 'approve')).statusCode).toBe(201);
    expect((await storedArticle(t, id)).published_at).toBe(first);
    expect(await artCount(t, author.id)).toBe(count + 1);
  });

  it('bans (status 5): hidden from the app and from the author, who can no longer edit or delete it', async () => {
    const { id } = await w.create(author, body({ title: 'Going to be banned' }));
    await m.decide(moderator, id, 'approve');
    const count = await artCount(t, author.id);
    const banned = await m.decide(moderator, id, 'ban', 'spam');
    expect(banned.statusCode).toBe(201);
    expect(data(banned).status).toBe(ArticleStatus.banned);
    expect(await artCount(t, author.id)).toBe(count - 1);
    await t.platform.events.settle();
    expect((await r.detail(id)).statusCode).toBe(404);
    expect((await w.get(author, id)).statusCode).toBe(404);
    expect((await w.put(author, id, body())).statusCode).toBe(400);
    expect((await w.remove(author, id)).statusCode).toBe(400);
    const listed = data(await w.list(author, 'status=0&status=1&status=2&status=3&status=4&per_page=100'));
    expect(listed.results.map((a: { id: unknown }) => String(a.id))).not.toContain(id);
    expect(
      data(await m.queue(moderator, 'status=5&per_page=100')).results.map((a: { id: unknown }) => String(a.id)),
    ).toContain(id);
  });

  it('answers 409 for a decision the status does not allow, 404 for an unknown article, 400 for a bad decision', async () => {
    const draft = (await w.create(author, body(), true)).id;
    const pending = (await w.create(author, body())).id;
    await m.decide(moderator, pending, 'approve');
    const deleted = (await w.create(author, body(), true)).id;
    await w.remove(author, deleted);
    for (const [id, decision] of [
      [draft, 'approve'],
      [draft, 'reject'],
      [pending, 'approve'],
      [deleted, 'approve'],
      [deleted, 'ban'],
    ] as const) {
      const res = await m.decide(moderator, id, decision, 'reason');
      expect(res.statusCode, `${decision} ${id}`).toBe(409);
      expect(res.json()).toEqual({ message: 'Article status does not allow this decision.', code: 'conflict' });
    }
    expect((await m.decide(moderator, '123456789', 'approve')).statusCode).toBe(404);
    expect((await m.detail(moderator, '123456789')).statusCode).toBe(404);
    const bogus = await m.decide(moderator, pending, 'delete');
    expect(bogus.statusCode).toBe(400);
    expect(Object.keys(bogus.json().message)).toEqual(['decision']);
    const long = await m.decide(moderator, pending, 'reject', 'x'.repeat(256));
    expect(long.statusCode).toBe(400);
  });

  it('refuses (409) to decide on content the moderator has not seen: the version from the detail must still match', async () => {
    const { id } = await w.create(author, body({ title: 'Reviewed version one' }));
    const seen = data(await m.detail(moderator, id)).version;
    expect(typeof seen).toBe('number');
    expect(data(await w.put(author, id, body({ title: 'Sneaky version two' }))).status).toBe(ArticleStatus.pending);
    const stale = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/articles/${id}/decisions`,
      headers: bearer(moderator.token),
      payload: { decision: 'approve', version: seen },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toEqual({
      message: 'The article was changed meanwhile; try again.',
      code: 'version_conflict',
    });
    expect((await storedArticle(t, id)).status).toBe(ArticleStatus.pending);
    const fresh = data(await m.detail(moderator, id));
    expect(fresh.title).toBe('Sneaky version two');
    const ok = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/articles/${id}/decisions`,
      headers: bearer(moderator.token),
      payload: { decision: 'approve', version: fresh.version },
    });
    expect(ok.statusCode).toBe(201);
  });

  it('records every decision with who and when; the detail shows content, flags and the history', async () => {
    const { id } = await w.create(author, body({ title: 'History: 敏感词', content: '<p>text</p>' }));
    await m.decide(moderator, id, 'reject', 'first look');
    await m.decide(admin, id, 'approve');
    await m.decide(moderator, id, 'ban');
    const rows = await t.platform.db
      .selectFrom('moderation_decisions')
      .selectAll()
      .where('article_id', '=', BigInt(id))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    expect(rows.map((d) => [d.moderator_id, d.decision, d.reason, d.from_status, d.to_status])).toEqual([
      [moderator.id, 'reject', 'first look', 1, 3],
      [admin.id, 'approve', null, 3, 2],
      [moderator.id, 'ban', null, 2, 5],
    ]);
    for (const row of rows) expect(row.created_at).toBeGreaterThan(Date.now() - 60_000);

    const detail = await m.detail(moderator, id);
    expect(detail.statusCode).toBe(200);
    const view = data(detail);
    expect(view).toMatchObject({
      id,
      title: 'History: 敏感词',
      content: '<p>text</p>',
      status: 5,
      flags: ['敏感词'],
      price: 0,
      aut_name: '审核作者',
    });
    expect(view.decisions.map((d: { decision: string; moderator_name: string | null }) => d.decision)).toEqual([
      'ban',
      'approve',
      'reject',
    ]);
    expect(view.decisions[1].moderator_id).toBe(Number(admin.id));
  });
});

describe(`moderation, auto review policy (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('holds an article with a sensitive word; a moderator approves it and the app shows it', async () => {
    const w = writer(t);
    const r = reader(t);
    const m = moderationClient(t);
    const channel = (await newChannel(t.platform)).id;
    const author = await account(t, 'mp');
    const moderator = await account(t, 'app', { role: 'moderator' });

    const clean = await w.create(author, {
      title: 'Nothing to see',
      content: '<p>ok</p>',
      channel_id: String(channel),
    });
    expect(clean.status).toBe(ArticleStatus.approved);
    const { id, status } = await w.create(author, {
      title: 'Buy 代开发票 now',
      content: '<p>text</p>',
      channel_id: String(channel),
    });
    expect(status).toBe(ArticleStatus.pending);
    const queue = data(await m.queue(moderator));
    expect(queue.results.map((a: { id: unknown }) => String(a.id))).toEqual([id]);
    expect(queue.results[0].flags).toEqual(['代开发票']);

    expect((await m.decide(moderator, id, 'approve')).statusCode).toBe(201);
    await t.platform.events.settle();
    expect(await r.feedIds(channel)).toEqual(expect.arrayContaining([id, clean.id]));
    expect((await r.detail(id)).statusCode).toBe(200);
    expect(await artCount(t, author.id)).toBe(2);
    const history = await t.platform.db
      .selectFrom('moderation_decisions')
      .select(['article_id', 'moderator_id'])
      .where('article_id', 'in', [BigInt(id), BigInt(clean.id)])
      .execute();
    expect(history.map((h) => [String(h.article_id), h.moderator_id]).sort()).toEqual(
      [
        [clean.id, null],
        [id, moderator.id],
      ].sort(),
    );
  });
});
