/**
 * A04–A07 and M16 over HTTP, index maintenance through events and jobs, and reindexing while
 * requests are served.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { progressPrinter } from '../../src/modules/search/search.cli.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { randomIp } from '../helpers/http.js';

let t: TestApp;
let channelId: bigint;
let authorId: bigint;
let mobileCounter = 0;
const newMobile = () => `137${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter).padStart(2, '0')}`;

async function signIn(mobile = newMobile()) {
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  const token = res.json().data.token as string;
  const userId = BigInt(
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { user_id: number }).user_id,
  );
  return { mobile, userId, headers: { authorization: `Bearer ${token}` } };
}

interface Card {
  art_id: string | number;
  title: string;
  title_highlight: string;
  snippet: string;
  cover: { type: number; images: string[] };
  pubdate: string;
}

async function search(q: string, query = '', headers: Record<string, string> = {}) {
  const res = await t.app.inject({ url: `/app/v1_0/search?q=${encodeURIComponent(q)}${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data as { total_count: number; page: number; per_page: number; results: Card[] };
}

const ids = (page: { results: Card[] }) => page.results.map((r) => BigInt(r.art_id));
const changed = async (articleId: bigint) => {
  t.platform.events.publish('article.changed', { articleId, visible: true, at: Date.now() });
  await t.platform.events.settle();
  await t.platform.jobs.drain();
};

const article = (values: {
  title: string;
  content?: string;
  status?: number;
  user_id?: bigint;
  published_at?: number | null;
  deleted_at?: number | null;
  cover_type?: number;
  cover_images?: string[];
}) => newArticle(t.platform, { user_id: authorId, channel_id: channelId, ...values });

describe(`search over HTTP (db=${testDb}, redis=${testRedis})`, () => {
  const seeded: Record<string, bigint> = {};

  beforeAll(async () => {
    t = await buildTestApp();
    channelId = (await newChannel(t.platform)).id;
    authorId = (await newUser(t.platform, { name: '作者甲' })).id;
    const now = Date.now();
    const rows: [string, string, string][] = [
      ['python', 'Python 入门教程', '<p>从零开始学习 <b>Python</b> 编程。</p>'],
      ['ml', '机器学习实战', '<p>用 python 训练模型，北京的数据集。</p>'],
      ['frontend', '前端开发指南', '<p>前端工程师的 html5 与 vue3.0 实践。</p>'],
      ['beijing', '北京旅游攻略', '<p>故宫与长城。</p>'],
      ['cpp', 'C++ 性能优化', '<p>c++ 的内存布局。</p>'],
    ];
    for (const [key, title, content] of rows)
      seeded[key] = (await article({ title, content, published_at: now - 3_600_000 })).id;
    for (let i = 0; i < 30; i++)
      await article({
        title: `日常随笔 ${i + 1}`,
        content: '<p>今天天气不错，出门散步。</p>',
        published_at: now - i * 60_000,
      });
    await t.services.search.reindex();
  });
  afterAll(async () => {
    await t?.close();
  });

  // At 20k articles the planner's default disk costs chose a sequential scan that reads every
  // row's TOASTed tsvector (225 ms) over the GIN index (8 ms): the app's sessions price pages as
  // an SSD does. (Too few rows here to show the plan itself.)
  it.skipIf(testDb !== 'postgres')('plans PostgreSQL searches with random_page_cost 1.1', async () => {
    const { rows } = await sql<{ random_page_cost: string }>`SHOW random_page_cost`.execute(t.platform.db);
    expect(rows[0]?.random_page_cost).toBe('1.1');
  });

  describe('A05 search', () => {
    it('returns ArticleCards with highlights, approved articles only', async () => {
      const hidden = await article({ title: 'Python 草稿', status: ArticleStatus.draft, published_at: null });
      await changed(hidden.id);
      const page = await search('python');
      expect(page).toMatchObject({ total_count: 2, page: 1, per_page: 10 });
      expect(ids(page)).toEqual([seeded.python, seeded.ml]);
      const first = page.results[0]!;
      expect(Object.keys(first).sort()).toEqual(
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
          'snippet',
          'title',
          'title_highlight',
        ].sort(),
      );
      expect(first.title).toBe('Python 入门教程');
      expect(first.title_highlight).toBe('<em>Python</em> 入门教程');
      expect(first.snippet).toBe('从零开始学习 <em>Python</em> 编程。');
      expect(first.pubdate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(first.cover).toEqual({ type: 0, images: [] });
      expect(page.results[1]!.title_highlight).toBe('机器学习实战');
      expect(page.results[1]!.snippet).toContain('<em>python</em>');
    });

    it('clamps paging and keeps total_count past the end', async () => {
      const small = await search('随笔', '&per_page=5');
      expect(small.per_page).toBe(10);
      expect(small.total_count).toBe(30);
      expect(small.results).toHaveLength(10);
      const big = await search('随笔', '&per_page=100');
      expect(big.per_page).toBe(50);
      expect(big.results).toHaveLength(30);
      const third = await search('随笔', '&page=3');
      expect(third.results).toHaveLength(10);
      expect((await search('随笔', '&page=0')).page).toBe(1);
      const past = await search('随笔', '&page=9');
      expect(past).toMatchObject({ total_count: 30, page: 9, results: [] });
      const all = [...ids(await search('随笔')), ...ids(await search('随笔', '&page=2')), ...ids(third)];
      expect(new Set(all).size).toBe(30);
    });

    it('400 for a missing, empty or 51-character q; 50 characters is fine', async () => {
      for (const url of [
        '/app/v1_0/search',
        '/app/v1_0/search?q=',
        `/app/v1_0/search?q=${'长'.repeat(51)}`,
        `/app/v1_0/search?q=${'a'.repeat(51)}`,
      ]) {
        const res = await t.app.inject({ url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().message).toBeDefined();
      }
      expect(
        (await t.app.inject({ url: `/app/v1_0/search?q=${encodeURIComponent('长'.repeat(50))}` })).statusCode,
      ).toBe(200);
    });

    it('odd input is an empty or normal result, never a 500 or an engine syntax error', async () => {
      const inputs = [
        '"',
        '*',
        'NEAR',
        '-',
        'OR',
        'MATCH',
        ')',
        '(',
        '"python',
        'python*',
        'NEAR(python java)',
        "'; DROP TABLE articles; --",
        '\\',
        '😀',
        '😀😀😀',
        '，。！',
        '+-~<>@',
        'x'.repeat(50),
        'Python（入门）',
        'Привет',
      ];
      for (const q of inputs) {
        const res = await t.app.inject({ url: `/app/v1_0/search?q=${encodeURIComponent(q)}` });
        expect(res.statusCode, q).toBe(200);
        const data = res.json().data;
        expect(data.total_count, q).toBeGreaterThanOrEqual(0);
      }
      for (const q of ['"', '*', ')', '😀😀😀', '，。！']) expect((await search(q)).total_count, q).toBe(0);
      expect(ids(await search('"python'))).toEqual([seeded.python, seeded.ml]);
    });

    it('optional auth: a bad token is a 401', async () => {
      const res = await t.app.inject({ url: '/app/v1_0/search?q=python', headers: { authorization: 'Bearer nope' } });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('A06 / A04 history', () => {
    it('records page-1 searches of signed-in users: newest first, deduplicated, at most 4', async () => {
      const user = await signIn();
      const list = async () => {
        const res = await t.app.inject({ url: '/app/v1_0/search/histories', headers: user.headers });
        expect(res.statusCode).toBe(200);
        return res.json().data.keywords as string[];
      };
      expect(await list()).toEqual([]);
      await search('python', '', user.headers);
      await search('前端', '', user.headers);
      await search('随笔', '&page=2', user.headers); // not page 1
      await search('没有结果的词', '', user.headers); // recorded even without hits
      expect(await list()).toEqual(['没有结果的词', '前端', 'python']);
      await search('python', '', user.headers);
      expect(await list()).toEqual(['python', '没有结果的词', '前端']);
      await search('c++', '', user.headers);
      await search('北京', '', user.headers);
      expect(await list()).toEqual(['北京', 'c++', 'python', '没有结果的词']);

      const other = await signIn();
      expect(
        (await t.app.inject({ url: '/app/v1_0/search/histories', headers: other.headers })).json().data.keywords,
      ).toEqual([]);

      const del = await t.app.inject({ method: 'DELETE', url: '/app/v1_0/search/histories', headers: user.headers });
      expect(del.statusCode).toBe(204);
      expect(del.body).toBe('');
      expect(await list()).toEqual([]);
    });

    it('needs a signed-in user; anonymous searches record nothing', async () => {
      expect((await t.app.inject({ url: '/app/v1_0/search/histories' })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'DELETE', url: '/app/v1_0/search/histories' })).statusCode).toBe(401);
    });

    it('the size is a factory option', async () => {
      const { createSearchHistory } = await import('../../src/modules/search/search.history.js');
      const history = createSearchHistory(t.platform.kv, 2);
      for (const q of ['a', 'b', 'c']) await history.record(999n, q);
      expect(await history.list(999n)).toEqual(['c', 'b']);
      await history.clear(999n);
    });
  });

  describe('A07 suggestion', () => {
    const suggest = async (q: string) => {
      const res = await t.app.inject({ url: `/app/v1_0/suggestion?q=${encodeURIComponent(q)}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.options as string[];
    };

    beforeAll(async () => {
      await t.services.search.refreshVocabulary();
      await t.services.search.suggestions.refresh();
    });

    it('completes from titles and the vocabulary; every option contains what was typed', async () => {
      const options = await suggest('py');
      expect(options).toContain('python');
      expect(options).toContain('Python 入门教程');
      for (const o of options) expect(o.toLowerCase()).toContain('py');
      expect((await suggest('北京'))[0]).toBe('北京');
      expect(await suggest('北京')).toContain('北京旅游攻略');
      expect(await suggest('PY')).toEqual(options);
    });

    it('earlier successful queries complete first', async () => {
      await search('python 入门教程');
      await search('python 入门教程');
      await search('python 没有这样的文章');
      const options = await suggest('python 入');
      expect(options[0]).toBe('python 入门教程');
      expect(await suggest('python 没')).toEqual([]);
    });

    it('did you mean: spelling and pinyin when nothing completes', async () => {
      expect((await suggest('pyhton'))[0]).toBe('python');
      expect(await suggest('beijing')).toContain('北京');
      expect(await suggest('qianduan')).toContain('前端');
      expect(await suggest('lvyou')).toContain('旅游');
    });

    it('at most 10 options; 400 for a missing or too long q; [] for nothing', async () => {
      for (let i = 0; i < 15; i++) await search(`随笔 ${i + 1}`);
      expect((await suggest('随')).length).toBeLessThanOrEqual(10);
      expect((await t.app.inject({ url: '/app/v1_0/suggestion' })).statusCode).toBe(400);
      expect((await t.app.inject({ url: `/app/v1_0/suggestion?q=${'a'.repeat(51)}` })).statusCode).toBe(400);
      expect(await suggest('😀')).toEqual([]);
      expect(await suggest('"*)')).toEqual([]);
    });
  });

  describe('M16 MP search', () => {
    it('searches the author’s own non-deleted articles of any status, in the MP list shape', async () => {
      const author = await signIn();
      await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', author.userId).execute();
      const mp = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/mp/v1_0/authorizations',
        payload: { mobile: author.mobile, code: '246810', agree: true },
      });
      expect(mp.statusCode).toBe(201);
      const headers = { authorization: `Bearer ${mp.json().data.token as string}` };
      const mine = async (values: Parameters<typeof article>[0]) => {
        const row = await article({ ...values, user_id: author.userId });
        await changed(row.id);
        return row.id;
      };
      const draft = await mine({ title: 'Rust 学习笔记（草稿）', status: ArticleStatus.draft, published_at: null });
      const approved = await mine({ title: 'Rust 学习笔记', cover_type: 1, cover_images: ['covers/rust.png'] });
      const deleted = await mine({
        title: 'Rust 学习笔记（已删）',
        status: ArticleStatus.deleted,
        deleted_at: Date.now(),
      });
      await article({ title: 'Rust 学习笔记（别人的）' }).then((r) => changed(r.id));

      const res = await t.app.inject({ url: '/mp/v1_0/search?q=Rust', headers });
      expect(res.statusCode, res.body).toBe(200);
      const data = parseBody(res.body).data;
      expect(data).toMatchObject({ total_count: 2, page: 1, per_page: 10 });
      const found = data.results.map((r: { id: string | number }) => BigInt(r.id));
      expect(found.sort()).toEqual([draft, approved].sort());
      expect(found).not.toContain(deleted);
      for (const r of data.results) {
        expect(Object.keys(r).sort()).toEqual(['cover', 'id', 'pubdate', 'status', 'title']);
        expect(r.pubdate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      }
      const withCover = data.results.find((r: { id: string | number }) => BigInt(r.id) === approved);
      expect(withCover.status).toBe(2);
      expect(withCover.cover).toEqual({ type: 1, images: ['http://inkstone.test/media/covers/rust.png'] });

      expect((await t.app.inject({ url: '/mp/v1_0/search', headers })).statusCode).toBe(400);
      expect((await t.app.inject({ url: `/mp/v1_0/search?q=${'a'.repeat(51)}`, headers })).statusCode).toBe(400);
      expect((await t.app.inject({ url: '/mp/v1_0/search?q=Rust', headers: author.headers })).statusCode).toBe(403);
      expect((await t.app.inject({ url: '/mp/v1_0/search?q=Rust' })).statusCode).toBe(401);

      // The search service's M16 is full-text over title and body (whichever module serves the route).
      await mine({
        title: '周报',
        content: '<p>本周用 Rust 重写了解析器。</p>',
        status: ArticleStatus.pending,
        published_at: null,
      });
      const full = await t.services.search.mpSearch({ q: 'rust 解析器', page: 1, perPage: 10, userId: author.userId });
      expect(full.total_count).toBe(1);
      expect(full.results[0]).toMatchObject({ title: '周报', status: 1 });
    });
  });

  describe('index maintenance through events and jobs', () => {
    it('approve, edit, delete and ban reach the index; nothing happens inside the publisher', async () => {
      const row = await article({
        title: '量子计算科普',
        content: '<p>量子比特。</p>',
        status: ArticleStatus.pending,
        published_at: null,
      });
      await changed(row.id);
      expect((await search('量子计算')).total_count).toBe(0);

      // Approved.
      await t.platform.db
        .updateTable('articles')
        .set({ status: ArticleStatus.approved, published_at: Date.now() })
        .where('id', '=', row.id)
        .execute();
      // Nothing runs inside the publisher: subscribers (the index job's enqueuer among them) start
      // on a later turn. Checked synchronously; a search here would race the in-process job.
      let subscribersRan = false;
      const unsubscribe = t.platform.events.subscribe('article.changed', () => {
        subscribersRan = true;
      });
      const published: unknown = t.platform.events.publish('article.changed', {
        articleId: row.id,
        visible: true,
        at: Date.now(),
      });
      expect(published).toBeUndefined();
      expect(subscribersRan).toBe(false);
      await t.platform.events.settle();
      unsubscribe();
      expect(subscribersRan).toBe(true);
      await t.platform.jobs.drain();
      expect(ids(await search('量子计算'))).toEqual([row.id]);

      // Edited.
      await t.platform.db.updateTable('articles').set({ title: '量子通信科普' }).where('id', '=', row.id).execute();
      await changed(row.id);
      expect((await search('计算')).total_count).toBe(0);
      expect(ids(await search('量子通信'))).toEqual([row.id]);
      expect((await search('量子通信')).results[0]!.title).toBe('量子通信科普');

      // Banned, then back, then deleted.
      await t.platform.db
        .updateTable('articles')
        .set({ status: ArticleStatus.banned })
        .where('id', '=', row.id)
        .execute();
      await changed(row.id);
      expect((await search('量子通信')).total_count).toBe(0);
      await t.platform.db
        .updateTable('articles')
        .set({ status: ArticleStatus.approved })
        .where('id', '=', row.id)
        .execute();
      await changed(row.id);
      expect((await search('量子通信')).total_count).toBe(1);
      await t.platform.db
        .updateTable('articles')
        .set({ status: ArticleStatus.deleted, deleted_at: Date.now() })
        .where('id', '=', row.id)
        .execute();
      await changed(row.id);
      expect((await search('量子通信')).total_count).toBe(0);
      expect(
        await t.platform.db
          .selectFrom('search_documents')
          .select('article_id')
          .where('article_id', '=', row.id)
          .execute(),
      ).toEqual([]);
    });

    it('comments move popularity through a (coalesced, delayed) job', async () => {
      const quiet = await article({ title: '咖啡豆烘焙', published_at: Date.now() - 60_000 });
      const busy = await article({ title: '咖啡豆烘焙', published_at: Date.now() - 60_000 });
      await changed(quiet.id);
      await changed(busy.id);
      const before = ids(await search('咖啡豆'));
      expect(before.sort()).toEqual([quiet.id, busy.id].sort());
      await t.platform.db.updateTable('articles').set({ comment_count: 40 }).where('id', '=', busy.id).execute();
      for (let i = 0; i < 3; i++) {
        t.platform.events.publish('comment.created', {
          actorId: 1n,
          articleId: busy.id,
          authorId,
          commentId: BigInt(900 + i),
          parentId: null,
          at: Date.now(),
        });
      }
      await t.platform.events.settle();
      await t.platform.jobs.drain();
      const row = await t.platform.db
        .selectFrom('search_documents')
        .select('popularity')
        .where('article_id', '=', busy.id)
        .executeTakeFirstOrThrow();
      expect(row.popularity).toBe(120);
      expect(ids(await search('咖啡豆'))).toEqual([busy.id, quiet.id]);
    });
  });

  describe('reindex', () => {
    it('rebuilds from the database while searches keep answering', async () => {
      // Drift: an article the index never heard of, and a document whose article is gone.
      const missed = await article({ title: '冰川徒步路线' });
      const stale = await article({ title: '冰川融化观察' });
      await changed(stale.id);
      await t.platform.db
        .updateTable('articles')
        .set({ status: ArticleStatus.deleted, deleted_at: Date.now() })
        .where('id', '=', stale.id)
        .execute();
      // The stale document still counts, but its card is no longer visible.
      expect(await search('冰川')).toMatchObject({ total_count: 1, results: [] });
      const steady = await search('python');

      let errors = 0;
      let checks = 0;
      let done = false;
      const reindexing = t.services.search.reindex({ batchSize: 7 }).finally(() => (done = true));
      while (!done) {
        // Let timers and I/O run between requests, as a real server's event loop does.
        await new Promise((resolve) => setImmediate(resolve));
        const page = await search('python');
        checks++;
        if (page.total_count !== steady.total_count || ids(page).join() !== ids(steady).join()) errors++;
      }
      const result = await reindexing;
      expect(checks).toBeGreaterThan(0);
      expect(errors).toBe(0);
      expect(result.removed).toBeGreaterThanOrEqual(1);
      expect(ids(await search('冰川'))).toEqual([missed.id]);
      expect(
        await t.platform.db
          .selectFrom('search_documents')
          .select('article_id')
          .where('article_id', '=', stale.id)
          .execute(),
      ).toEqual([]);
    });

    it('prints progress: a line per 10 % without a terminal, a bar redrawn in place with one', async () => {
      const lines: string[] = [];
      const fake = (isTTY: boolean) =>
        ({ isTTY, write: (s: string) => (lines.push(s), true) }) as unknown as NodeJS.WriteStream;
      const plain = progressPrinter(fake(false));
      for (let done = 0; done <= 100; done += 5) plain.update({ phase: 'index', done, total: 100 });
      plain.done();
      expect(lines.filter((l) => l.startsWith('indexing:'))).toHaveLength(11);
      lines.length = 0;
      const tty = progressPrinter(fake(true));
      tty.update({ phase: 'index', done: 0, total: 10 });
      tty.update({ phase: 'index', done: 10, total: 10 });
      tty.done();
      expect(lines[0]).toMatch(/^\rindexing\s+\[-+\]\s+0% 0\/10/);
      expect(lines.at(-2)).toMatch(/^\rindexing\s+\[#+\] 100% 10\/10/);
      expect(lines.at(-1)).toBe('\n');
    });
  });
});
