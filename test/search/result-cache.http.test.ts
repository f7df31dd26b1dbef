/**
 * The search result cache (search.result-cache.ts) over HTTP: a repeated query is answered from
 * the cache, and every index update (publish, delete, reject) shows in the very next search, on
 * the node that indexed and, with Redis, on another node of the same deployment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { createResultCache, pageBytes } from '../../src/modules/search/search.result-cache.js';
import { MemoryKeyValueStore } from '../../src/platform/kv/index.js';
import type { SearchPage } from '../../src/platform/search/index.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { buildNodes, type Nodes } from '../helpers/nodes.js';
import { pause } from '../helpers/wait.js';

interface Page {
  total_count: number;
  results: { art_id: string | number; title: string; title_highlight: string }[];
}

async function searchOn(app: App, q: string, query = ''): Promise<Page> {
  const res = await app.app.inject({ url: `/app/v1_0/search?q=${encodeURIComponent(q)}${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data as Page;
}

const ids = (page: Page) => page.results.map((r) => BigInt(r.art_id));

/** Removes a document behind the service's back: only a cached page can still list it. */
async function dropDocument(app: App, articleId: bigint) {
  await app.platform.db.deleteFrom('search_documents').where('article_id', '=', articleId).execute();
}

describe(`search result cache (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let channelId: bigint;
  let authorId: bigint;

  const article = (title: string, status: number = ArticleStatus.approved) =>
    newArticle(t.platform, {
      user_id: authorId,
      channel_id: channelId,
      title,
      content: `<p>${title}的正文。</p>`,
      status,
      published_at: status === ArticleStatus.approved ? Date.now() - 60_000 : null,
    });
  const changed = async (articleId: bigint) => {
    t.platform.events.publish('article.changed', { articleId, visible: true, at: Date.now() });
    await t.platform.events.settle();
    await t.platform.jobs.drain();
  };
  const setStatus = async (articleId: bigint, status: number) => {
    await t.platform.db
      .updateTable('articles')
      .set({
        status,
        ...(status === ArticleStatus.deleted ? { deleted_at: Date.now() } : {}),
        ...(status === ArticleStatus.approved ? { published_at: Date.now() - 1_000 } : {}),
      })
      .where('id', '=', articleId)
      .execute();
    await changed(articleId);
  };
  const search = (q: string, query = '') => searchOn(t, q, query);

  beforeAll(async () => {
    t = await buildTestApp();
    channelId = (await newChannel(t.platform)).id;
    authorId = (await newUser(t.platform)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a repeated query is answered from the cache, per page and page size', async () => {
    const a = await article('火山地貌考察');
    const b = await article('火山温泉旅行');
    await changed(a.id);
    await changed(b.id);
    const before = t.services.search.resultCache.stats();
    const first = await search('火山');
    expect(first.total_count).toBe(2);
    await dropDocument(t, a.id);
    // Same terms (case, width and spacing fold away): the cached page, with the dropped document.
    const again = await search(' 火山 ');
    expect(again).toEqual(first);
    const after = t.services.search.resultCache.stats();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(1);
    // Another page size is another entry, computed from the index as it is now.
    expect((await search('火山', '&per_page=20')).total_count).toBe(1);
  });

  it('publishing shows in the next search', async () => {
    const old = await article('冰岛极光摄影');
    await changed(old.id);
    expect(ids(await search('极光'))).toEqual([old.id]);
    const fresh = await article('挪威极光摄影', ArticleStatus.pending);
    await changed(fresh.id);
    expect(ids(await search('极光'))).toEqual([old.id]);
    // Cached: proves the next answer is not simply uncached.
    await dropDocument(t, old.id);
    expect(ids(await search('极光'))).toEqual([old.id]);
    await changed(old.id);
    await setStatus(fresh.id, ArticleStatus.approved);
    expect(ids(await search('极光')).sort()).toEqual([old.id, fresh.id].sort());
  });

  it('deleting and rejecting show in the next search', async () => {
    const kept = await article('沙漠徒步装备');
    const deleted = await article('沙漠露营装备');
    const rejected = await article('沙漠骑行装备');
    for (const row of [kept, deleted, rejected]) await changed(row.id);
    expect((await search('沙漠')).total_count).toBe(3);
    expect((await search('沙漠')).total_count).toBe(3);
    const { hits } = t.services.search.resultCache.stats();

    await setStatus(deleted.id, ArticleStatus.deleted);
    expect(await search('沙漠')).toMatchObject({ total_count: 2 });
    expect(ids(await search('沙漠')).sort()).toEqual([kept.id, rejected.id].sort());

    await setStatus(rejected.id, ArticleStatus.rejected);
    expect(await search('沙漠')).toMatchObject({ total_count: 1 });
    expect(ids(await search('沙漠'))).toEqual([kept.id]);
    // Each state was computed once and then served from the cache.
    expect(t.services.search.resultCache.stats().hits - hits).toBe(2);
  });

  it('a popularity update (a comment) keeps the cached pages; a removal still drops them', async () => {
    const a = await article('峡谷漂流指南');
    await changed(a.id);
    expect(ids(await search('峡谷'))).toEqual([a.id]);
    const before = t.services.search.resultCache.stats();
    // What the job queued by 'comment.created' runs (queued with a 3 s delay to coalesce a burst).
    await t.services.search.indexArticle(a.id, { rankOnly: true });
    expect(ids(await search('峡谷'))).toEqual([a.id]);
    const after = t.services.search.resultCache.stats();
    expect([after.hits - before.hits, after.misses - before.misses]).toEqual([1, 0]);
    await setStatus(a.id, ArticleStatus.deleted);
    expect((await search('峡谷')).total_count).toBe(0);
  });

  it('reindex and catch-up invalidate too', async () => {
    const row = await article('珊瑚礁潜水');
    await changed(row.id);
    expect((await search('珊瑚礁')).total_count).toBe(1);
    await dropDocument(t, row.id);
    expect((await search('珊瑚礁')).total_count).toBe(1);
    // The catch-up finds the missing document and indexes it: the cache sees a new generation.
    await t.platform.db.updateTable('articles').set({ title: '珊瑚礁浮潜' }).where('id', '=', row.id).execute();
    await t.services.search.catchUp({ upTo: row.id });
    expect((await search('珊瑚礁')).results[0]!.title_highlight).toBe('<em>珊瑚礁</em>浮潜');
    await t.platform.db.deleteFrom('search_documents').where('article_id', '=', row.id).execute();
    await t.services.search.reindex();
    expect((await search('浮潜')).total_count).toBe(1);
  });
});

describe.runIf(testRedis)(`search result cache across nodes (db=${testDb}, redis)`, () => {
  let cluster: Nodes;
  let a: App;
  let b: App;

  beforeAll(async () => {
    cluster = await buildNodes(2);
    [a, b] = cluster.nodes as [App, App];
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('an index update on one node shows in the next search on the other', async () => {
    const channelId = (await newChannel(a.platform)).id;
    const authorId = (await newUser(a.platform)).id;
    const write = (title: string) =>
      newArticle(a.platform, { user_id: authorId, channel_id: channelId, title, published_at: Date.now() - 60_000 });
    const first = await write('峡谷漂流攻略');
    await a.services.search.indexArticle(first.id);
    expect(ids(await searchOn(b, '峡谷'))).toEqual([first.id]);
    await dropDocument(a, first.id);
    // Node b answers from its cache...
    expect(ids(await searchOn(b, '峡谷'))).toEqual([first.id]);
    // ...until node a indexes something: publishing...
    await a.services.search.indexArticle(first.id);
    const second = await write('峡谷徒步攻略');
    await a.services.search.indexArticle(second.id);
    expect(ids(await searchOn(b, '峡谷')).sort()).toEqual([first.id, second.id].sort());
    // ...and deleting.
    await a.platform.db
      .updateTable('articles')
      .set({ status: ArticleStatus.deleted, deleted_at: Date.now() })
      .where('id', '=', second.id)
      .execute();
    await a.services.search.indexArticle(second.id);
    expect(await searchOn(b, '峡谷')).toMatchObject({ total_count: 1 });
  });
});

describe('result cache bounds', () => {
  const page = (n: number, text: string): SearchPage => ({
    total: n,
    terms: ['x'],
    mode: 'all',
    hits: Array.from({ length: n }, (_, i) => ({
      id: BigInt(i + 1),
      score: 1,
      titleHighlight: text,
      snippet: text,
    })),
  });

  it('holds at most maxBytes, dropping the least recently used pages', async () => {
    const kv = new MemoryKeyValueStore({ prefix: 't:' });
    const maxBytes = 64 * 1024;
    const cache = createResultCache(kv, { maxBytes });
    const one = page(10, '长'.repeat(90));
    const size = pageBytes('q0', one);
    let loads = 0;
    for (let i = 0; i < 200; i++) {
      await cache.get(`q${i}`, async () => (loads++, one));
      expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(loads).toBe(200);
    expect(cache.stats().entries).toBe(Math.floor(maxBytes / size));
    // The newest pages are still there, the oldest went.
    await cache.get('q199', async () => (loads++, one));
    expect(loads).toBe(200);
    await cache.get('q0', async () => (loads++, one));
    expect(loads).toBe(201);
    // A page larger than the whole cache is served but not kept.
    const huge = page(50, 'x'.repeat(2_000));
    await cache.get('huge', async () => huge);
    expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
    await kv.close();
  });

  it('concurrent misses of one query share one load; a new generation drops every page', async () => {
    const kv = new MemoryKeyValueStore({ prefix: 't:' });
    const cache = createResultCache(kv);
    let loads = 0;
    const load = async () => {
      loads++;
      await pause(10); // a slow load: the other misses arrive while it runs
      return page(1, 'a');
    };
    await Promise.all(Array.from({ length: 10 }, () => cache.get('k', load)));
    expect(loads).toBe(1);
    await cache.get('k', load);
    expect(loads).toBe(1);
    // Another process (sharing the kv store) updates the index.
    const other = createResultCache(kv);
    await other.invalidate();
    await cache.get('k', load);
    expect(loads).toBe(2);
    // A flushed store is a new generation, never an old one back.
    await kv.flush();
    await cache.get('k', load);
    expect(loads).toBe(3);
    await kv.close();
  });
});
