/**
 * Articles written past the index jobs must not stay invisible: the demo seed (`inkstone seed`)
 * indexes what it writes, and at boot an app catches up with articles that were inserted, changed
 * or deleted without an index job (imports, restores, a crash between a write and its job), in
 * the background, logging its progress.
 */
import { buildApp, createAppPlatform, type App } from '../../src/app.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { inkstone } from '../helpers/server-entry.js';
import { until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The app as a server builds it, with its log lines collected. */
async function boot(env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig(env);
  const platform = await createAppPlatform(config, pino({ level: 'info' }, sink));
  const built = await buildApp(config, { platform });
  await built.app.ready();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= built.app.close().then(() => platform.close()));
  cleanups.push(close);
  return { ...built, lines, close };
}

async function search(app: App['app'], q: string) {
  const res = await app.inject({ url: `/app/v1_0/search?q=${encodeURIComponent(q)}&per_page=50` });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data as { total_count: number; results: { art_id: bigint | string; title: string }[] };
}

/** The catch-up runs behind a booting app: on a loaded machine that takes a while. */
const slow = { timeoutMs: 30_000, intervalMs: 100 };

describe(`search catch-up (db=${testDb}, redis=${testRedis})`, () => {
  it('an app whose database has articles written outside the publishing path catches up at boot', async () => {
    const { env, cleanup } = await testEnvironment();
    cleanups.push(cleanup);

    // First life: articles go in straight through SQL, as an import or a restore would write them.
    const first = await boot(env);
    const channel = await newChannel(first.platform);
    const author = await newUser(first.platform, { name: '导入作者' });
    const article = (title: string, values: { status?: number; published_at?: number | null } = {}) =>
      newArticle(first.platform, {
        user_id: author.id,
        channel_id: channel.id,
        title,
        content: `<p>${title}的正文。</p>`,
        ...values,
      });
    const imported = [];
    for (let i = 0; i < 25; i++) imported.push(await article(`考古发现第${i + 1}号遗址`));
    const draft = await article('考古草稿一篇', { status: ArticleStatus.draft, published_at: null });
    // Indexed while pending, approved later by a write whose job was lost (a crash).
    const approvedLater = await article('青铜器修复记录', { status: ArticleStatus.pending, published_at: null });
    await first.services.search.indexArticle(approvedLater.id);
    await first.platform.db
      .updateTable('articles')
      .set({ status: ArticleStatus.approved, published_at: Date.now(), updated_at: Date.now() + 1 })
      .where('id', '=', approvedLater.id)
      .execute();
    // Indexed, then deleted by a write whose job was lost.
    const gone = await article('陶器碎片整理');
    await first.services.search.indexArticle(gone.id);
    await first.platform.db
      .updateTable('articles')
      .set({ status: ArticleStatus.deleted, deleted_at: Date.now() })
      .where('id', '=', gone.id)
      .execute();
    expect((await search(first.app, '考古')).total_count).toBe(0);
    expect((await search(first.app, '青铜器')).total_count).toBe(0);
    await first.close();

    // Second life: serving at once, the index catches up in the background.
    const second = await boot(env);
    await second.platform.jobs.start();
    const found = await until(
      'imported articles searchable',
      async () => {
        const page = await search(second.app, '考古');
        return page.total_count === imported.length ? page : undefined;
      },
      slow,
    );
    expect(found.results.map((r) => String(r.art_id)).sort()).toEqual(imported.map((a) => String(a.id)).sort());
    expect((await search(second.app, '青铜器')).results.map((r) => String(r.art_id))).toEqual([
      String(approvedLater.id),
    ]);
    const docs = await second.platform.db.selectFrom('search_documents').select('article_id').execute();
    const docIds = new Set(docs.map((d) => String(d.article_id)));
    expect(docIds.has(String(gone.id))).toBe(false);
    expect(docIds.has(String(draft.id))).toBe(true); // M16 searches its author's drafts
    expect(docIds.size).toBe(imported.length + 2);

    // The log says what it found; suggestions know the new titles.
    const done = await until(
      'catch-up logged',
      async () => second.lines.find((l) => l.msg === 'search index: caught up with the database'),
      slow,
    );
    expect(done).toMatchObject({ checked: imported.length + 2, indexed: imported.length + 2, removed: 1 });
    expect(second.lines.some((l) => String(l.msg).startsWith('search index: checking'))).toBe(true);
    await until(
      'suggestions filled',
      async () => {
        const res = await second.app.inject({ url: `/app/v1_0/suggestion?q=${encodeURIComponent('考古')}` });
        const options = (res.json() as { data: { options: string[] } }).data.options;
        return options.length > 0 ? options : undefined;
      },
      slow,
    );
    await second.close();

    // Third life: nothing is behind, nothing is rewritten.
    const third = await boot(env);
    await third.platform.jobs.start();
    const quiet = await until(
      'up-to-date logged',
      async () => third.lines.find((l) => l.msg === 'search index: up to date'),
      slow,
    );
    expect(quiet).toMatchObject({ checked: imported.length + 2, indexed: 0, removed: 0 });
  }, 120_000);

  it('`inkstone seed` indexes what it writes: search and suggestions answer before any job runs', async () => {
    const { env, cleanup } = await testEnvironment();
    cleanups.push(cleanup);
    const seeded = await new Promise<{ code: number | null; output: string }>((resolve) => {
      let output = '';
      const child = spawn(process.execPath, inkstone('seed'), {
        cwd: root,
        env: { ...process.env, ...env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => resolve({ code, output }));
    });
    expect(seeded.code, seeded.output).toBe(0);
    expect(seeded.output).toContain('indexed for search');

    // Jobs never start here, so the boot catch-up cannot be what indexed them.
    const app = await boot(env);
    for (const q of ['java', 'css', '前端', '数据库'])
      expect((await search(app.app, q)).total_count, q).toBeGreaterThan(0);
    const feed = parseBody(
      (await app.app.inject({ url: `/app/v1_1/articles?channel_id=4&timestamp=${Date.now()}&with_top=0` })).body,
    ).data;
    const title = feed.results[0].title as string;
    expect((await search(app.app, title)).results.map((r) => String(r.art_id))).toContain(
      String(feed.results[0].art_id),
    );
    for (const q of ['ja', '前']) {
      const res = await app.app.inject({ url: `/app/v1_0/suggestion?q=${encodeURIComponent(q)}` });
      expect((res.json() as { data: { options: string[] } }).data.options.length, q).toBeGreaterThan(0);
    }
  }, 180_000);
});
