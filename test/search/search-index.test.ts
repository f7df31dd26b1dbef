/**
 * The search port's contract: the same corpus, queries and expected hits on every engine
 * (SQLite FTS5, PostgreSQL tsvector, MySQL/MariaDB FULLTEXT — whichever TEST_DB selects).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchIndex } from '../../src/platform/search/index.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { generateCorpus, NOW, RELEVANCE_CASES, type CorpusDocument } from './corpus.js';

let t: TestApp;
let index: SearchIndex;
let corpus: CorpusDocument[];
const keyOf = new Map<bigint, string>();

const search = (
  text: string,
  extra: { page?: number; perPage?: number; statuses?: number[]; authorId?: bigint; rankWindow?: number } = {},
) =>
  index.search({
    text,
    page: extra.page ?? 1,
    perPage: extra.perPage ?? 10,
    statuses: extra.statuses ?? [2],
    authorId: extra.authorId,
    now: NOW,
    rankWindow: extra.rankWindow,
  });

describe(`search index contract (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    index = t.services.search.index;
    corpus = generateCorpus();
    for (const doc of corpus) keyOf.set(doc.id, doc.key);
    await index.index(corpus);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`engine matches the database`, () => {
    expect(index.engine).toBe(
      { sqlite: 'sqlite-fts5', postgres: 'postgres-tsvector', mysql: 'mysql-fulltext' }[testDb],
    );
  });

  describe('relevance set', () => {
    it.each(RELEVANCE_CASES.map((c) => [c.q, c] as const))('%s', async (_q, c) => {
      const page = await search(c.q, { perPage: 50 });
      const keys = page.hits.map((h) => keyOf.get(h.id)!);
      if (c.total !== undefined) expect(page.total).toBe(c.total);
      expect(page.hits.length).toBe(Math.min(page.total, 50));
      const head = keys.slice(0, c.top.length);
      if (c.unordered) expect([...head].sort()).toEqual([...c.top].sort());
      else expect(head).toEqual(c.top);
      for (const key of c.includes ?? []) expect(keys).toContain(key);
      for (const key of c.excludes ?? []) expect(keys).not.toContain(key);
      if (c.mode) expect(page.mode).toBe(c.mode);
      // Scores are non-increasing.
      for (let i = 1; i < page.hits.length; i++)
        expect(page.hits[i]!.score).toBeLessThanOrEqual(page.hits[i - 1]!.score);
    });
  });

  it('highlights title and snippet with escaped text and <em> marks only', async () => {
    const page = await search('python');
    const intro = page.hits.find((h) => keyOf.get(h.id) === 'python-intro')!;
    expect(intro.titleHighlight).toBe('<em>Python</em> 入门教程');
    expect(intro.snippet).toContain('<em>Python</em> 的基础语法');
    const news = page.hits.find((h) => keyOf.get(h.id) === 'news')!;
    expect(news.titleHighlight).toBe('每周技术新闻');
    expect(news.snippet).toMatch(/<em>python<\/em> 3\.13 发布，<em>python<\/em> 社区/);

    await index.index([
      {
        id: 9001n,
        authorId: 7n,
        status: 2,
        publishedAt: NOW,
        popularity: 0,
        title: '<script>alert("x")</script> 量子计算 & 未来',
        body: '量子计算 <b>不是</b> 魔法 "quoted"',
      },
    ]);
    const quantum = await search('量子计算');
    expect(quantum.hits[0]!.titleHighlight).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <em>量子计算</em> &amp; 未来',
    );
    expect(quantum.hits[0]!.snippet).toBe('<em>量子计算</em> &lt;b&gt;不是&lt;/b&gt; 魔法 &quot;quoted&quot;');
    await index.remove([9001n]);
    expect((await search('量子计算')).hits.map((h) => h.id)).not.toContain(9001n);
  });

  it('pages with a stable total_count', async () => {
    const all = await search('随笔', { perPage: 50 });
    expect(all.total).toBe(90);
    const seen: bigint[] = [];
    for (let p = 1; p <= 9; p++) {
      const page = await search('随笔', { page: p, perPage: 10 });
      expect(page.total).toBe(90);
      seen.push(...page.hits.map((h) => h.id));
    }
    expect(new Set(seen).size).toBe(90);
    expect(seen).toEqual(
      all.hits.map((h) => h.id).concat((await search('随笔', { page: 2, perPage: 50 })).hits.map((h) => h.id)),
    );
    const past = await search('随笔', { page: 20, perPage: 10 });
    expect(past.total).toBe(90);
    expect(past.hits).toEqual([]);
  });

  it('a ranking window ranks the newest matches and the newest title matches; totals stay exact', async () => {
    // Window 1 with pages of 1: candidates are the newest match (news, a body hit) and the newest
    // title match (ml-python); the title match wins, and the total still counts all four.
    const narrow = await search('python', { perPage: 1, rankWindow: 1 });
    expect(narrow.total).toBe(4);
    expect(narrow.hits.map((h) => keyOf.get(h.id))).toEqual(['ml-python']);
    // Exact ranking puts one of the two title matches first as well.
    expect(['python-intro', 'ml-python']).toContain(
      keyOf.get((await search('python', { perPage: 1, rankWindow: 0 })).hits[0]!.id),
    );
    // The window widens to reach deep pages.
    const deep = await search('随笔', { page: 5, perPage: 10, rankWindow: 3 });
    expect(deep.total).toBe(90);
    expect(deep.hits).toHaveLength(10);
  });

  it('filters by status and author (MP search)', async () => {
    const mine = await search('python', { statuses: [0, 1, 2, 3], authorId: 7n, perPage: 50 });
    expect(mine.hits.map((h) => keyOf.get(h.id))).toContain('python-pending');
    expect(mine.total).toBe(5);
    expect((await search('python', { statuses: [0, 1, 2, 3], authorId: 8n })).total).toBe(0);
    expect((await search('随笔', { statuses: [1] })).total).toBe(0);
  });

  it('upserts idempotently and reflects edits', async () => {
    const doc = corpus.find((d) => d.key === 'rust')!;
    await index.index([doc]);
    await index.index([doc]);
    expect((await search('rust')).total).toBe(1);
    await index.index([{ ...doc, title: 'Zig 语言初探', body: 'zig 的编译期执行。' }]);
    expect((await search('rust')).total).toBe(0);
    expect((await search('zig')).hits.map((h) => h.id)).toEqual([doc.id]);
    await index.index([doc]);
    expect((await search('rust')).total).toBe(1);
  });

  describe('hostile input never reaches the engine as syntax', () => {
    const inputs = [
      '"',
      '""',
      '*',
      'NEAR',
      'NEAR(a b)',
      '-',
      '- python',
      'OR',
      'python OR java',
      'MATCH',
      ')',
      '(',
      '(python',
      'python*',
      '+python -java',
      "'; DROP TABLE search_documents; --",
      '\\',
      "it's",
      'a:b',
      'title:python',
      '^python',
      '~java',
      '@3 python',
      '!!',
      '&&',
      '||',
      '<->',
      ':*',
      '😀😀😀',
      '🐍 python',
      '，。！？',
      '...',
      '+++',
      '###',
      'x'.repeat(50),
      '北'.repeat(50),
      'py\u0000thon',
      'Ｐｙｔｈｏｎ（入门）',
      'Привет мир',
      'こんにちは',
      'مرحبا',
    ];
    it.each(inputs.map((q) => [q]))('%j', async (q) => {
      const page = await search(q);
      expect(page.total).toBeGreaterThanOrEqual(0);
      expect(Array.isArray(page.hits)).toBe(true);
    });

    it('punctuation and emoji only: no terms, empty page', async () => {
      for (const q of ['"', '*', ')', '😀😀😀', '，。！？', '...']) {
        const page = await search(q);
        expect(page).toMatchObject({ total: 0, hits: [], terms: [] });
      }
    });

    it('operators are plain words: "python OR java" means python and java ("or" is a stop word)', async () => {
      expect((await search('python OR java')).hits.map((h) => keyOf.get(h.id))).toEqual(['languages']);
      expect((await search('+python -java')).hits.map((h) => keyOf.get(h.id))).toEqual(['languages']);
    });
  });

  it('counts its documents and their size', async () => {
    const stats = await index.stats();
    expect(stats.documents).toBe(corpus.length);
    expect(stats.bytes === null || stats.bytes > 0).toBe(true);
  });

  it('lists ids in order for sweeps', async () => {
    const first = await index.documentIds(null, 5);
    expect(first).toEqual([...first].sort((a, b) => (a < b ? -1 : 1)));
    const next = await index.documentIds(first.at(-1)!, 1000);
    expect(first.length + next.length).toBe(corpus.length);
  });
});
