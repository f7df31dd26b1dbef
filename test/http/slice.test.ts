import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';

let t: TestApp;
let channelA: Awaited<ReturnType<typeof newChannel>>;
let channelB: Awaited<ReturnType<typeof newChannel>>;
let author: Awaited<ReturnType<typeof newUser>>;
const base = Date.UTC(2026, 0, 1, 12);
const articleIds: bigint[] = [];

describe(`vertical slice (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    const p = t.platform;
    channelA = await newChannel(p, { id: 1n, name: 'html', sequence: 2 });
    channelB = await newChannel(p, { id: 2n, name: '开发者资讯', sequence: 1 });
    await newChannel(p, { id: 3n, name: 'hidden', is_visible: 0 });
    author = await newUser(p, { name: '作者一号' });
    // 25 approved articles in A, one minute apart, newest last.
    for (let i = 0; i < 25; i++) {
      const a = await newArticle(p, {
        user_id: author.id,
        channel_id: channelA.id,
        title: `HTML article ${i}`,
        published_at: base + i * 60_000,
        cover_type: i % 3 === 0 ? 3 : i % 3 === 1 ? 1 : 0,
        cover_images:
          i % 3 === 0
            ? ['covers/a.png', 'covers/b.png', 'covers/c.png']
            : i % 3 === 1
              ? ['https://img.example/x.jpg']
              : [],
      });
      articleIds.push(a.id);
    }
    // Three articles share one millisecond, straddling a page boundary.
    for (let i = 0; i < 3; i++) {
      await newArticle(p, { user_id: author.id, channel_id: channelB.id, published_at: base });
    }
    for (let i = 0; i < 9; i++) {
      await newArticle(p, { user_id: author.id, channel_id: channelB.id, published_at: base + (i + 1) * 1000 });
    }
    await newArticle(p, { user_id: author.id, channel_id: channelA.id, status: ArticleStatus.draft, title: 'draft' });
    await newArticle(p, {
      user_id: author.id,
      channel_id: channelA.id,
      title: 'deleted',
      published_at: base,
      deleted_at: base,
    });
    await newArticle(p, {
      user_id: author.id,
      channel_id: channelA.id,
      title: 'pinned',
      published_at: base - 86_400_000,
      is_top: 1,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists visible channels ordered by sequence (A31)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/app/v1_0/channels' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.json()).toEqual({
      message: 'OK',
      data: {
        channels: [
          { id: 2, name: '开发者资讯' },
          { id: 1, name: 'html' },
        ],
      },
    });
  });

  it('pages the feed by timestamp without repeats or gaps, pins on the first page only (A32)', async () => {
    const seen: string[] = [];
    let timestamp = Date.now();
    let pages = 0;
    let pinnedSeen = 0;
    for (;;) {
      const res = await t.app.inject({ url: `/app/v1_1/articles?channel_id=1&timestamp=${timestamp}&with_top=1` });
      expect(res.statusCode).toBe(200);
      const { data } = parseBody(res.body);
      if (data.results.length === 0) break;
      pages++;
      for (const card of data.results) {
        if (card.is_top === 1) pinnedSeen++;
        else seen.push(String(card.art_id));
      }
      timestamp = data.pre_timestamp;
    }
    expect(pinnedSeen).toBe(1);
    expect(pages).toBe(3);
    expect(seen).toEqual(articleIds.map(String).reverse());
  });

  it('keeps same-millisecond articles on one page so none is skipped', async () => {
    const ids = new Set<string>();
    let timestamp = Date.now();
    for (let guard = 0; guard < 5; guard++) {
      const { data } = parseBody(
        (await t.app.inject({ url: `/app/v1_1/articles?channel_id=2&timestamp=${timestamp}&with_top=0` })).body,
      );
      if (data.results.length === 0) break;
      for (const card of data.results) ids.add(String(card.art_id));
      timestamp = data.pre_timestamp;
    }
    expect(ids.size).toBe(12);
  });

  it('renders ArticleCard exactly, with absolute cover URLs and a never-null cover', async () => {
    const res = await t.app.inject({ url: `/app/v1_1/articles?channel_id=1&timestamp=${Date.now()}&with_top=0` });
    const card = res.json().data.results[0];
    expect(Object.keys(card).sort()).toEqual(
      [
        'art_id',
        'aut_id',
        'aut_name',
        'aut_photo',
        'ch_id',
        'collect_count',
        'comm_count',
        'cover',
        'is_top',
        'like_count',
        'pubdate',
        'title',
      ].sort(),
    );
    expect(card.title).toBe('HTML article 24');
    expect(card.cover).toEqual({
      type: 3,
      images: [
        'http://inkstone.test/media/covers/a.png',
        'http://inkstone.test/media/covers/b.png',
        'http://inkstone.test/media/covers/c.png',
      ],
    });
    expect(card.pubdate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    // Asia/Shanghai is UTC+8: 12:24 UTC.
    expect(card.pubdate).toBe('2026-01-01T20:24:00');
    expect(card.aut_photo).toBe('http://inkstone.test/assets/default-avatar.svg');
    expect(res.json().data.results[1].cover).toEqual({ type: 0, images: [] });
    expect(res.json().data.results[2].cover).toEqual({ type: 1, images: ['https://img.example/x.jpg'] });
  });

  it('channel 0 spans every channel', async () => {
    const res = await t.app.inject({ url: `/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1` });
    const channels = new Set(res.json().data.results.map((c: { ch_id: number }) => c.ch_id));
    expect(res.json().data.results).toHaveLength(10);
    expect(channels.has(1)).toBe(true);
  });

  it('rejects bad feed input with a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/app/v1_1/articles?channel_id=1&with_top=1', 'timestamp'],
      ['/app/v1_1/articles?channel_id=1&timestamp=abc&with_top=1', 'timestamp'],
      ['/app/v1_1/articles?channel_id=999&timestamp=1&with_top=1', 'channel_id'],
      ['/app/v1_1/articles?channel_id=3&timestamp=1&with_top=1', 'channel_id'],
      ['/app/v1_1/articles?channel_id=x&timestamp=1&with_top=1', 'channel_id'],
      ['/app/v1_1/articles?channel_id=1&timestamp=1&with_top=maybe', 'with_top'],
      ['/app/v1_1/articles?channel_id=1&timestamp=-5&with_top=1', 'timestamp'],
      ['/app/v1_1/articles?channel_id=1&timestamp=&with_top=1', 'timestamp'],
    ];
    for (const [url, field] of cases) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(Object.keys(res.json().message), url).toContain(field);
    }
  });

  it('returns article detail in the contract shape (A34)', async () => {
    const id = articleIds[3]!;
    const res = await t.app.inject({ url: `/app/v1_0/articles/${id}` });
    expect(res.statusCode).toBe(200);
    const data = parseBody(res.body).data;
    expect(data).toMatchObject({
      title: 'HTML article 3',
      aut_name: '作者一号',
      is_followed: false,
      attitude: -1,
      is_collected: false,
      content: '<p>Body</p>',
      ch_id: 1,
    });
    expect(String(data.art_id)).toBe(String(id));
    expect(data.recomments.length).toBeGreaterThan(0);
    expect(data.recomments.every((r: { art_id: unknown }) => String(r.art_id) !== String(id))).toBe(true);
  });

  it('writes 19-digit ids exactly and accepts them back', async () => {
    const id = 9_123_456_789_012_345_678n;
    await newArticle(t.platform, { id, user_id: author.id, channel_id: channelA.id, published_at: base - 1 });
    const res = await t.app.inject({ url: `/app/v1_0/articles/${id}` });
    // Raw text: the id must be an unquoted integer with every digit (json-bigint on the client).
    expect(res.body).toContain(`"art_id":${id.toString()},`);
  });

  it('answers 404 for unknown, draft and deleted articles and 400 for a malformed id', async () => {
    expect((await t.app.inject({ url: '/app/v1_0/articles/1234567890123456789' })).statusCode).toBe(404);
    const draft = await t.platform.db
      .selectFrom('articles')
      .select('id')
      .where('title', '=', 'draft')
      .executeTakeFirstOrThrow();
    const res = await t.app.inject({ url: `/app/v1_0/articles/${draft.id}` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ message: 'The article does not exist.', code: 'not_found' });
    const deleted = await t.platform.db
      .selectFrom('articles')
      .select('id')
      .where('title', '=', 'deleted')
      .executeTakeFirstOrThrow();
    expect((await t.app.inject({ url: `/app/v1_0/articles/${deleted.id}` })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/app/v1_0/articles/abc' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/app/v1_0/articles/0' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/app/v1_0/articles/99999999999999999999' })).statusCode).toBe(400);
  });
});
