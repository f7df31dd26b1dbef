import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';

const HOUR = 3_600_000;
const READER_MOBILE = '13611111111';

let t: TestApp;
let token: string;
let readerId: bigint;
const channels: bigint[] = [];
const authors: bigint[] = [];
/** Every visible article: the candidates of channel 0 (fewer than the recommender's bounds). */
const visible = new Map<string, { channel: bigint; author: bigint }>();
let disliked: bigint;
let alreadyRead: bigint;
let blockedAuthor: bigint;
let affinityInOwnChannel: bigint;
let affinityElsewhere: bigint;

interface Counts {
  read_count?: number;
  like_count?: number;
  comment_count?: number;
  collect_count?: number;
}

async function article(channel: bigint, author: bigint, ageHours: number, counts: Counts = {}, title?: string) {
  const row = await newArticle(t.platform, {
    user_id: author,
    channel_id: channel,
    published_at: Date.now() - Math.round(ageHours * HOUR),
    ...(title ? { title } : {}),
  });
  if (Object.keys(counts).length > 0)
    await t.platform.db.updateTable('articles').set(counts).where('id', '=', row.id).execute();
  visible.set(String(row.id), { channel, author });
  return row.id;
}

/** The README's hot score, written out again here so the test checks the formula, not just the code. */
function hot(c: Required<Counts> & { published_at: number }, now: number) {
  const ageHours = (now - c.published_at) / HOUR;
  return (
    (c.read_count + 5 * c.like_count + 10 * c.comment_count + 8 * c.collect_count + 1) / Math.pow(ageHours + 2, 1.5)
  );
}

const bearer = () => ({ authorization: `Bearer ${token}` });

async function feed(channel: bigint | number, timestamp: number, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    url: `/app/v1_1/articles?channel_id=${channel}&timestamp=${timestamp}&with_top=1`,
    headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data as {
    pre_timestamp: number;
    results: { art_id: string | number; title: string; like_count: number; aut_id: unknown; ch_id: number }[];
  };
}

/** Scrolls channel 0 the way the app does until a page comes back empty. */
async function scroll(headers: Record<string, string> = {}, between?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  let timestamp = Date.now();
  for (let page = 0; page < 100; page++) {
    const data = await feed(0, timestamp, headers);
    if (data.results.length === 0) return seen;
    expect(data.pre_timestamp).toBeGreaterThan(0);
    expect(Number.isSafeInteger(data.pre_timestamp)).toBe(true);
    seen.push(...data.results.map((card) => String(card.art_id)));
    timestamp = data.pre_timestamp;
    await between?.(page);
  }
  throw new Error('channel 0 never ended');
}

describe(`feed and article caching (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    const p = t.platform;
    for (const [id, name] of [
      [71n, 'frontend'],
      [72n, 'backend'],
      [73n, 'ai'],
    ] as const) {
      channels.push((await newChannel(p, { id, name })).id);
    }
    for (let i = 0; i < 3; i++) authors.push((await newUser(p, { name: `feed author ${i}` })).id);
    blockedAuthor = authors[2]!;

    // 36 ordinary articles over three days, engagement all over the place.
    for (let i = 0; i < 36; i++) {
      await article(channels[i % 3]!, authors[i % 2]!, 1 + i * 2, {
        read_count: (i * 37) % 500,
        like_count: (i * 13) % 40,
        comment_count: (i * 7) % 9,
        collect_count: (i * 5) % 11,
      });
    }
    // The blacklisted author: three fresh, very popular articles.
    for (let i = 0; i < 3; i++)
      await article(channels[i]!, blockedAuthor, 0.5 + i, { read_count: 5000, like_count: 400 });
    disliked = await article(channels[0]!, authors[0]!, 0.2, { read_count: 4000, like_count: 300 });
    alreadyRead = await article(channels[1]!, authors[1]!, 0.3, { read_count: 3500, like_count: 250 });
    // Same age and author; the one outside the reader's channels is a little more popular.
    affinityElsewhere = await article(channels[0]!, authors[0]!, 30, { read_count: 110, like_count: 11 });
    affinityInOwnChannel = await article(channels[2]!, authors[0]!, 30, { read_count: 100, like_count: 10 });
    // Never candidates: a draft, a deleted article, one published in the future.
    await newArticle(p, { user_id: authors[0]!, channel_id: channels[0]!, status: 1, published_at: null });
    await newArticle(p, {
      user_id: authors[0]!,
      channel_id: channels[0]!,
      published_at: Date.now() - HOUR,
      deleted_at: Date.now(),
    });
    await newArticle(p, { user_id: authors[0]!, channel_id: channels[0]!, published_at: Date.now() + 24 * HOUR });

    const login = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      payload: { mobile: READER_MOBILE, code: '246810' },
    });
    expect(login.statusCode).toBe(201);
    token = login.json().data.token;
    readerId = (
      await p.db.selectFrom('users').select('id').where('mobile', '=', READER_MOBILE).executeTakeFirstOrThrow()
    ).id;

    const now = Date.now();
    await p.db
      .insertInto('attitudes')
      .values({ user_id: readerId, article_id: disliked, attitude: 0, created_at: now, updated_at: now })
      .execute();
    await p.db
      .insertInto('reading_history')
      .values({ user_id: readerId, article_id: alreadyRead, created_at: now, read_at: now })
      .execute();
    await p.db
      .insertInto('blacklists')
      .values({ user_id: readerId, target_user_id: blockedAuthor, created_at: now })
      .execute();
    await p.db
      .insertInto('user_channels')
      .values({ user_id: readerId, channel_id: channels[2]!, sequence: 1, created_at: now, updated_at: now })
      .execute();
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('channel 0', () => {
    it('gives anonymous readers the hot list, ordered by time-decayed engagement', async () => {
      const rows = await t.platform.db
        .selectFrom('articles')
        .select(['id', 'published_at', 'read_count', 'like_count', 'comment_count', 'collect_count'])
        .where('deleted_at', 'is', null)
        .where('status', '=', 2)
        .where('published_at', '<=', Date.now())
        .execute();
      const now = Date.now();
      const expected = rows
        .map((r) => ({ id: String(r.id), score: hot({ ...r, published_at: r.published_at! }, now) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10)
        .map((r) => r.id);

      for (const headers of [{}, { authorization: 'Anony device-123' }] as Record<string, string>[]) {
        const data = await feed(0, Date.now(), headers);
        expect(data.results.map((card) => String(card.art_id))).toEqual(expected);
      }
      // Anonymous readers see what signed-in readers have excluded.
      expect(expected).toContain(String(disliked));
    });

    it('pages a session to its end without repeating or skipping, whatever changes meanwhile', async () => {
      const late: string[] = [];
      const seen = await scroll({ authorization: 'Anony device-123' }, async (page) => {
        if (page !== 1) return;
        // Mid-session: scores move, the hot list is recomputed, a new article appears.
        const first = [...visible.keys()][0]!;
        await t.services.counters.write(async () => ({
          value: null,
          changes: [{ entity: 'article', id: BigInt(first), field: 'like_count', by: 100_000 }],
        }));
        await t.services.counters.flush();
        await t.services.feed.refreshHot();
        late.push(String(await article(channels[1]!, authors[1]!, 0, { read_count: 1_000_000 })));
      });
      expect(new Set(seen).size).toBe(seen.length);
      const candidates = [...visible.keys()].filter((id) => !late.includes(id));
      expect(new Set(seen)).toEqual(new Set(candidates));

      // A new session (the app's refresh) starts from the new ranking, which now leads with the late article.
      const fresh = await feed(0, Date.now());
      expect(String(fresh.results[0]!.art_id)).toBe(late[0]);
    });

    it('excludes disliked and read articles and blacklisted authors for that reader, and never repeats', async () => {
      await t.services.feed.forgetReader(readerId);
      const seen = await scroll(bearer());
      expect(new Set(seen).size).toBe(seen.length);
      const expected = [...visible.entries()]
        .filter(([id, a]) => id !== String(disliked) && id !== String(alreadyRead) && a.author !== blockedAuthor)
        .map(([id]) => id);
      expect(new Set(seen)).toEqual(new Set(expected));
    });

    it('ranks the reader’s own channel higher (affinity)', async () => {
      await t.services.feed.forgetReader(readerId);
      const personal = await scroll(bearer());
      const anonymous = await scroll();
      const before = (list: string[]) =>
        list.indexOf(String(affinityInOwnChannel)) < list.indexOf(String(affinityElsewhere));
      expect(before(anonymous)).toBe(false);
      expect(before(personal)).toBe(true);
    });

    it('starts a new session for an unknown or foreign cursor instead of failing', async () => {
      const anonymous = await feed(0, Date.now());
      // A signed-in reader passing an anonymous cursor, and a made-up cursor, get a first page.
      const mine = await feed(0, anonymous.pre_timestamp, bearer());
      expect(mine.results).toHaveLength(10);
      expect((await feed(0, 123_456_789)).results).toHaveLength(10);
      expect((await feed(0, 1)).results).toHaveLength(10);
    });
  });

  describe('channel timelines and the article caches', () => {
    it('shows an edited title once the article is invalidated, in the feed and the detail', async () => {
      const channel = channels[0]!;
      const first = await feed(channel, Date.now());
      const id = BigInt(first.results[0]!.art_id);
      const detail = async () =>
        parseBody((await t.app.inject({ url: `/app/v1_0/articles/${id}` })).body).data.title as string;
      const original = await detail();
      expect(first.results[0]!.title).toBe(original);

      await t.platform.db
        .updateTable('articles')
        .set({ title: 'Edited title', updated_at: Date.now() })
        .where('id', '=', id)
        .execute();
      // Cached: the edit is not visible yet.
      expect(await detail()).toBe(original);
      await t.services.articles.invalidateArticle(id);
      expect(await detail()).toBe('Edited title');
      expect((await feed(channel, Date.now())).results[0]!.title).toBe('Edited title');
    });

    it('puts a newly published article on the first page once it is announced', async () => {
      const channel = channels[1]!;
      await feed(channel, Date.now());
      const id = await article(channel, authors[0]!, 0, {}, 'Just published');
      t.platform.events.publish('article.changed', { articleId: id, visible: true, at: Date.now() });
      await t.platform.events.settle();
      // A moment later, as the app's next refresh would be (its publish millisecond is not "before" itself).
      const page = await feed(channel, Date.now() + 1000);
      expect(page.results[0]!.title).toBe('Just published');
    });

    it('reaches the database once per unknown id: a second flood of the same ids costs no query', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => 8_000_000_000_000_000_000n + BigInt(i) * 7919n);
      const flood = async () => {
        for (const id of ids) expect((await t.app.inject({ url: `/app/v1_0/articles/${id}` })).statusCode).toBe(404);
      };
      const start = t.platform.metrics.dbQueries();
      await flood();
      const first = t.platform.metrics.dbQueries() - start;
      expect(first).toBeGreaterThanOrEqual(200);
      const again = t.platform.metrics.dbQueries();
      await flood();
      expect(t.platform.metrics.dbQueries() - again).toBe(0);
    });

    it('answers 304 to If-None-Match and to If-Modified-Since on the detail', async () => {
      const id = [...visible.keys()][5]!;
      const url = `/app/v1_0/articles/${id}`;
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      const etag = res.headers.etag as string;
      const lastModified = res.headers['last-modified'] as string;
      expect(etag).toBeTruthy();
      expect(lastModified).toBeTruthy();

      expect((await t.app.inject({ url, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
      expect((await t.app.inject({ url, headers: { 'if-modified-since': lastModified } })).statusCode).toBe(304);
      const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
      expect((await t.app.inject({ url, headers: { 'if-modified-since': older } })).statusCode).toBe(200);

      // Signed in: personal flags, so no Last-Modified (ETags still work).
      const mine = await t.app.inject({ url, headers: bearer() });
      expect(mine.statusCode).toBe(200);
      expect(mine.headers['last-modified']).toBeUndefined();
      expect(parseBody(mine.body).data).toMatchObject({ is_followed: false, attitude: -1, is_collected: false });
    });

    it('shows a moved counter on cached cards at once, and after a flush', async () => {
      const channel = channels[2]!;
      const before = (await feed(channel, Date.now())).results[0]!;
      const id = BigInt(before.art_id);
      await t.services.counters.write(async () => ({
        value: null,
        changes: [{ entity: 'article', id, field: 'like_count', by: 1 }],
      }));
      const after = (await feed(channel, Date.now(), bearer())).results[0]!;
      expect(String(after.art_id)).toBe(String(id));
      expect(after.like_count).toBe(before.like_count + 1);
      await t.services.counters.flush();
      expect((await feed(channel, Date.now())).results[0]!.like_count).toBe(before.like_count + 1);
    });

    it('sends shared pages as JSON with exact ids and only the contract’s fields, the same bytes each time', async () => {
      const url = `/app/v1_1/articles?channel_id=${channels[0]}&timestamp=${Date.now()}&with_top=1`;
      const first = await t.app.inject({ url });
      const again = await t.app.inject({ url });
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(again.body).toBe(first.body);
      expect(again.headers.etag).toBe(first.headers.etag);
      const card = parseBody(first.body).data.results[0];
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
      expect(first.body).toContain(`"art_id":${card.art_id},`);
      expect((await t.app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } })).statusCode).toBe(
        304,
      );
    });

    it('gives related articles sharing title words, from the same channel', async () => {
      const channel = channels[1]!;
      const base = await article(channel, authors[0]!, 3, {}, 'Kubernetes operators in practice');
      const near = await article(channel, authors[1]!, 40, {}, 'Writing Kubernetes operators');
      await article(channel, authors[1]!, 41, {}, 'Database indexing basics');
      const other = await article(channels[0]!, authors[1]!, 2, {}, 'Kubernetes operators elsewhere');
      const data = parseBody((await t.app.inject({ url: `/app/v1_0/articles/${base}` })).body).data;
      const related = data.recomments.map((r: { art_id: unknown }) => String(r.art_id));
      expect(related[0]).toBe(String(near));
      expect(related).not.toContain(String(other));
      expect(related).not.toContain(String(base));
      expect(related.length).toBeLessThanOrEqual(4);
    });

    it('a newly visible article joins the related lists of its channel once its article.changed is out', async () => {
      const channel = channels[1]!;
      const relatedOf = async (id: bigint) =>
        parseBody((await t.app.inject({ url: `/app/v1_0/articles/${id}` })).body).data.recomments.map(
          (r: { art_id: unknown }) => String(r.art_id),
        );
      // The channel's candidate pool is now loaded and kept in the process.
      await relatedOf(await article(channel, authors[0]!, 5, {}, 'Service mesh sidecars'));
      const fresh = await article(channel, authors[1]!, 0.5, {}, 'Service mesh sidecars at scale');
      const reader = await article(channel, authors[0]!, 6, {}, 'Service mesh sidecars explained');
      t.platform.events.publish('article.changed', { articleId: fresh, visible: true, at: Date.now() });
      await t.platform.events.settle();
      expect(await relatedOf(reader)).toContain(String(fresh));
    });
  });
});
