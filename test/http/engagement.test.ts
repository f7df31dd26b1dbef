import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { HISTORY_CAP, MAX_READ_SECONDS } from '../../src/modules/engagement/history.service.js';
import { buildTestApp, manualClock, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { randomIp, bearer } from '../helpers/http.js';

const clock = manualClock();
let t: TestApp;
let channel: Awaited<ReturnType<typeof newChannel>>;
let mobileCounter = 0;
let smallId = 7_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));

const newMobile = () => `136${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter).padStart(2, '0')}`;

interface Reader {
  token: string;
  id: bigint;
}

async function signIn(): Promise<Reader> {
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile: newMobile(), code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  const token = res.json().data.token as string;
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { user_id: number };
  return { token, id: BigInt(claims.user_id) };
}

async function author() {
  return newUser(t.platform);
}

async function article(authorId: bigint, values: Partial<Parameters<typeof newArticle>[1]> = {}) {
  return newArticle(t.platform, { user_id: authorId, channel_id: channel.id, ...values });
}

const post = (url: string, token: string | undefined, payload: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload, headers: { ...(token ? bearer(token) : {}), ...headers } });
const del = (url: string, token?: string) =>
  t.app.inject({ method: 'DELETE', url, headers: token ? bearer(token) : {} });
const get = (url: string, token?: string) => t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

const like = (token: string, target: unknown) => post('/app/v1_0/article/likings', token, { target });
const dislike = (token: string, target: unknown) => post('/app/v1_0/article/dislikes', token, { target });
const collect = (token: string, target: unknown) => post('/app/v1_0/article/collections', token, { target });

/** Flushes the counter deltas, then reads the database columns. */
async function articleCounts(id: bigint) {
  await t.services.counters.flush();
  return t.platform.db
    .selectFrom('articles')
    .select(['like_count', 'dislike_count', 'collect_count', 'read_count'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function userCounts(id: bigint) {
  await t.services.counters.flush();
  return t.platform.db
    .selectFrom('users')
    .select(['like_count', 'read_count'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

function likedEvents() {
  const seen: { actorId: bigint; articleId: bigint; authorId: bigint; at: number }[] = [];
  const stop = t.platform.events.subscribe('article.liked', (payload) => void seen.push(payload));
  return { seen, stop };
}

describe(`engagement: attitudes, collections, reports, history, telemetry (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp({}, undefined, { clock });
    channel = await newChannel(t.platform);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 without a token on every signed-in route', async () => {
    const routes: [string, string][] = [
      ['POST', '/app/v1_0/article/likings'],
      ['DELETE', '/app/v1_0/article/likings/1'],
      ['POST', '/app/v1_0/article/dislikes'],
      ['DELETE', '/app/v1_0/article/dislikes/1'],
      ['POST', '/app/v1_0/article/collections'],
      ['DELETE', '/app/v1_0/article/collections/1'],
      ['GET', '/app/v1_0/article/collections'],
      ['POST', '/app/v1_0/article/reports'],
      ['GET', '/app/v1_0/user/articles'],
      ['GET', '/app/v1_0/user/histories'],
    ];
    for (const [method, url] of routes) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        ...(method === 'POST' ? { payload: { target: 1, type: 1 } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json()).toEqual({ message: 'User must be authorized.', code: 'unauthorized' });
    }
    const bad = await post('/app/v1_0/article/likings', 'not-a-token', { target: 1 });
    expect(bad.statusCode).toBe(401);
  });

  describe('likes and dislikes (A35–A38)', () => {
    it('likes with a 19-digit string id and answers 201 {target} with every digit; numbers work too', async () => {
      const reader = await signIn();
      const writer = await author();
      const big = await article(writer.id, {
        id: 9_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e9)),
      });
      const res = await like(reader.token, String(big.id));
      expect(res.statusCode).toBe(201);
      expect(parseBody(res.body)).toEqual({ message: 'OK', data: { target: String(big.id) } });
      expect(String(big.id)).toHaveLength(19);

      const small = await article(writer.id, { id: ++smallId });
      const numeric = await like(reader.token, Number(small.id));
      expect(numeric.statusCode).toBe(201);
      expect(numeric.json()).toEqual({ message: 'OK', data: { target: Number(small.id) } });
      expect(await t.services.engagement.attitudeOf(reader.id, small.id)).toBe(1);
    });

    it('moves exact counters through like → dislike → like → unlike, and undoes only what exists', async () => {
      const reader = await signIn();
      const writer = await author();
      const a = await article(writer.id);
      const target = String(a.id);
      const expectState = async (likes: number, dislikes: number, authorLikes: number, attitude: -1 | 0 | 1) => {
        expect(await articleCounts(a.id)).toMatchObject({ like_count: likes, dislike_count: dislikes });
        expect((await userCounts(writer.id)).like_count).toBe(authorLikes);
        expect(await t.services.engagement.attitudeOf(reader.id, a.id)).toBe(attitude);
      };

      expect((await like(reader.token, target)).statusCode).toBe(201);
      await expectState(1, 0, 1, 1);
      expect((await like(reader.token, target)).statusCode).toBe(201);
      await expectState(1, 0, 1, 1);

      expect((await dislike(reader.token, target)).statusCode).toBe(201);
      await expectState(0, 1, 0, 0);
      expect((await dislike(reader.token, target)).statusCode).toBe(201);
      await expectState(0, 1, 0, 0);

      // Removing a like that is not there (it is a dislike) changes nothing.
      expect((await del(`/app/v1_0/article/likings/${target}`, reader.token)).statusCode).toBe(204);
      await expectState(0, 1, 0, 0);

      expect((await like(reader.token, target)).statusCode).toBe(201);
      await expectState(1, 0, 1, 1);

      expect((await del(`/app/v1_0/article/dislikes/${target}`, reader.token)).statusCode).toBe(204);
      await expectState(1, 0, 1, 1);

      const unlike = await del(`/app/v1_0/article/likings/${target}`, reader.token);
      expect(unlike.statusCode).toBe(204);
      expect(unlike.body).toBe('');
      await expectState(0, 0, 0, -1);
      expect((await del(`/app/v1_0/article/likings/${target}`, reader.token)).statusCode).toBe(204);
      await expectState(0, 0, 0, -1);

      expect((await dislike(reader.token, target)).statusCode).toBe(201);
      await expectState(0, 1, 0, 0);
      expect((await del(`/app/v1_0/article/dislikes/${target}`, reader.token)).statusCode).toBe(204);
      await expectState(0, 0, 0, -1);
    });

    it('counts two readers separately and shows unflushed likes through the counter overlay', async () => {
      const [one, two] = [await signIn(), await signIn()];
      const writer = await author();
      const a = await article(writer.id);
      await like(one.token, String(a.id));
      await like(two.token, String(a.id));
      await collect(one.token, String(a.id));
      // Whether or not a scheduled flush ran meanwhile, base + delta is the truth.
      const list = parseBody((await get('/app/v1_0/article/collections', one.token)).body).data;
      expect(list.results[0]).toMatchObject({ art_id: String(a.id), like_count: 2, collect_count: 1, is_liking: true });
      expect(await articleCounts(a.id)).toMatchObject({ like_count: 2, collect_count: 1 });
      expect((await userCounts(writer.id)).like_count).toBe(2);
    });

    it('keeps one row and one count under 50 concurrent likes from one user, and publishes one event', async () => {
      const reader = await signIn();
      const writer = await author();
      const a = await article(writer.id);
      const events = likedEvents();
      try {
        const results = await Promise.all(Array.from({ length: 50 }, () => like(reader.token, String(a.id))));
        expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
        await t.platform.events.settle();
        expect(events.seen.filter((e) => e.articleId === a.id)).toHaveLength(1);
      } finally {
        events.stop();
      }
      const rows = await t.platform.db.selectFrom('attitudes').selectAll().where('article_id', '=', a.id).execute();
      expect(rows).toHaveLength(1);
      expect(await articleCounts(a.id)).toMatchObject({ like_count: 1, dislike_count: 0 });
      expect((await userCounts(writer.id)).like_count).toBe(1);
    });

    it('counts a burst of likes from many readers exactly, batched or not, and refuses only the invalid one', async () => {
      const readers = await Promise.all(Array.from({ length: 12 }, () => signIn()));
      const writer = await author();
      const articles = await Promise.all([article(writer.id), article(writer.id), article(writer.id)]);
      const hidden = await article(writer.id, { status: ArticleStatus.pending });
      // One reader disliked an article first: their like replaces it.
      await dislike(readers[0]!.token, String(articles[0]!.id));
      const events = likedEvents();
      let results;
      try {
        results = await Promise.all([
          ...readers.flatMap((r) => articles.map((a) => like(r.token, String(a.id)))),
          like(readers[1]!.token, String(articles[1]!.id)), // the same like twice in the burst
          like(readers[2]!.token, String(hidden.id)),
        ]);
        await t.platform.events.settle();
        expect(events.seen).toHaveLength(readers.length * articles.length);
      } finally {
        events.stop();
      }
      expect(results.map((r) => r.statusCode)).toEqual([...Array(readers.length * articles.length + 1).fill(201), 400]);
      for (const a of articles) {
        expect(await articleCounts(a.id)).toMatchObject({ like_count: readers.length, dislike_count: 0 });
      }
      expect((await userCounts(writer.id)).like_count).toBe(readers.length * articles.length);
      expect(await articleCounts(hidden.id)).toMatchObject({ like_count: 0 });
    });

    it('publishes article.liked once per real like (new or replacing a dislike), never on duplicates', async () => {
      const reader = await signIn();
      const writer = await author();
      const a = await article(writer.id);
      const events = likedEvents();
      try {
        const before = clock.now();
        await like(reader.token, String(a.id));
        await like(reader.token, String(a.id));
        await t.platform.events.settle();
        expect(events.seen).toEqual([{ actorId: reader.id, articleId: a.id, authorId: writer.id, at: before }]);

        await dislike(reader.token, String(a.id));
        await t.platform.events.settle();
        expect(events.seen).toHaveLength(1);
        await like(reader.token, String(a.id));
        await t.platform.events.settle();
        expect(events.seen).toHaveLength(2);
        await del(`/app/v1_0/article/likings/${a.id}`, reader.token);
        await del(`/app/v1_0/article/likings/${a.id}`, reader.token);
        await t.platform.events.settle();
        expect(events.seen).toHaveLength(2);
      } finally {
        events.stop();
      }
    });

    it('does not fail the request when a subscriber throws', async () => {
      const reader = await signIn();
      const a = await article((await author()).id);
      const stop = t.platform.events.subscribe('article.liked', () => {
        throw new Error('subscriber exploded');
      });
      try {
        const res = await like(reader.token, String(a.id));
        expect(res.statusCode).toBe(201);
        await t.platform.events.settle();
      } finally {
        stop();
      }
      expect(await t.services.engagement.attitudeOf(reader.id, a.id)).toBe(1);
    });

    it("follows the app's real sequence: like with a string target, then unlike with target.toString()", async () => {
      const reader = await signIn();
      const a = await article((await author()).id);
      const detailTarget = parseBody(JSON.stringify({ art_id: a.id.toString() })).art_id as string;
      const liked = await like(reader.token, detailTarget);
      expect(liked.statusCode).toBe(201);
      const unliked = await del(`/app/v1_0/article/likings/${detailTarget.toString()}`, reader.token);
      expect(unliked.statusCode).toBe(204);
      expect(unliked.body).toBe('');
      expect(await t.services.engagement.attitudeOf(reader.id, a.id)).toBe(-1);
      expect(await articleCounts(a.id)).toMatchObject({ like_count: 0 });
    });

    it('refuses drafts, deleted, pending and unknown articles with 400 Invalid article., and bad targets', async () => {
      const reader = await signIn();
      const writer = await author();
      const draft = await article(writer.id, { status: ArticleStatus.draft });
      const pending = await article(writer.id, { status: ArticleStatus.pending });
      const deleted = await article(writer.id, { deleted_at: Date.now() });
      for (const target of [draft.id, pending.id, deleted.id, 999n]) {
        for (const send of [like, dislike, collect]) {
          const res = await send(reader.token, String(target));
          expect(res.statusCode).toBe(400);
          expect(res.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
        }
      }
      expect(
        await t.platform.db.selectFrom('attitudes').select('article_id').where('article_id', '=', draft.id).execute(),
      ).toEqual([]);
      for (const target of [0, -1, 'abc', '12a', 1.5, '']) {
        expect((await like(reader.token, target)).statusCode, String(target)).toBe(400);
      }
      expect((await post('/app/v1_0/article/likings', reader.token, {})).statusCode).toBe(400);
      expect((await del('/app/v1_0/article/likings/abc', reader.token)).statusCode).toBe(400);
      // Undoing on an unknown article is a harmless no-op.
      expect((await del('/app/v1_0/article/likings/999', reader.token)).statusCode).toBe(204);
    });

    it("tells the recommender a reader's newest likes, dislikes and reads, with channel and author", async () => {
      const reader = await signIn();
      const writer = await author();
      const [a, b, c] = [await article(writer.id), await article(writer.id), await article(writer.id)];
      await like(reader.token, String(a.id));
      await like(reader.token, String(b.id));
      await dislike(reader.token, String(c.id));
      const attitudes = await t.services.engagement.recentAttitudes(reader.id, 10);
      const byArticle = new Map(attitudes.map((x) => [x.article_id, x]));
      expect(byArticle.get(a.id)).toMatchObject({ attitude: 1, user_id: writer.id });
      expect(byArticle.get(b.id)).toMatchObject({ attitude: 1, user_id: writer.id });
      expect(byArticle.get(c.id)).toMatchObject({ attitude: 0, user_id: writer.id });
      expect(attitudes).toHaveLength(3);
      expect(await t.services.engagement.recentAttitudes(reader.id, 2)).toHaveLength(2);
      expect(await t.services.engagement.recentAttitudes(writer.id, 10)).toEqual([]);
      expect(await t.services.engagement.recentReads(writer.id, 10)).toEqual([]);
    });
  });

  describe('collections (A39–A41)', () => {
    it('collects idempotently, lists most recent first with is_liking, uncollects, and a re-collect comes back on top', async () => {
      const reader = await signIn();
      const writer = await author();
      const articles = [];
      for (let i = 0; i < 3; i++) articles.push(await article(writer.id));
      const [a, b, c] = articles as [(typeof articles)[0], (typeof articles)[0], (typeof articles)[0]];
      for (const x of [a, b, c]) {
        clock.advance(10);
        const res = await collect(reader.token, String(x.id));
        expect(res.statusCode).toBe(201);
        expect(parseBody(res.body)).toEqual({ message: 'OK', data: { target: String(x.id) } });
      }
      clock.advance(10);
      expect((await collect(reader.token, String(a.id))).statusCode).toBe(201); // already collected: stays put
      await like(reader.token, String(b.id));
      expect(await t.services.engagement.isCollected(reader.id, a.id)).toBe(true);

      const list = async () => parseBody((await get('/app/v1_0/article/collections', reader.token)).body).data;
      let data = await list();
      expect(data).toMatchObject({ total_count: 3, page: 1, per_page: 10 });
      expect(data.results.map((r: { art_id: string }) => r.art_id)).toEqual([c.id, b.id, a.id].map(String));
      expect(data.results.map((r: { is_liking: boolean }) => r.is_liking)).toEqual([false, true, false]);
      expect(Object.keys(data.results[0]).sort()).toEqual(
        [
          'art_id',
          'aut_id',
          'aut_name',
          'aut_photo',
          'ch_id',
          'collect_count',
          'comm_count',
          'cover',
          'is_liking',
          'is_top',
          'like_count',
          'pubdate',
          'title',
        ].sort(),
      );
      expect(data.results[0].cover).toEqual({ type: 0, images: [] });
      expect(await articleCounts(a.id)).toMatchObject({ collect_count: 1 });

      const removed = await del(`/app/v1_0/article/collections/${a.id}`, reader.token);
      expect(removed.statusCode).toBe(204);
      expect((await del(`/app/v1_0/article/collections/${a.id}`, reader.token)).statusCode).toBe(204);
      expect(await articleCounts(a.id)).toMatchObject({ collect_count: 0 });
      expect(await t.services.engagement.isCollected(reader.id, a.id)).toBe(false);
      data = await list();
      expect(data.results.map((r: { art_id: string }) => r.art_id)).toEqual([c.id, b.id].map(String));

      clock.advance(10);
      await collect(reader.token, String(a.id));
      data = await list();
      expect(data.results.map((r: { art_id: string }) => r.art_id)).toEqual([a.id, c.id, b.id].map(String));
      expect(await articleCounts(a.id)).toMatchObject({ collect_count: 1 });
    });

    it('keeps one row and one count under 50 concurrent collects from one user', async () => {
      const reader = await signIn();
      const a = await article((await author()).id);
      const results = await Promise.all(Array.from({ length: 50 }, () => collect(reader.token, String(a.id))));
      expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
      const rows = await t.platform.db.selectFrom('collections').selectAll().where('article_id', '=', a.id).execute();
      expect(rows).toHaveLength(1);
      expect(await articleCounts(a.id)).toMatchObject({ collect_count: 1 });
    });

    it('pages the collection list, clamps per_page, and leaves out articles hidden since', async () => {
      const reader = await signIn();
      const writer = await author();
      const ids: bigint[] = [];
      for (let i = 0; i < 12; i++) {
        const a = await article(writer.id);
        clock.advance(1);
        await collect(reader.token, String(a.id));
        ids.push(a.id);
      }
      const page = async (query: string) =>
        parseBody((await get(`/app/v1_0/article/collections?${query}`, reader.token)).body).data;
      const first = await page('page=1&per_page=10');
      expect(first).toMatchObject({ total_count: 12, page: 1, per_page: 10 });
      expect(first.results).toHaveLength(10);
      const second = await page('page=2&per_page=10');
      expect(second.results.map((r: { art_id: string }) => r.art_id)).toEqual([ids[1], ids[0]].map(String));
      expect((await page('per_page=100')).per_page).toBe(50);
      expect((await page('per_page=1&page=0')).per_page).toBe(10);
      expect((await page('page=5')).results).toEqual([]);

      await t.platform.db.updateTable('articles').set({ deleted_at: Date.now() }).where('id', '=', ids[11]!).execute();
      const after = await page('');
      expect(after.total_count).toBe(11);
      expect(after.results[0].art_id).toBe(String(ids[10]));
    });
  });

  describe('reports (A42)', () => {
    it('accepts one report per user and article, keeps the remark for type 0 only, and answers 409 on the second', async () => {
      const reader = await signIn();
      const writer = await author();
      const [a, b] = [await article(writer.id), await article(writer.id)];
      const first = await post('/app/v1_0/article/reports', reader.token, {
        target: String(a.id),
        type: 0,
        remark: '  spam link  ',
      });
      expect(first.statusCode).toBe(201);
      expect(parseBody(first.body)).toEqual({ message: 'OK', data: { target: String(a.id), type: 0 } });
      const again = await post('/app/v1_0/article/reports', reader.token, { target: String(a.id), type: 3 });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toEqual({ message: 'User has reported this article.', code: 'conflict' });

      const typed = await post('/app/v1_0/article/reports', reader.token, {
        target: String(b.id),
        type: 5,
        remark: 'ignored',
      });
      expect(typed.statusCode).toBe(201);
      const rows = await t.platform.db
        .selectFrom('reports')
        .select(['article_id', 'type', 'remark'])
        .where('user_id', '=', reader.id)
        .orderBy('type')
        .execute();
      expect(rows).toEqual([
        { article_id: a.id, type: 0, remark: 'spam link' },
        { article_id: b.id, type: 5, remark: '' },
      ]);
      // Another user may report the same article.
      expect(
        (await post('/app/v1_0/article/reports', (await signIn()).token, { target: String(a.id), type: 1 })).statusCode,
      ).toBe(201);
    });

    it('rejects a bad type, a long remark and unknown or draft articles with 400', async () => {
      const reader = await signIn();
      const writer = await author();
      const a = await article(writer.id);
      const draft = await article(writer.id, { status: ArticleStatus.draft });
      for (const body of [
        { target: String(a.id), type: 9 },
        { target: String(a.id), type: -1 },
        { target: String(a.id) },
        { target: String(a.id), type: 0, remark: 'x'.repeat(201) },
        { type: 1 },
      ]) {
        expect(
          (await post('/app/v1_0/article/reports', reader.token, body)).statusCode,
          JSON.stringify(body).slice(0, 60),
        ).toBe(400);
      }
      for (const target of [draft.id, 999n]) {
        const res = await post('/app/v1_0/article/reports', reader.token, { target: String(target), type: 1 });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
      }
      expect(
        (
          await post('/app/v1_0/article/reports', reader.token, {
            target: String(a.id),
            type: 0,
            remark: 'x'.repeat(200),
          })
        ).statusCode,
      ).toBe(201);
    });
  });

  describe("a user's articles (A47, A48)", () => {
    it('lists published articles newest first, paged, publicly cacheable; unknown user is 400 Invalid request.', async () => {
      const writer = await signIn();
      const base = Date.UTC(2026, 1, 1);
      const ids: bigint[] = [];
      for (let i = 0; i < 12; i++) ids.push((await article(writer.id, { published_at: base + i * 1000 })).id);
      await article(writer.id, { status: ArticleStatus.draft });
      await article(writer.id, { deleted_at: Date.now(), published_at: base + 99_000 });
      await article((await author()).id, { published_at: base + 50_000 });

      const res = await get(`/app/v1_0/users/${writer.id}/articles`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      const data = parseBody(res.body).data;
      expect(data).toMatchObject({ total_count: 12, page: 1, per_page: 10 });
      expect(data.results.map((r: { art_id: string }) => r.art_id)).toEqual(ids.slice(2).reverse().map(String));
      expect(data.results[0]).not.toHaveProperty('is_liking');
      expect(String(data.results[0].aut_id)).toBe(String(writer.id));
      expect(data.results[0].pubdate).toBe(t.platform.time.iso(base + 11_000));
      const second = parseBody((await get(`/app/v1_0/users/${writer.id}/articles?page=2`)).body).data;
      expect(second.results.map((r: { art_id: string }) => r.art_id)).toEqual([ids[1], ids[0]].map(String));

      const unknown = await get('/app/v1_0/users/123456789/articles');
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toEqual({ message: 'Invalid request.', code: 'bad_request' });
      expect((await get('/app/v1_0/users/abc/articles')).statusCode).toBe(400);

      // A48 is public: a broken token is ignored, not a 401.
      expect(
        (await t.app.inject({ url: `/app/v1_0/users/${writer.id}/articles`, headers: bearer('garbage') })).statusCode,
      ).toBe(200);

      // A47: the same for the signed-in user, with is_liking.
      await like(writer.token, String(ids[11]));
      const mine = parseBody((await get('/app/v1_0/user/articles?per_page=50', writer.token)).body).data;
      expect(mine).toMatchObject({ total_count: 12, per_page: 50 });
      expect(mine.results.map((r: { art_id: string }) => r.art_id)).toEqual([...ids].reverse().map(String));
      expect(mine.results[0].is_liking).toBe(true);
      expect(mine.results[1].is_liking).toBe(false);
    });

    it('answers 400 for a disabled user', async () => {
      const gone = await author();
      await article(gone.id);
      await t.platform.db.updateTable('users').set({ status: 0 }).where('id', '=', gone.id).execute();
      const res = await get(`/app/v1_0/users/${gone.id}/articles`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid request.', code: 'bad_request' });
    });
  });

  describe('reading history and telemetry (A49, A50, recordRead)', () => {
    const histories = async (token: string, query = '') =>
      parseBody((await get(`/app/v1_0/user/histories${query}`, token)).body).data;

    it('records reads: one history entry per article moved to the top, article_reads rows and read counters', async () => {
      const reader = await signIn();
      const writer = await author();
      const [a, b] = [await article(writer.id), await article(writer.id)];
      const { recordRead } = t.services.engagement;
      clock.advance(5);
      await recordRead(reader.id, a.id, writer.id, 'channel');
      clock.advance(5);
      await recordRead(reader.id, b.id, writer.id, 'search');
      let data = await histories(reader.token);
      expect(data.results.map((r: { art_id: string }) => r.art_id)).toEqual([b.id, a.id].map(String));
      expect(data.total_count).toBe(2);

      clock.advance(5);
      await recordRead(reader.id, a.id, writer.id, 'recommend');
      data = await histories(reader.token);
      expect(data.results.map((r: { art_id: string }) => r.art_id)).toEqual([a.id, b.id].map(String));
      expect(data.total_count).toBe(2);
      expect(data.results[0].is_liking).toBe(false);

      await recordRead(null, a.id, writer.id, 'bogus');
      await t.services.engagement.flushReads(); // article_reads rows are batched
      const reads = await t.platform.db
        .selectFrom('article_reads')
        .select(['user_id', 'source'])
        .where('article_id', '=', a.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      expect(reads).toEqual([
        { user_id: reader.id, source: 'channel' },
        { user_id: reader.id, source: 'recommend' },
        { user_id: null, source: 'other' },
      ]);
      expect((await articleCounts(a.id)).read_count).toBe(3);
      expect((await articleCounts(b.id)).read_count).toBe(1);
      expect((await userCounts(writer.id)).read_count).toBe(4);
    });

    it('writes a view into the history off the response path, within the batch interval, with nobody reading it', async () => {
      const reader = await signIn();
      const writer = await author();
      const a = await article(writer.id);
      await t.services.engagement.recordRead(reader.id, a.id, writer.id, 'channel');
      await vi.waitFor(
        async () => {
          const row = await t.platform.db
            .selectFrom('reading_history')
            .select('article_id')
            .where('user_id', '=', reader.id)
            .executeTakeFirst();
          expect(row?.article_id).toBe(a.id);
        },
        { timeout: 5_000, interval: 50 },
      );
    });

    it(`keeps at most ${HISTORY_CAP} entries, the newest, and pages them`, async () => {
      const reader = await signIn();
      const writer = await author();
      const ids: bigint[] = [];
      for (let i = 0; i < HISTORY_CAP + 5; i++) {
        const a = await article(writer.id);
        clock.advance(1);
        await t.services.engagement.recordRead(reader.id, a.id, writer.id, 'channel');
        ids.push(a.id);
      }
      await t.services.engagement.flushHistory(); // history entries are batched (HISTORY_BATCH_MS)
      const stored = await t.platform.db
        .selectFrom('reading_history')
        .select('article_id')
        .where('user_id', '=', reader.id)
        .execute();
      expect(stored).toHaveLength(HISTORY_CAP);
      expect(new Set(stored.map((r) => r.article_id))).toEqual(new Set(ids.slice(5)));

      const newestFirst = ids.slice(5).reverse().map(String);
      const pages = [];
      for (let page = 1; page <= 3; page++) pages.push(await histories(reader.token, `?page=${page}&per_page=50`));
      expect(pages.map((p) => p.results.length)).toEqual([50, 50, 0]);
      expect(pages.every((p) => p.total_count === HISTORY_CAP && p.per_page === 50)).toBe(true);
      expect([...pages[0].results, ...pages[1].results].map((r: { art_id: string }) => r.art_id)).toEqual(newestFirst);
      expect((await histories(reader.token, '?per_page=5')).results).toHaveLength(10);
    });

    it('answers A50 with the bare {"message":"OK"} and puts the duration on the reader’s newest view', async () => {
      const reader = await signIn();
      const writer = await author();
      const a = await article(writer.id);
      await t.services.engagement.recordRead(reader.id, a.id, writer.id, 'channel');
      clock.advance(10);
      await t.services.engagement.recordRead(reader.id, a.id, writer.id, 'channel');
      const res = await post(
        '/app/v1_0/reading/durations',
        reader.token,
        { duration: 42, art_id: String(a.id) },
        { trace: 'read-trace' },
      );
      expect(res.statusCode).toBe(201);
      expect(res.body).toBe('{"message":"OK"}');
      const rows = await t.platform.db
        .selectFrom('article_reads')
        .select(['duration_seconds', 'created_at'])
        .where('article_id', '=', a.id)
        .orderBy('created_at')
        .execute();
      expect(rows.map((r) => r.duration_seconds)).toEqual([0, 42]);

      // Capped at 4 hours; a later report overwrites.
      await post('/app/v1_0/reading/durations', reader.token, { duration: 10 * 3600, art_id: String(a.id) });
      const newest = await t.platform.db
        .selectFrom('article_reads')
        .select('duration_seconds')
        .where('article_id', '=', a.id)
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      expect(newest.duration_seconds).toBe(MAX_READ_SECONDS);
      expect((await articleCounts(a.id)).read_count).toBe(2);
    });

    it('A50 without a token claims an anonymous view, else inserts an "other" row that counts no read', async () => {
      const writer = await author();
      const a = await article(writer.id, { id: ++smallId });
      await t.services.engagement.recordRead(null, a.id, writer.id, 'recommend');
      const first = await post('/app/v1_0/reading/durations', undefined, { duration: 30, art_id: Number(a.id) });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toEqual({ message: 'OK' });
      const second = await post('/app/v1_0/reading/durations', undefined, { duration: 15, art_id: String(a.id) });
      expect(second.statusCode).toBe(201);
      expect(
        (await post('/app/v1_0/reading/durations', undefined, { duration: 0, art_id: String(a.id) })).statusCode,
      ).toBe(201);
      const rows = await t.platform.db
        .selectFrom('article_reads')
        .select(['user_id', 'source', 'duration_seconds'])
        .where('article_id', '=', a.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { user_id: null, source: 'recommend', duration_seconds: 30 },
        { user_id: null, source: 'other', duration_seconds: 15 },
      ]);
      expect((await articleCounts(a.id)).read_count).toBe(1);

      // A signed-in reader without a recorded view gets a row of their own.
      const reader = await signIn();
      await post('/app/v1_0/reading/durations', reader.token, { duration: 5, art_id: String(a.id) });
      const own = await t.platform.db
        .selectFrom('article_reads')
        .select(['source', 'duration_seconds'])
        .where('user_id', '=', reader.id)
        .execute();
      expect(own).toEqual([{ source: 'other', duration_seconds: 5 }]);
    });

    it('A50 rejects bad bodies and unknown articles with 400, and a broken token with 401', async () => {
      const a = await article((await author()).id);
      const draft = await article((await author()).id, { status: ArticleStatus.draft });
      for (const body of [
        { duration: -1, art_id: String(a.id) },
        { duration: 1.5, art_id: String(a.id) },
        { duration: 3 },
        { art_id: String(a.id) },
      ]) {
        expect(
          (await post('/app/v1_0/reading/durations', undefined, body)).statusCode,
          JSON.stringify(body).slice(0, 40),
        ).toBe(400);
      }
      for (const target of [draft.id, 999n]) {
        const res = await post('/app/v1_0/reading/durations', undefined, { duration: 3, art_id: String(target) });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
      }
      expect(
        (await post('/app/v1_0/reading/durations', 'garbage', { duration: 3, art_id: String(a.id) })).statusCode,
      ).toBe(401);
    });
  });
});
