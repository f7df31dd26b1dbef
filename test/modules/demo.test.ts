import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { DEMO_CHANNELS, channelWords } from '../../src/modules/demo/demo-channels.js';
import {
  DemoDataExistsError,
  isDatabaseEmpty,
  seedDemoData,
  type SeedCounts,
} from '../../src/modules/demo/demo-seed.js';
import { crc32, crc32Portable, encodePng } from '../../src/modules/demo/png.js';
import { buildTestApp, testDb, type TestApp } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { bearer, randomIp } from '../helpers/http.js';

const PER_CHANNEL = 30;
const DAY = 86_400_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let t: TestApp;
let emptyBefore: boolean;
let counts: SeedCounts;
let seededAt: number;
let seedMs: number;

const mediaPrefix = () => `${t.config.publicUrl}/media/`;

async function fetchImage(url: string) {
  expect(url.startsWith(mediaPrefix()), url).toBe(true);
  const res = await t.app.inject({ url: new URL(url).pathname });
  expect(res.statusCode, url).toBe(200);
  expect(res.headers['content-type']).toBe('image/png');
  expect(res.rawPayload.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return res.rawPayload;
}

async function allArticles() {
  return t.platform.db
    .selectFrom('articles as a')
    .innerJoin('article_contents as c', 'c.article_id', 'a.id')
    .selectAll('a')
    .select('c.content')
    .execute();
}

/** Everything but the ids, in a stable order: what the seed PRNG decides. */
async function snapshot() {
  const rows = await t.platform.db
    .selectFrom('articles as a')
    .innerJoin('article_contents as c', 'c.article_id', 'a.id')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select([
      'u.mobile',
      'a.channel_id',
      'a.title',
      'a.cover_type',
      'a.cover_images',
      'a.is_top',
      'a.published_at',
      'a.read_count',
      'a.like_count',
      'a.comment_count',
      'a.collect_count',
      'c.content',
    ])
    .orderBy('a.published_at')
    .execute();
  return rows.map((r) => ({ ...r, channel_id: String(r.channel_id) }));
}

describe(`demo data (db=${testDb})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    emptyBefore = await isDatabaseEmpty(t.platform);
    seededAt = Date.now();
    const started = performance.now();
    counts = await seedDemoData(t.platform, { articlesPerChannel: PER_CHANNEL });
    seedMs = performance.now() - started;
    console.log(`[demo ${testDb}] seed of ${counts.articles} articles took ${Math.round(seedMs)} ms`);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts from an empty database and returns the counts it wrote', async () => {
    expect(emptyBefore).toBe(true);
    expect(await isDatabaseEmpty(t.platform)).toBe(false);
    const count = async (table: 'channels' | 'users' | 'articles') =>
      Number(
        (
          await t.platform.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(counts).toEqual({
      channels: await count('channels'),
      users: await count('users'),
      articles: await count('articles'),
    });
    expect(counts.channels).toBe(DEMO_CHANNELS.length);
    expect(counts.articles).toBe(DEMO_CHANNELS.length * PER_CHANNEL);
    expect(counts.users).toBeGreaterThanOrEqual(10);
  });

  it('lists the course channels in order, without the virtual channel 0', async () => {
    const res = await t.app.inject({ url: '/app/v1_0/channels' });
    expect(res.statusCode).toBe(200);
    const { channels } = res.json().data as { channels: { id: number; name: string }[] };
    expect(channels).toEqual(DEMO_CHANNELS.map((c) => ({ id: c.id, name: c.name })));
    expect(channels.some((c) => c.id === 0)).toBe(false);
    expect(channels.slice(0, 3).map((c) => c.name)).toEqual(['html', '开发者资讯', 'c++']);
    const defaults = await t.platform.db.selectFrom('channels').select('id').where('is_default', '=', 1).execute();
    expect(defaults.length).toBeGreaterThan(0);
    expect(defaults.length).toBeLessThan(DEMO_CHANNELS.length);
  });

  it('serves a feed page of 10 cards with absolute, working cover URLs', async () => {
    const typesSeen = new Set<number>();
    let imagesChecked = 0;
    for (const channel of DEMO_CHANNELS.slice(0, 6)) {
      const res = await t.app.inject({
        url: `/app/v1_1/articles?channel_id=${channel.id}&timestamp=${Date.now()}&with_top=1`,
      });
      expect(res.statusCode).toBe(200);
      const { data } = parseBody(res.body);
      const pinned = data.results.filter((c: { is_top: number }) => c.is_top === 1);
      const regular = data.results.filter((c: { is_top: number }) => c.is_top === 0);
      expect(regular).toHaveLength(10);
      expect(pinned.length).toBeGreaterThanOrEqual(1);
      expect(pinned.length).toBeLessThanOrEqual(2);
      for (const card of data.results) {
        expect(String(card.ch_id)).toBe(String(channel.id));
        expect([0, 1, 3]).toContain(card.cover.type);
        expect(card.cover.images).toHaveLength(card.cover.type);
        expect(card.aut_photo.startsWith(mediaPrefix())).toBe(true);
        typesSeen.add(card.cover.type);
        for (const url of card.cover.images as string[]) {
          if (imagesChecked++ < 12) await fetchImage(url);
          else expect(url.startsWith(mediaPrefix())).toBe(true);
        }
      }
      await fetchImage(data.results[0].aut_photo);
    }
    expect([...typesSeen].sort()).toEqual([0, 1, 3]);
    expect(imagesChecked).toBeGreaterThan(0);
  });

  it('gives every channel enough approved articles that are about the channel', async () => {
    const rows = await allArticles();
    const now = Date.now();
    const publishTimes = new Set<number>();
    for (const channel of DEMO_CHANNELS) {
      const mine = rows.filter((r) => r.channel_id === BigInt(channel.id));
      expect(mine.length, channel.name).toBeGreaterThanOrEqual(PER_CHANNEL);
      const words = channelWords(channel).map((w) => w.toLowerCase());
      const pinned = mine.filter((r) => r.is_top === 1).length;
      expect(pinned, channel.name).toBeGreaterThanOrEqual(1);
      expect(pinned, channel.name).toBeLessThanOrEqual(2);
      for (const row of mine) {
        const label = `${channel.name}: ${row.title}`;
        expect(row.status, label).toBe(ArticleStatus.approved);
        expect(row.deleted_at, label).toBeNull();
        expect(row.title.length, label).toBeGreaterThanOrEqual(5);
        expect(row.title.length, label).toBeLessThanOrEqual(30);
        // The title names a topic of the channel; the body names the channel (search finds it).
        expect(
          words.some((w) => row.title.toLowerCase().includes(w)),
          label,
        ).toBe(true);
        expect(
          words.some((w) => row.content.toLowerCase().includes(w)),
          label,
        ).toBe(true);
        expect(row.content.toLowerCase().includes(channel.name.toLowerCase()), label).toBe(true);
        const paragraphs = row.content.match(/<p>/g)?.length ?? 0;
        expect(paragraphs, label).toBeGreaterThanOrEqual(3);
        expect(paragraphs, label).toBeLessThanOrEqual(6);
        const covers = JSON.parse(row.cover_images) as string[];
        expect([0, 1, 3], label).toContain(row.cover_type);
        expect(covers, label).toHaveLength(row.cover_type);
        expect(new Set(covers).size, label).toBe(covers.length);
        for (const key of covers) expect(key).toMatch(/^demo\/cover-\d+\.png$/);
        expect(row.published_at!, label).toBeLessThan(now);
        expect(row.published_at!, label).toBeGreaterThan(seededAt - 28 * DAY - 1000);
        expect(row.created_at, label).toBeLessThanOrEqual(row.published_at!);
        expect(row.read_count, label).toBeGreaterThan(0);
        expect(row.like_count, label).toBeLessThanOrEqual(row.read_count);
        publishTimes.add(row.published_at!);
      }
    }
    expect(publishTimes.size).toBe(rows.length);
    // Roughly half Chinese, half English.
    const chinese = rows.filter((r) => /[\u4e00-\u9fff]/.test(r.title)).length;
    expect(chinese / rows.length).toBeGreaterThan(0.35);
    expect(chinese / rows.length).toBeLessThan(0.65);
    // A realistic cover mix.
    const share = (type: number) => rows.filter((r) => r.cover_type === type).length / rows.length;
    expect(share(1)).toBeGreaterThan(0.25);
    expect(share(3)).toBeGreaterThan(0.15);
    expect(share(0)).toBeGreaterThan(0.15);
    // Bodies sometimes carry headings, lists, code and images; body images are served too.
    const withImage = rows.filter((r) => r.content.includes('<img'));
    expect(withImage.length).toBeGreaterThan(0);
    for (const tag of ['<h2>', '<ul>', '<pre><code'])
      expect(
        rows.some((r) => r.content.includes(tag)),
        tag,
      ).toBe(true);
    const src = /<img src="([^"]+)"/.exec(withImage[0]!.content)![1]!;
    await fetchImage(src);
  });

  it('returns a demo article through the detail endpoint', async () => {
    const feed = parseBody(
      (await t.app.inject({ url: `/app/v1_1/articles?channel_id=18&timestamp=${Date.now()}&with_top=0` })).body,
    );
    const id = String(feed.data.results[0].art_id);
    const res = await t.app.inject({ url: `/app/v1_0/articles/${id}` });
    expect(res.statusCode).toBe(200);
    const data = parseBody(res.body).data;
    expect(String(data.art_id)).toBe(id);
    expect(data.content.toLowerCase()).toContain('python');
    expect(data.recomments.length).toBeGreaterThan(0);
  });

  it('has paid articles to buy, whose page shows the preview and the price', async () => {
    const paid = await t.platform.db
      .selectFrom('articles')
      .select(['id', 'price_cents'])
      .where('price_cents', '>', 0)
      .where('status', '=', ArticleStatus.approved)
      .execute();
    expect(paid.length).toBeGreaterThanOrEqual(DEMO_CHANNELS.length);
    const page = await t.app.inject({ url: `/articles/${paid[0]!.id}`, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`¥${(paid[0]!.price_cents / 100).toFixed(2)}`);
  });

  it('creates the contract demo accounts, an admin and authors with matching art_count', async () => {
    const users = await t.platform.db.selectFrom('users').selectAll().execute();
    const byMobile = new Map(users.map((u) => [u.mobile, u]));
    const app = byMobile.get('13611111111');
    expect(app).toBeDefined();
    expect(app!.role).toBe('user');
    const media = byMobile.get('13911111111');
    expect(media).toMatchObject({ verified: 1, is_media: 1, role: 'user' });
    expect(media!.certi.length).toBeGreaterThan(0);
    expect(byMobile.get('13800000000')).toMatchObject({ name: '管理员', role: 'admin' });
    expect(new Set(users.map((u) => u.name)).size).toBe(users.length);
    for (const u of users) {
      expect(u.id).toBeLessThan(2n ** 53n); // user ids stay safe JS integers
      expect(u.mobile).toMatch(/^1[3-9]\d{9}$/);
    }
    const authors = users.filter((u) => u.art_count > 0);
    expect(authors.length).toBeGreaterThanOrEqual(8);
    expect(authors.some((u) => /^[A-Za-z]+$/.test(u.name))).toBe(true);
    expect(authors.some((u) => /[\u4e00-\u9fff]/.test(u.name))).toBe(true);
    const written = await t.platform.db
      .selectFrom('articles')
      .select(['user_id', (eb) => eb.fn.countAll().as('n')])
      .groupBy('user_id')
      .execute();
    const perAuthor = new Map(written.map((w) => [String(w.user_id), Number(w.n)]));
    for (const u of users) expect(u.art_count, u.name).toBe(perAuthor.get(String(u.id)) ?? 0);
    expect([...perAuthor.values()].reduce((a, b) => a + b, 0)).toBe(counts.articles);
  });

  it('every stored counter equals a COUNT over the rows it counts', async () => {
    // Earlier tests viewed articles: their read rows and counter deltas go in first.
    await t.services.engagement.flushReads();
    await t.services.counters.flush();
    const { db } = t.platform;
    const n = (v: unknown) => Number(v);
    const byKey = <R extends { key_id: bigint | null; n: unknown }>(rows: R[]) =>
      new Map(rows.map((r) => [String(r.key_id), n(r.n)]));
    const count = (map: Map<string, number>, id: bigint) => map.get(String(id)) ?? 0;

    const likes = byKey(
      await db
        .selectFrom('attitudes')
        .select(['article_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .where('attitude', '=', 1)
        .groupBy('article_id')
        .execute(),
    );
    const dislikes = byKey(
      await db
        .selectFrom('attitudes')
        .select(['article_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .where('attitude', '=', 0)
        .groupBy('article_id')
        .execute(),
    );
    const comments = byKey(
      await db
        .selectFrom('comments')
        .select(['article_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .where('status', '=', 1)
        .groupBy('article_id')
        .execute(),
    );
    const collections = byKey(
      await db
        .selectFrom('collections')
        .select(['article_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('article_id')
        .execute(),
    );
    const reads = byKey(
      await db
        .selectFrom('article_reads')
        .select(['article_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('article_id')
        .execute(),
    );
    const articles = await db.selectFrom('articles').selectAll().execute();
    const wrong: string[] = [];
    const of = (map: Map<string, number>) => (id: bigint) => count(map, id);
    /** Each stored counter of each row against what counting its rows gives. */
    const checkRows = <R extends { id: bigint }>(
      kind: string,
      rows: R[],
      counted: Record<string, (id: bigint) => number>,
      label = (r: R) => String(r.id),
    ) => {
      for (const row of rows) {
        for (const [field, rowsCount] of Object.entries(counted)) {
          const stored = (row as Record<string, unknown>)[field];
          if (stored !== rowsCount(row.id))
            wrong.push(`${kind} ${label(row)} ${field}: stored ${stored}, rows ${rowsCount(row.id)}`);
        }
      }
    };
    checkRows('article', articles, {
      like_count: of(likes),
      dislike_count: of(dislikes),
      comment_count: of(comments),
      collect_count: of(collections),
      read_count: of(reads),
      share_count: () => 0,
    });

    const commentLikes = byKey(
      await db
        .selectFrom('comment_likes')
        .select(['comment_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('comment_id')
        .execute(),
    );
    const replies = byKey(
      await db
        .selectFrom('comments')
        .select(['parent_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .where('status', '=', 1)
        .where('parent_id', 'is not', null)
        .groupBy('parent_id')
        .execute(),
    );
    const allComments = await db.selectFrom('comments').selectAll().execute();
    checkRows('comment', allComments, { like_count: of(commentLikes), reply_count: of(replies) });

    const following = byKey(
      await db
        .selectFrom('follows')
        .select(['user_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('user_id')
        .execute(),
    );
    const fans = byKey(
      await db
        .selectFrom('follows')
        .select(['target_user_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('target_user_id')
        .execute(),
    );
    const visible = (q: ReturnType<typeof db.selectFrom<'articles as a'>>) =>
      q.where('a.status', '=', ArticleStatus.approved).where('a.deleted_at', 'is', null);
    const written = byKey(
      await visible(db.selectFrom('articles as a'))
        .select(['a.user_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('a.user_id')
        .execute(),
    );
    const liked = byKey(
      await visible(db.selectFrom('articles as a'))
        .innerJoin('attitudes as t', 't.article_id', 'a.id')
        .where('t.attitude', '=', 1)
        .select(['a.user_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('a.user_id')
        .execute(),
    );
    const readOf = byKey(
      await visible(db.selectFrom('articles as a'))
        .innerJoin('article_reads as r', 'r.article_id', 'a.id')
        .select(['a.user_id as key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('a.user_id')
        .execute(),
    );
    const users = await db.selectFrom('users').selectAll().execute();
    checkRows(
      'user',
      users,
      {
        follow_count: of(following),
        fans_count: of(fans),
        art_count: of(written),
        like_count: of(liked),
        read_count: of(readOf),
      },
      (u) => u.name,
    );
    expect(wrong).toEqual([]);

    // And there is something to count: popular articles have a few dozen comments with replies,
    // every author has fans, and the rows point at rows that exist.
    const sorted = articles.map((a) => a.comment_count).sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThanOrEqual(24);
    expect(sorted.filter((c) => c >= 12).length).toBeGreaterThanOrEqual(10);
    expect(allComments.filter((c) => c.parent_id !== null).length).toBeGreaterThan(allComments.length / 5);
    expect(articles.filter((a) => a.like_count > 0).length).toBeGreaterThan(articles.length / 2);
    for (const u of users.filter((u) => u.art_count > 0)) expect(u.fans_count, u.name).toBeGreaterThan(0);
    const articleIds = new Set(articles.map((a) => String(a.id)));
    const userIds = new Set(users.map((u) => String(u.id)));
    const commentIds = new Set(allComments.map((c) => String(c.id)));
    for (const c of allComments) {
      expect(articleIds.has(String(c.article_id))).toBe(true);
      expect(userIds.has(String(c.user_id))).toBe(true);
      if (c.parent_id !== null) expect(commentIds.has(String(c.parent_id))).toBe(true);
    }
    for (const k of [...likes.keys(), ...comments.keys(), ...reads.keys()]) expect(articleIds.has(k)).toBe(true);
    for (const k of [...following.keys(), ...fans.keys()]) expect(userIds.has(k)).toBe(true);
  });

  it('the numbers a reader taps through to list exactly that many entries', async () => {
    // The most commented article: its card's count is its comments plus their replies.
    const top = await t.platform.db
      .selectFrom('articles')
      .select(['id', 'channel_id', 'comment_count'])
      .orderBy('comment_count', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    let listed = 0;
    let replies = 0;
    let offset: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: { statusCode: number; body: string } = await t.app.inject({
        url: `/app/v1_0/comments?type=a&source=${top.id}&limit=50${offset ? `&offset=${offset}` : ''}`,
      });
      expect(res.statusCode).toBe(200);
      const data: { results: { com_id: string; reply_count: number }[]; last_id: string } = parseBody(res.body).data;
      if (data.results.length === 0) break;
      listed += data.results.length;
      for (const c of data.results) {
        replies += c.reply_count;
        if (c.reply_count > 0 && replies === c.reply_count) {
          // The first thread opened: its replies list holds reply_count entries.
          const thread = parseBody(
            (await t.app.inject({ url: `/app/v1_0/comments?type=c&source=${c.com_id}&limit=50` })).body,
          ).data;
          expect(thread.results).toHaveLength(c.reply_count);
          expect(thread.total_count).toBe(c.reply_count);
        }
      }
      offset = String(data.last_id);
    }
    expect(listed + replies).toBe(top.comment_count);
    expect(replies).toBeGreaterThan(0);

    // An author's profile: fans and followings as listed when signed in as that author.
    const author = await t.platform.db
      .selectFrom('users')
      .select(['id', 'mobile'])
      .where('art_count', '>', 0)
      .orderBy('fans_count', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      remoteAddress: randomIp(),
      payload: { mobile: author.mobile, code: '246810' },
    });
    expect(signIn.statusCode).toBe(201);
    const auth = bearer(signIn.json().data.token);
    const me = parseBody((await t.app.inject({ url: '/app/v1_0/user', headers: auth })).body).data;
    const profile = parseBody((await t.app.inject({ url: `/app/v1_0/users/${author.id}` })).body).data;
    expect(profile.fans_count).toBe(me.fans_count);
    const total = async (url: string, headers = auth) =>
      parseBody((await t.app.inject({ url, headers })).body).data.total_count as number;
    expect(await total('/app/v1_0/user/followers?per_page=50')).toBe(me.fans_count);
    expect(await total('/app/v1_0/user/followings?per_page=50')).toBe(me.follow_count);
    expect(me.fans_count).toBeGreaterThan(0);

    // The app's demo account: its collections and history are there to open.
    const demo = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      remoteAddress: randomIp(),
      payload: { mobile: '13611111111', code: '246810' },
    });
    const demoAuth = bearer(demo.json().data.token);
    const collected = await t.platform.db
      .selectFrom('collections as c')
      .innerJoin('users as u', 'u.id', 'c.user_id')
      .select('c.article_id')
      .where('u.mobile', '=', '13611111111')
      .execute();
    expect(await total('/app/v1_0/article/collections?per_page=50', demoAuth)).toBe(collected.length);
    expect(collected.length).toBeGreaterThan(0);
    const demoMe = parseBody((await t.app.inject({ url: '/app/v1_0/user', headers: demoAuth })).body).data;
    expect(demoMe.follow_count).toBe(await total('/app/v1_0/user/followings?per_page=50', demoAuth));
    expect(demoMe.follow_count).toBeGreaterThan(0);
  });

  it('refuses to seed a non-empty database without --force', async () => {
    await expect(seedDemoData(t.platform)).rejects.toThrow(/--force/);
    await expect(seedDemoData(t.platform, { articlesPerChannel: 1 })).rejects.toBeInstanceOf(DemoDataExistsError);
    expect((await allArticles()).length).toBe(counts.articles);
  });

  it('with force, replaces the data; the default size is deterministic for a given now', async () => {
    const now = Date.now();
    const started = performance.now();
    const first = await seedDemoData(t.platform, { force: true, now });
    console.log(
      `[demo ${testDb}] forced seed of ${first.articles} articles (default size) took ${Math.round(performance.now() - started)} ms`,
    );
    expect(first).toEqual({ channels: DEMO_CHANNELS.length, users: counts.users, articles: DEMO_CHANNELS.length * 36 });
    const a = await snapshot();
    const idsA = (await t.platform.db.selectFrom('articles').select('id').execute()).map((r) => r.id);
    expect(a).toHaveLength(first.articles);

    const second = await seedDemoData(t.platform, { force: true, now });
    expect(second).toEqual(first);
    const b = await snapshot();
    expect(b).toEqual(a);
    // Same content, fresh snowflake ids.
    const idsB = new Set((await t.platform.db.selectFrom('articles').select('id').execute()).map((r) => String(r.id)));
    expect(idsA.some((id) => idsB.has(String(id)))).toBe(false);

    // A different PRNG gives different articles.
    let state = 42;
    const other = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    await seedDemoData(t.platform, { force: true, now, random: other, articlesPerChannel: 5 });
    const c = await snapshot();
    expect(c).toHaveLength(DEMO_CHANNELS.length * 5);
    expect(c.map((r) => r.title)).not.toEqual(a.slice(0, c.length).map((r) => r.title));
  });
});

describe(`demo data, two seeds at once (db=${testDb})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets exactly one win; the other reports existing data', async () => {
    const results = await Promise.allSettled([
      seedDemoData(app.platform, { articlesPerChannel: 3 }),
      seedDemoData(app.platform, { articlesPerChannel: 3 }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(DemoDataExistsError);
    const n = await app.platform.db
      .selectFrom('articles')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(DEMO_CHANNELS.length * 3);
  });
});

describe('png encoder', () => {
  it('writes a valid PNG (chunks, CRCs, filtered scanlines)', () => {
    const width = 7;
    const height = 5;
    const pixels = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 256);
    const png = encodePng({ width, height, channels: 3, pixels });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      chunks.push({ type, data });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([width, height, 8, 2]);
    const raw = zlib.inflateSync(chunks[1]!.data);
    expect(raw.length).toBe(height * (1 + width * 3));

    // Undo the filters and compare with the input.
    const stride = width * 3;
    const out = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const type = raw[y * (stride + 1)]!;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? out[y * stride + i - 3]! : 0;
        const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
        const c = y > 0 && i >= 3 ? out[(y - 1) * stride + i - 3]! : 0;
        const p = a + b - c;
        const paeth =
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
            ? a
            : Math.abs(p - b) <= Math.abs(p - c)
              ? b
              : c;
        const predicted = [0, a, b, (a + b) >> 1, paeth][type]!;
        out[y * stride + i] = (raw[y * (stride + 1) + 1 + i]! + predicted) & 0xff;
      }
    }
    expect(Buffer.from(out).equals(Buffer.from(pixels))).toBe(true);
  });

  it('computes the standard CRC-32, with or without zlib.crc32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131) % 256));
    expect(crc32Portable(data)).toBe(crc32(data));
    expect(crc32Portable(new Uint8Array(0))).toBe(0);
  });
});
