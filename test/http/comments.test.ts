import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/platform/events/events.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { randomIp, bearer } from '../helpers/http.js';

let t: TestApp;
let channelId: bigint;
const created: DomainEvents['comment.created'][] = [];

const DEFAULT_AVATAR = 'http://inkstone.test/assets/default-avatar.svg';

interface Account {
  id: bigint;
  name: string;
  token: string;
}

/** A user row from the factory, signed in through the real endpoint with the demo code (MP: verified first). */
async function account(
  kind: 'app' | 'mp' = 'app',
  values: { name?: string; photo?: string | null } = {},
): Promise<Account> {
  const user = await newUser(t.platform, values);
  if (kind === 'mp') await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', user.id).execute();
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: `/${kind}/v1_0/authorizations`,
    payload: { mobile: user.mobile, code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  return { id: user.id, name: user.name, token: res.json().data.token };
}

async function article(authorId: bigint, values: { status?: number; allow_comment?: number } = {}) {
  const row = await newArticle(t.platform, { user_id: authorId, channel_id: channelId, status: values.status });
  if (values.allow_comment !== undefined) {
    await t.platform.db
      .updateTable('articles')
      .set({ allow_comment: values.allow_comment })
      .where('id', '=', row.id)
      .execute();
  }
  return row.id;
}

interface Comment {
  com_id: string;
  aut_id: string | number;
  aut_name: string;
  aut_photo: string;
  like_count: number;
  reply_count: number;
  pubdate: string;
  content: string;
  is_top: number;
  is_liking: boolean | number;
}
interface Page {
  total_count: number;
  end_id: string | null;
  last_id: string | null;
  results: Comment[];
  art_id?: string;
  art_title?: string;
  art_pubdate?: string;
}

const post = (who: Account | null, payload: Record<string, unknown>, prefix = '/app/v1_0') =>
  t.app.inject({ method: 'POST', url: `${prefix}/comments`, headers: who ? bearer(who.token) : {}, payload });

/** A44 as the app sends it: ids as strings, `art_id: null` for a top-level comment. */
async function comment(who: Account, articleId: bigint, content = 'hello'): Promise<string> {
  const res = await post(who, { target: String(articleId), content, art_id: null });
  expect(res.statusCode).toBe(201);
  return String(parseBody(res.body).data.com_id);
}

async function reply(who: Account, articleId: bigint, target: string, content = 'a reply'): Promise<string> {
  const res = await post(who, { target, content, art_id: String(articleId) });
  expect(res.statusCode).toBe(201);
  return String(parseBody(res.body).data.com_id);
}

async function page(query: string, who?: Account, prefix = '/app/v1_0'): Promise<Page> {
  const res = await t.app.inject({ url: `${prefix}/comments?${query}`, headers: who ? bearer(who.token) : {} });
  expect(res.statusCode, res.body).toBe(200);
  const data = parseBody(res.body).data as Page;
  const asString = (v: unknown) => (v === null || v === undefined ? (v as null) : String(v));
  return {
    ...data,
    end_id: asString(data.end_id),
    last_id: asString(data.last_id),
    results: data.results.map((c) => ({ ...c, com_id: String(c.com_id) })),
  };
}

/** Follows last_id the way the app does until a page comes back empty. */
async function readAll(query: string, who?: Account, limit = 10): Promise<{ pages: Page[]; ids: string[] }> {
  const pages: Page[] = [];
  let offset: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const p = await page(`${query}&limit=${limit}${offset === null ? '' : `&offset=${offset}`}`, who);
    pages.push(p);
    if (p.results.length === 0) break;
    offset = p.last_id;
  }
  return { pages, ids: pages.flatMap((p) => p.results.map((c) => c.com_id)) };
}

const desc = (ids: string[]) => [...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0));

async function storedArticle(id: bigint) {
  return t.platform.db.selectFrom('articles').select(['comment_count']).where('id', '=', id).executeTakeFirstOrThrow();
}
async function storedComment(id: string) {
  return t.platform.db
    .selectFrom('comments')
    .select(['like_count', 'reply_count', 'parent_id', 'article_id', 'content', 'status', 'is_top'])
    .where('id', '=', BigInt(id))
    .executeTakeFirstOrThrow();
}

describe(`comments (A43–A46, M21–M27) (db=${testDb}, redis=${testRedis})`, () => {
  let author: Account;
  let reader: Account;
  let other: Account;

  beforeAll(async () => {
    t = await buildTestApp();
    t.platform.events.subscribe('comment.created', (event) => void created.push(event));
    channelId = (await newChannel(t.platform)).id;
    author = await account('mp', { name: '作者' });
    reader = await account('app', { name: '读者' });
    other = await account('app', { name: '路人', photo: 'https://img.example/p.png' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('pages 25 comments the way the app does: pinned first, then newest, no repeats or gaps', async () => {
    const art = await article(author.id);
    const posted: string[] = [];
    for (let i = 0; i < 25; i++) posted.push(await comment(i % 2 ? reader : other, art, `comment ${i}`));
    const pinned = posted[4]!;
    await t.platform.db.updateTable('comments').set({ is_top: 1 }).where('id', '=', BigInt(pinned)).execute();

    const { pages, ids } = await readAll(`type=a&source=${art}`, reader);
    expect(pages.map((p) => p.results.length)).toEqual([10, 10, 5, 0]);
    const unpinned = desc(posted.filter((id) => id !== pinned));
    expect(ids).toEqual([pinned, ...unpinned]);
    expect(new Set(ids).size).toBe(25);
    for (const p of pages) {
      expect(p.total_count).toBe(25);
      expect(p.end_id).toBe(unpinned.at(-1));
    }
    expect(pages[0]!.results[0]!.is_top).toBe(1);
    expect(pages[0]!.results.slice(1).every((c) => c.is_top === 0)).toBe(true);
    expect(pages[0]!.last_id).toBe(pages[0]!.results.at(-1)!.com_id);
    expect(pages[2]!.last_id).toBe(pages[2]!.end_id);
    expect(pages[3]!.last_id).toBeNull();

    // The cursor crosses the pinned/unpinned boundary: after the pinned item come the newest unpinned ones.
    const afterPinned = await page(`type=a&source=${art}&offset=${pinned}`);
    expect(afterPinned.results.map((c) => c.com_id)).toEqual(unpinned.slice(0, 10));
    // Two pinned items, with a page boundary between them.
    await t.platform.db.updateTable('comments').set({ is_top: 1 }).where('id', '=', BigInt(posted[0]!)).execute();
    const twoPinned = await readAll(`type=a&source=${art}`, undefined, 10);
    const rest = unpinned.filter((id) => id !== posted[0]);
    expect(twoPinned.ids).toEqual([pinned, posted[0], ...rest]);
    expect(twoPinned.pages[0]!.end_id).toBe(rest.at(-1));
    const afterFirstPin = await page(`type=a&source=${art}&offset=${pinned}&limit=10`);
    expect(afterFirstPin.results.map((c) => c.com_id)).toEqual([posted[0], ...rest.slice(0, 9)]);
  });

  it('answers the Comment shape; an anonymous read is public and cacheable', async () => {
    const art = await article(author.id);
    const id = await comment(other, art, '第一条评论');
    const res = await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${art}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    const data = parseBody(res.body).data as Page;
    expect(data).toEqual({
      total_count: 1,
      end_id: id,
      last_id: id,
      results: [
        {
          com_id: id,
          aut_id: expect.anything(),
          aut_name: '路人',
          aut_photo: 'https://img.example/p.png',
          like_count: 0,
          reply_count: 0,
          pubdate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
          content: '第一条评论',
          is_top: 0,
          is_liking: false,
        },
      ],
    });
    expect(String(data.results[0]!.aut_id)).toBe(String(other.id));
    // Ids leave as exact JSON integers, never as strings.
    expect(res.body).toContain(`"com_id":${id}`);
    const signedIn = await t.app.inject({
      url: `/app/v1_0/comments?type=a&source=${art}`,
      headers: bearer(reader.token),
    });
    expect(signedIn.headers['cache-control']).toBe('private, no-cache');
  });

  it('returns new_obj on create, with the poster, zero counts and is_liking false (A44)', async () => {
    const art = await article(author.id);
    const res = await post(reader, { target: String(art), content: '  有话说  ', art_id: null });
    expect(res.statusCode).toBe(201);
    const data = parseBody(res.body).data;
    const id = String(data.com_id);
    expect(String(data.target)).toBe(String(art));
    expect(String(data.art_id)).toBe(String(art));
    expect(data.new_obj).toEqual({
      com_id: data.com_id,
      aut_id: expect.anything(),
      aut_name: '读者',
      aut_photo: DEFAULT_AVATAR,
      like_count: 0,
      reply_count: 0,
      pubdate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      content: '  有话说  ',
      is_top: 0,
      is_liking: false,
    });
    expect(String(data.new_obj.aut_id)).toBe(String(reader.id));
    expect((await storedComment(id)).content).toBe('  有话说  ');
    // Ids may arrive as JSON integers too (seed articles have small ids), and art_id may be left out.
    const small = await newArticle(t.platform, {
      id: BigInt(1000 + Math.floor(Math.random() * 1e6)),
      user_id: author.id,
      channel_id: channelId,
    });
    const numeric = await post(reader, { target: Number(small.id), content: 'x' });
    expect(numeric.statusCode).toBe(201);
    expect(parseBody(numeric.body).data.art_id).toBe(Number(small.id));
  });

  it('stores replies under the top-level comment, counts them, and lists them with type=c', async () => {
    const art = await article(author.id);
    const top = await comment(other, art, 'top');
    const r1 = await reply(reader, art, top, 'first reply');
    const r2 = await reply(other, art, r1, '//@读者: reply to a reply');
    expect((await storedComment(r1)).parent_id).toBe(BigInt(top));
    expect((await storedComment(r2)).parent_id).toBe(BigInt(top));

    const replies = await page(`type=c&source=${top}`);
    expect(replies.results.map((c) => c.com_id)).toEqual([r2, r1]);
    expect(replies.total_count).toBe(2);
    expect(replies.end_id).toBe(r1);
    // Counts include what is not flushed yet.
    const comments = await page(`type=a&source=${art}`);
    expect(comments.total_count).toBe(1);
    expect(comments.results.map((c) => [c.com_id, c.reply_count])).toEqual([[top, 2]]);
    // Replies have no replies of their own.
    expect((await page(`type=c&source=${r1}`)).results).toEqual([]);

    await t.services.counters.flush();
    expect((await storedArticle(art)).comment_count).toBe(3);
    expect((await storedComment(top)).reply_count).toBe(2);
  });

  it('refuses closed comments with 403, unknown articles and targets with 400', async () => {
    const closed = await article(author.id, { allow_comment: 0 });
    const res = await post(reader, { target: String(closed), content: 'hi', art_id: null });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ message: 'Article denied comment.', code: 'comments_closed' });

    const draft = await article(author.id, { status: ArticleStatus.draft });
    for (const target of [String(draft), '12345']) {
      const bad = await post(reader, { target, content: 'hi', art_id: null });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
    }

    const art = await article(author.id);
    const elsewhere = await comment(reader, await article(author.id));
    for (const target of ['999999', elsewhere, String(art)]) {
      const bad = await post(reader, { target, content: 'hi', art_id: String(art) });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ message: 'Invalid target comment id.', code: 'bad_request' });
    }
    expect(
      (await t.platform.db.selectFrom('comments').select('id').where('article_id', '=', closed).execute()).length,
    ).toBe(0);
  });

  it('refuses empty, blank and too long content, and asks for a token', async () => {
    const art = await article(author.id);
    for (const content of ['', '   ', '\n\t ']) {
      const res = await post(reader, { target: String(art), content, art_id: null });
      expect(res.statusCode).toBe(400);
      if (content !== '') expect(res.json()).toEqual({ message: 'Empty content.', code: 'bad_request' });
    }
    const long = await post(reader, { target: String(art), content: '长'.repeat(501), art_id: null });
    expect(long.statusCode).toBe(400);
    expect(Object.keys(long.json().message)).toEqual(['content']);
    expect((await post(reader, { target: String(art), content: '长'.repeat(500), art_id: null })).statusCode).toBe(201);
    expect((await post(reader, { target: String(art), content: 'a\u0000b', art_id: null })).statusCode).toBe(400);

    expect((await post(null, { target: String(art), content: 'hi' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'POST', url: '/app/v1_0/comment/likings', payload: { target: '1' } })).statusCode,
    ).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: '/app/v1_0/comment/likings/1' })).statusCode).toBe(401);
    const stale = await t.app.inject({
      url: `/app/v1_0/comments?type=a&source=${art}`,
      headers: bearer('not.a.token'),
    });
    expect(stale.statusCode).toBe(401);
  });

  it('stores a script payload verbatim and returns it as JSON text', async () => {
    const art = await article(author.id);
    const payload = `<script>alert(1)</script><img src=x onerror="alert('x')">&amp;`;
    const id = await comment(reader, art, payload);
    expect((await storedComment(id)).content).toBe(payload);
    const res = await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${art}` });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(parseBody(res.body).data.results[0].content).toBe(payload);
  });

  it('validates type, tolerates any cursor, clamps limit, and lists unknown sources as empty', async () => {
    const art = await article(author.id);
    const posted: string[] = [];
    for (let i = 0; i < 12; i++) posted.push(await comment(reader, art, `c${i}`));

    for (const query of [`type=x&source=${art}`, `source=${art}`]) {
      const res = await t.app.inject({ url: `/app/v1_0/comments?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: { type: 'Invalid type param.' }, code: 'invalid_field' });
    }
    expect((await t.app.inject({ url: '/app/v1_0/comments?type=a' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/app/v1_0/comments?type=a&source=abc' })).statusCode).toBe(400);

    // The apps' unused helpers send page numbers as offsets: an empty page, never a crash.
    for (const offset of ['0', '1', '2']) {
      const p = await page(`type=a&source=${art}&offset=${offset}`);
      expect(p.results).toEqual([]);
      expect(p.last_id).toBeNull();
      expect(p.total_count).toBe(12);
    }
    // A huge unknown cursor (even past the 64-bit range) reads as "after nothing": the unpinned tail.
    for (const offset of ['9223372036854775807', '99999999999999999999', '123456789012345678901234567890']) {
      const p = await page(`type=a&source=${art}&offset=${offset}`);
      expect(p.results.map((c) => c.com_id)).toEqual(desc(posted).slice(0, 10));
    }
    expect((await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${art}&offset=-1` })).statusCode).toBe(400);

    expect((await page(`type=a&source=${art}&limit=1`)).results).toHaveLength(10);
    expect((await page(`type=a&source=${art}&limit=1000`)).results).toHaveLength(12);

    for (const query of [
      'type=a&source=424242',
      'type=c&source=424242',
      `type=a&source=${await article(author.id, { status: ArticleStatus.pending })}`,
    ]) {
      expect(await page(query)).toEqual({ total_count: 0, end_id: null, last_id: null, results: [] });
    }
  });

  it('keeps 50 concurrent comments from one user: 50 rows and comment_count +50', async () => {
    const art = await article(author.id);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(reader, { target: String(art), content: `same ${i % 2}`, art_id: null }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    const rows = await t.platform.db.selectFrom('comments').select('id').where('article_id', '=', art).execute();
    expect(rows).toHaveLength(50);
    expect((await page(`type=a&source=${art}`)).total_count).toBe(50);
    await t.services.counters.flush();
    expect((await storedArticle(art)).comment_count).toBe(50);
    const all = await readAll(`type=a&source=${art}`, undefined, 50);
    expect(new Set(all.ids).size).toBe(50);
  });

  it('likes idempotently: 50 concurrent likes make one row and like_count 1; is_liking per user (A45/A46)', async () => {
    const art = await article(author.id);
    const id = await comment(other, art, 'like me');
    const likes = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.app.inject({
          method: 'POST',
          url: '/app/v1_0/comment/likings',
          headers: bearer(reader.token),
          payload: { target: id },
        }),
      ),
    );
    expect(likes.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    expect(String(parseBody(likes[0]!.body).data.target)).toBe(id);
    const rows = await t.platform.db
      .selectFrom('comment_likes')
      .selectAll()
      .where('comment_id', '=', BigInt(id))
      .execute();
    expect(rows).toHaveLength(1);

    const asReader = (await page(`type=a&source=${art}`, reader)).results[0]!;
    expect([asReader.like_count, asReader.is_liking]).toEqual([1, true]);
    expect((await page(`type=a&source=${art}`, other)).results[0]!.is_liking).toBe(false);
    expect((await page(`type=a&source=${art}`)).results[0]!.is_liking).toBe(false);
    await t.services.counters.flush();
    expect((await storedComment(id)).like_count).toBe(1);

    const unknown = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comment/likings',
      headers: bearer(reader.token),
      payload: { target: '77777' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual({ message: { target: 'Invalid target comment id.' }, code: 'invalid_field' });

    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/app/v1_0/comment/likings/${id}`,
        headers: bearer(reader.token),
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    }
    const after = (await page(`type=a&source=${art}`, reader)).results[0]!;
    expect([after.like_count, after.is_liking]).toEqual([0, false]);
    await t.services.counters.flush();
    expect((await storedComment(id)).like_count).toBe(0);
  });

  it('publishes comment.created for every comment and reply', async () => {
    const art = await article(author.id);
    created.length = 0;
    const top = await comment(reader, art);
    const sub = await reply(other, art, top);
    await t.platform.events.settle();
    expect(created).toEqual([
      {
        actorId: reader.id,
        articleId: art,
        authorId: author.id,
        commentId: BigInt(top),
        parentId: null,
        at: expect.any(Number),
      },
      {
        actorId: other.id,
        articleId: art,
        authorId: author.id,
        commentId: BigInt(sub),
        parentId: BigInt(top),
        at: expect.any(Number),
      },
    ]);
  });

  describe('media platform (M21–M27)', () => {
    const mp = (
      who: Account,
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      payload?: Record<string, unknown>,
    ) => t.app.inject({ method, url: `/mp/v1_0${url}`, headers: bearer(who.token), payload });

    it('closes and opens comments on the author’s approved articles only (M21)', async () => {
      const art = await article(author.id);
      const close = await mp(author, 'PUT', `/comments/status?article_id=${art}`, { allow_comment: false });
      expect(close.statusCode).toBe(201);
      const closed = parseBody(close.body).data;
      expect([String(closed.article_id), closed.allow_comment]).toEqual([String(art), false]);
      expect((await post(reader, { target: String(art), content: 'hi', art_id: null })).statusCode).toBe(403);
      expect((await mp(author, 'PUT', `/comments/status?article_id=${art}`, { allow_comment: true })).statusCode).toBe(
        201,
      );
      expect((await post(reader, { target: String(art), content: 'hi', art_id: null })).statusCode).toBe(201);

      const stranger = await account('mp');
      const res = await mp(stranger, 'PUT', `/comments/status?article_id=${art}`, { allow_comment: false });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid article status.', code: 'bad_request' });
      // An app token is no MP token.
      expect((await mp(reader, 'PUT', `/comments/status?article_id=${art}`, { allow_comment: false })).statusCode).toBe(
        403,
      );
    });

    it('lists with is_liking as 0/1 and the article, for the author only (M22)', async () => {
      const art = await article(author.id);
      const id = await comment(reader, art);
      await mp(author, 'POST', '/comment/likings', { target: id });
      const p = await page(`type=a&source=${art}`, author, '/mp/v1_0');
      expect(p.results.map((c) => [c.com_id, c.is_liking, c.like_count])).toEqual([[id, 1, 1]]);
      expect(String(p.art_id)).toBe(String(art));
      expect(p.art_title).toEqual(expect.any(String));
      expect(p.art_pubdate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      expect((await mp(author, 'DELETE', `/comment/likings/${id}`)).statusCode).toBe(204);
      expect((await page(`type=a&source=${art}`, author, '/mp/v1_0')).results[0]!.is_liking).toBe(0);

      const stranger = await account('mp');
      const res = await mp(stranger, 'GET', `/comments?type=a&source=${art}`);
      expect(res.statusCode).toBe(403);
      expect((await mp(author, 'GET', '/comments?type=a&source=424242')).statusCode).toBe(400);
    });

    it('lets the author reply, pin, and delete with counters moving back (M23–M25)', async () => {
      const art = await article(author.id);
      const a = await comment(reader, art, 'a');
      const b = await comment(other, art, 'b');
      const authorReply = await mp(author, 'POST', '/comments', { target: a, content: 'thanks', art_id: String(art) });
      expect(authorReply.statusCode).toBe(201);
      const r1 = String(parseBody(authorReply.body).data.com_id);
      const r2 = await reply(other, art, a);
      const stranger = await account('mp');
      expect(
        (await mp(stranger, 'POST', '/comments', { target: a, content: 'x', art_id: String(art) })).statusCode,
      ).toBe(403);

      // Pin the older comment: it now leads the list.
      const pin = await mp(author, 'PUT', `/comments/${a}/sticky`, { sticky: true });
      expect(pin.statusCode).toBe(201);
      expect(parseBody(pin.body).data.sticky).toBe(true);
      expect((await page(`type=a&source=${art}`)).results.map((c) => [c.com_id, c.is_top])).toEqual([
        [a, 1],
        [b, 0],
      ]);
      expect((await mp(stranger, 'PUT', `/comments/${a}/sticky`, { sticky: false })).statusCode).toBe(403);

      await t.services.counters.flush();
      expect((await storedArticle(art)).comment_count).toBe(4);

      // Delete a reply: the parent's reply_count and the article's count drop by one.
      expect((await mp(stranger, 'DELETE', `/comments/${r1}`)).statusCode).toBe(403);
      expect((await mp(author, 'DELETE', `/comments/${r1}`)).statusCode).toBe(204);
      expect((await mp(author, 'DELETE', `/comments/${r1}`)).statusCode).toBe(204);
      expect((await page(`type=c&source=${a}`)).results.map((c) => c.com_id)).toEqual([r2]);
      // Delete a comment with a reply: both go, the article drops by two.
      expect((await mp(author, 'DELETE', `/comments/${a}`)).statusCode).toBe(204);
      const left = await page(`type=a&source=${art}`);
      expect(left.results.map((c) => c.com_id)).toEqual([b]);
      expect(left.total_count).toBe(1);
      expect((await page(`type=c&source=${a}`)).total_count).toBe(0);
      expect((await post(reader, { target: r2, content: 'late', art_id: String(art) })).statusCode).toBe(400);

      await t.services.counters.flush();
      expect((await storedArticle(art)).comment_count).toBe(1);
      expect((await storedComment(a)).reply_count).toBe(1);
      expect((await storedComment(r2)).status).toBe(0);
    });
  });
});
