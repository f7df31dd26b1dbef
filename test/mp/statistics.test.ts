/**
 * Media-platform statistics over HTTP (M28–M30), computed from rows written straight into the
 * tables the app records (articles and their counters, article_reads, comments, follows, users,
 * sessions) and checked to the exact figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { mpAuthor, type Author } from '../helpers/mp-author.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';

let t: TestApp;

const author = (): Promise<Author> => mpAuthor(t);

function get(url: string, token?: string) {
  return t.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function data(url: string, token: string) {
  const res = await get(url, token);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().message).toBe('OK');
  return res.json().data;
}

/** Epoch ms of a wall-clock time in Asia/Shanghai (UTC+8, the test service's zone). */
const shanghai = (date: string, time = '12:00:00') => Date.parse(`${date}T${time}+08:00`);

async function read(
  articleId: bigint,
  values: { userId?: bigint | null; source: string; seconds: number; at: number },
) {
  await t.platform.db
    .insertInto('article_reads')
    .values({
      id: t.platform.ids.content(),
      article_id: articleId,
      user_id: values.userId ?? null,
      source: values.source,
      duration_seconds: values.seconds,
      created_at: values.at,
    })
    .execute();
}

async function follow(followerId: bigint, targetId: bigint, at = Date.now()) {
  await t.platform.db
    .insertInto('follows')
    .values({ user_id: followerId, target_user_id: targetId, created_at: at })
    .execute();
}

async function comment(articleId: bigint, userId: bigint, at: number, status = 1) {
  await t.platform.db
    .insertInto('comments')
    .values({
      id: t.platform.ids.content(),
      article_id: articleId,
      user_id: userId,
      parent_id: null,
      content: 'c',
      status,
      created_at: at,
    })
    .execute();
}

let sessionJti = 0;
async function session(userId: bigint, platform: string, createdAt: number, lastUsedAt: number) {
  await t.platform.db
    .insertInto('sessions')
    .values({
      id: t.platform.ids.content(),
      user_id: userId,
      client: 'app',
      verified: 0,
      rotation: 0,
      refresh_jti: `stat-test-${++sessionJti}`,
      platform,
      user_agent: platform,
      ip: '127.0.0.1',
      created_at: createdAt,
      last_used_at: lastUsedAt,
      expires_at: lastUsedAt + 86_400_000,
    })
    .execute();
}

describe(`MP statistics (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs a verified MP token: none 401, an app token 403', async () => {
    const me = await author();
    const article = await newArticle(t.platform, { user_id: me.id, channel_id: (await newChannel(t.platform)).id });
    for (const url of [
      '/mp/v1_0/statistics/articles',
      `/mp/v1_0/statistics/articles/${article.id}`,
      '/mp/v1_0/statistics/followers',
    ]) {
      const anonymous = await get(url);
      expect(anonymous.statusCode, url).toBe(401);
      const app = await get(url, me.app);
      expect(app.statusCode, url).toBe(403);
      expect(app.json()).toEqual({ message: 'User must be real info verified.', code: 'verification_required' });
      expect((await get(url, me.mp)).statusCode, url).toBe(200);
    }
  });

  it('totals the counters of the author’s approved articles, by channel and publish day (M28)', async () => {
    const me = await author();
    const other = await author();
    const news = await newChannel(t.platform);
    const tech = await newChannel(t.platform);
    const counts = async (
      id: bigint,
      c: { read: number; comment: number; collect: number; share: number; like: number },
    ) =>
      t.platform.db
        .updateTable('articles')
        .set({
          read_count: c.read,
          comment_count: c.comment,
          collect_count: c.collect,
          share_count: c.share,
          like_count: c.like,
        })
        .where('id', '=', id)
        .execute();

    const a1 = await newArticle(t.platform, {
      user_id: me.id,
      channel_id: news.id,
      published_at: shanghai('2025-03-01'),
    });
    await counts(a1.id, { read: 100, comment: 10, collect: 5, share: 2, like: 20 });
    const a2 = await newArticle(t.platform, {
      user_id: me.id,
      channel_id: tech.id,
      published_at: shanghai('2025-03-05', '23:59:59'),
    });
    await counts(a2.id, { read: 40, comment: 4, collect: 3, share: 1, like: 7 });
    // Not approved, or someone else's: never counted.
    for (const status of [ArticleStatus.draft, ArticleStatus.pending, ArticleStatus.rejected, ArticleStatus.deleted]) {
      const hidden = await newArticle(t.platform, {
        user_id: me.id,
        channel_id: news.id,
        status,
        published_at: shanghai('2025-03-02'),
      });
      await counts(hidden.id, { read: 1000, comment: 1000, collect: 1000, share: 1000, like: 1000 });
    }
    const foreign = await newArticle(t.platform, { user_id: other.id, channel_id: news.id });
    await counts(foreign.id, { read: 1000, comment: 1000, collect: 1000, share: 1000, like: 1000 });
    await t.platform.db.updateTable('users').set({ fans_count: 12 }).where('id', '=', me.id).execute();

    // Unflushed counter deltas are part of the figures, as everywhere else.
    await t.services.counters.add([{ entity: 'article', id: a1.id, field: 'read_count', by: 5 }]);
    await t.services.counters.write(async () => ({
      value: null,
      changes: [
        { entity: 'article', id: a2.id, field: 'like_count', by: 1 },
        { entity: 'user', id: me.id, field: 'fans_count', by: 2 },
      ],
    }));

    const url = '/mp/v1_0/statistics/articles';
    expect(await data(url, me.mp)).toEqual({
      read_count: 145,
      comment_count: 14,
      collect_count: 8,
      repost_count: 3,
      like_count: 28,
      fans_count: 14,
    });
    expect(await data(`${url}?channel_id=${tech.id}`, me.mp)).toMatchObject({
      read_count: 40,
      comment_count: 4,
      like_count: 8,
    });
    expect(await data(`${url}?channel_id=${String(tech.id)}&begin_pubdate=2025-03-06`, me.mp)).toMatchObject({
      read_count: 0,
      like_count: 0,
    });
    // Days are whole days in the service's time zone, the end inclusive.
    expect(await data(`${url}?begin_pubdate=2025-03-02&end_pubdate=2025-03-05`, me.mp)).toMatchObject({
      read_count: 40,
      collect_count: 3,
    });
    expect(await data(`${url}?end_pubdate=2025-03-04`, me.mp)).toMatchObject({ read_count: 105, collect_count: 5 });
    // fans_count is the author's, whatever the filter.
    expect((await data(`${url}?end_pubdate=2020-01-01`, me.mp)).fans_count).toBe(14);
    // Another author sees only their own.
    expect(await data(url, other.mp)).toMatchObject({ read_count: 1000, comment_count: 1000 });

    for (const query of [
      'begin_pubdate=2025-03-05&end_pubdate=2025-03-01',
      'begin_pubdate=2025-02-30',
      'end_pubdate=yesterday',
      'channel_id=abc',
    ]) {
      expect((await get(`${url}?${query}`, me.mp)).statusCode, query).toBe(400);
    }
    expect((await get(`${url}?begin_pubdate=2025-03-05&end_pubdate=2025-03-01`, me.mp)).json()).toEqual({
      message: 'Invalid pubdate param.',
      code: 'bad_request',
    });
  });

  it('computes one article’s reading figures from its reads, durations and comments (M29)', async () => {
    const me = await author();
    const channel = await newChannel(t.platform);
    // 500 Chinese characters: an estimated reading time of exactly 60 s.
    const article = await newArticle(t.platform, {
      user_id: me.id,
      channel_id: channel.id,
      content: `<p>${'字'.repeat(500)}</p>`,
    });
    const fan = await newUser(t.platform);
    const lateFan = await newUser(t.platform);
    const stranger = await newUser(t.platform);
    const day = '2025-03-10';
    await follow(fan.id, me.id, shanghai('2025-01-01'));
    await follow(lateFan.id, me.id, shanghai('2025-06-01'));

    const reads = [
      { source: 'recommend', seconds: 0, userId: null }, // no duration reported
      { source: 'recommend', seconds: 90, userId: stranger.id }, // beyond the estimate: progress 100%
      { source: 'channel', seconds: 30, userId: fan.id }, // 50%, by a fan
      { source: 'relation', seconds: 6, userId: null }, // 10%
      { source: 'search', seconds: 50, userId: fan.id }, // 83%, by a fan
      { source: 'other', seconds: 12, userId: null }, // exactly 20%: not below 20
      { source: 'channel', seconds: 48, userId: null }, // exactly 80%: not above 80
      { source: 'relation', seconds: 0, userId: fan.id }, // by a fan, untimed
      { source: 'other', seconds: 0, userId: lateFan.id }, // followed only later: not a fan's read
    ];
    for (const [i, r] of reads.entries()) await read(article.id, { ...r, at: shanghai(day, `10:00:0${i}`) });
    await comment(article.id, stranger.id, shanghai(day));
    await comment(article.id, fan.id, shanghai(day));
    await comment(article.id, fan.id, shanghai(day), 0); // deleted

    // Timed reads: 90→60, 30, 6, 50, 12, 48 capped at 60 s. Progress sum 206/60 over 6 reads.
    const expected = {
      avg_read_proc: Math.round((206 / 360) * 10_000) / 10_000,
      bounce_rate: Math.round((1 / 6) * 10_000) / 10_000,
      time_spent: Math.round(236 / 6),
      conversion: { reco_count: 0, read_count: 9, fans_read_count: 3, comment_count: 2 },
      origin: { recommend: 2, channel: 2, relation: 2, outter: 0, other: 3 },
      completed: { gt80: 2, lt80: 3, lt20: 1 },
    };
    const url = `/mp/v1_0/statistics/articles/${article.id}`;
    expect(await data(url, me.mp)).toEqual(expected);
    expect(expected.avg_read_proc).toBe(0.5722);
    expect(expected.bounce_rate).toBe(0.1667);
    expect(expected.time_spent).toBe(39);

    // Reads and comments outside the chosen days are left out; the end day is inclusive to its last millisecond.
    await read(article.id, { source: 'recommend', seconds: 60, at: shanghai('2025-03-08') });
    await read(article.id, { source: 'channel', seconds: 3, at: shanghai('2025-03-11', '00:00:00') });
    await read(article.id, {
      source: 'relation',
      seconds: 60,
      userId: fan.id,
      at: shanghai('2025-03-11', '00:00:00') - 1,
    });
    await comment(article.id, stranger.id, shanghai('2025-03-12'));
    const windowed = await data(`${url}?begin_pubdate=2025-03-09&end_pubdate=2025-03-10`, me.mp);
    expect(windowed).toEqual({
      avg_read_proc: Math.round((266 / 420) * 10_000) / 10_000,
      bounce_rate: Math.round((1 / 7) * 10_000) / 10_000,
      time_spent: Math.round(296 / 7),
      conversion: { reco_count: 0, read_count: 10, fans_read_count: 4, comment_count: 2 },
      origin: { recommend: 2, channel: 2, relation: 3, outter: 0, other: 3 },
      completed: { gt80: 3, lt80: 3, lt20: 1 },
    });
    const all = await data(url, me.mp);
    expect(all.conversion).toEqual({ reco_count: 0, read_count: 12, fans_read_count: 4, comment_count: 3 });
    expect(all.completed).toEqual({ gt80: 4, lt80: 3, lt20: 2 });
    expect(await data(`${url}?begin_pubdate=2025-03-11`, me.mp)).toMatchObject({
      time_spent: 3,
      bounce_rate: 1,
      conversion: { read_count: 1, comment_count: 1 },
    });
  });

  it('answers zeros for an article nobody has read yet', async () => {
    const me = await author();
    const article = await newArticle(t.platform, {
      user_id: me.id,
      channel_id: (await newChannel(t.platform)).id,
      status: ArticleStatus.draft,
    });
    expect(await data(`/mp/v1_0/statistics/articles/${article.id}`, me.mp)).toEqual({
      avg_read_proc: 0,
      bounce_rate: 0,
      time_spent: 0,
      conversion: { reco_count: 0, read_count: 0, fans_read_count: 0, comment_count: 0 },
      origin: { recommend: 0, channel: 0, relation: 0, outter: 0, other: 0 },
      completed: { gt80: 0, lt80: 0, lt20: 0 },
    });
  });

  it('shows an article’s figures to its author only (M29: 404 otherwise)', async () => {
    const owner = await author();
    const intruder = await author();
    const channel = await newChannel(t.platform);
    const article = await newArticle(t.platform, { user_id: owner.id, channel_id: channel.id });
    const deleted = await newArticle(t.platform, {
      user_id: owner.id,
      channel_id: channel.id,
      status: ArticleStatus.deleted,
    });
    await read(article.id, { source: 'channel', seconds: 10, at: Date.now() });

    expect((await get(`/mp/v1_0/statistics/articles/${article.id}`, owner.mp)).statusCode).toBe(200);
    const res = await get(`/mp/v1_0/statistics/articles/${article.id}`, intruder.mp);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ message: 'The article does not exist.', code: 'not_found' });
    expect((await get(`/mp/v1_0/statistics/articles/${deleted.id}`, owner.mp)).statusCode).toBe(404);
    expect((await get('/mp/v1_0/statistics/articles/987654321', owner.mp)).statusCode).toBe(404);
    expect((await get('/mp/v1_0/statistics/articles/abc', owner.mp)).statusCode).toBe(400);
    expect((await get(`/mp/v1_0/statistics/articles/${article.id}?end_pubdate=2025-13-01`, owner.mp)).statusCode).toBe(
      400,
    );
  });

  it('profiles the followers by gender, age and latest device (M30)', async () => {
    const me = await author();
    const other = await author();
    const today = t.platform.time.date(t.platform.clock.now());
    const year = Number(today.slice(0, 4));
    /** The birthday of someone who turns `age` today (or, with `dayAfter`, tomorrow). */
    const born = (age: number, dayAfter = false) => {
      if (!dayAfter) return `${year - age}${today.slice(4)}`;
      const next = new Date(`${today}T00:00:00Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      return `${next.getUTCFullYear() - age}${next.toISOString().slice(4, 10)}`;
    };
    const now = Date.now();
    const followers: { gender: number; birthday: string | null; sessions: [string, number, number][] }[] = [
      { gender: 0, birthday: born(18), sessions: [['ios', now - 5000, now - 1000]] }, // le18
      {
        gender: 1,
        birthday: born(19, true),
        sessions: [
          ['ios', now - 9000, now - 9000],
          ['android', now - 8000, now - 100],
        ],
      }, // still 18: le18, android
      { gender: 1, birthday: born(19), sessions: [['web', now - 100, now - 100]] }, // le23; latest session web: no device
      { gender: 0, birthday: born(23), sessions: [] }, // le23
      { gender: 1, birthday: born(24), sessions: [['android', now, now]] }, // le30
      { gender: 0, birthday: born(31), sessions: [['other', now, now]] }, // le40
      { gender: 1, birthday: born(40), sessions: [] }, // le40
      // Latest by last use, not by creation: ios.
      {
        gender: 0,
        birthday: born(41),
        sessions: [
          ['ios', now - 9000, now - 10],
          ['android', now - 1000, now - 500],
        ],
      }, // le50
      { gender: 0, birthday: born(50), sessions: [] }, // le50
      { gender: 1, birthday: born(51), sessions: [['ios', now, now]] }, // gt50
      { gender: 0, birthday: null, sessions: [['android', now, now]] }, // no age
      { gender: 1, birthday: '', sessions: [] }, // no age
    ];
    for (const f of followers) {
      const user = await newUser(t.platform);
      await t.platform.db
        .updateTable('users')
        .set({ gender: f.gender, birthday: f.birthday })
        .where('id', '=', user.id)
        .execute();
      for (const [platform, created, used] of f.sessions) await session(user.id, platform, created, used);
      await follow(user.id, me.id);
    }
    // Not followers of `me`: a user following someone else, and one following nobody.
    const elsewhere = await newUser(t.platform);
    await session(elsewhere.id, 'ios', now, now);
    await follow(elsewhere.id, other.id);
    await session((await newUser(t.platform)).id, 'android', now, now);

    expect(await data('/mp/v1_0/statistics/followers', me.mp)).toEqual({
      gender: { male: 6, female: 6 },
      age: { le18: 2, le23: 2, le30: 1, le40: 2, le50: 2, gt50: 1 },
      device: { ios: 3, android: 3 },
    });
    expect(await data('/mp/v1_0/statistics/followers', other.mp)).toEqual({
      gender: { male: 1, female: 0 },
      age: { le18: 0, le23: 0, le30: 0, le40: 0, le50: 0, gt50: 0 },
      device: { ios: 1, android: 0 },
    });
  });
});
