/**
 * Search benchmark: `npx tsx bench/search.ts`.
 *
 * For each database (SQLite, PostgreSQL): a fresh database, a generated corpus written directly
 * with batched inserts (words drawn from jieba's dictionary by frequency, plus tech terms), the
 * index built by `reindex` (timed; index size measured), then the real app listening on a port:
 *
 * - latency: a sequential loop of requests over HTTP (fetch, one in flight) → p50 / p95 / p99,
 *   search split by query class (common word, medium, rare, two words, tech term);
 * - throughput: autocannon in a child process (so it does not share the server's event loop),
 *   cycling through the same query list → req/s.
 *
 * Targets (reported, never asserted): search p95 < 20 ms, suggestion p95 < 5 ms.
 *
 *   SEARCH_BENCH_N=100000          articles
 *   SEARCH_BENCH_DBS=sqlite,postgres
 *   SEARCH_BENCH_DURATION=10       seconds of autocannon per endpoint
 *   SEARCH_BENCH_CONNECTIONS=10
 *   SEARCH_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test   (admin URL; a scratch database is created)
 *   SEARCH_BENCH_KEEP=1            keep the databases afterwards
 *   SEARCH_BENCH_REDIS=redis://127.0.0.1:6379   run the app on Redis (a key prefix of its own)
 *   SEARCH_BENCH_RESULT_CACHE=off,on   measure with the result cache off, then on (same database)
 *
 * Throughput is also measured per query class: one query repeated (the result cache's best case),
 * common words and rare words (each a list of 60 distinct queries, cycled).
 */
import { buildApp, createAppPlatform } from '../src/app.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { loggerOptions } from '../src/platform/logger.js';
import type { Platform } from '../src/platform/platform.js';
import { createServices } from '../src/services.js';
import type { NewArticle } from '../src/modules/articles/article.tables.js';
import { progressPrinter } from '../src/modules/search/search.cli.js';
import { mulberry32 } from '../src/modules/demo/prng.js';
import { loadVocabulary, wordSampler, type Vocabulary } from './vocabulary.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const N = Number(process.env.SEARCH_BENCH_N ?? 100_000);
const DBS = (process.env.SEARCH_BENCH_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as (
  'sqlite' | 'postgres'
)[];
const DURATION = Number(process.env.SEARCH_BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.SEARCH_BENCH_CONNECTIONS ?? 10);
const PG_ADMIN = process.env.SEARCH_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEEP = process.env.SEARCH_BENCH_KEEP === '1';
const REDIS = process.env.SEARCH_BENCH_REDIS;
const CACHE_MODES = (process.env.SEARCH_BENCH_RESULT_CACHE ?? 'on').split(',').map((s) => s.trim() === 'on');

// ---------------------------------------------------------------------------------------------
// Corpus

const TECH = [
  'Python',
  'Java',
  'JavaScript',
  'Node.js',
  'C++',
  'C#',
  'Go',
  'Rust',
  'Docker',
  'Kubernetes',
  'Redis',
  'MySQL',
  'PostgreSQL',
  'Vue3.0',
  'React',
  'HTML5',
  'CSS3',
  'TypeScript',
  'Linux',
  'Git',
  'iPhone15',
  'Android',
  'AI',
  'GPT',
  'WebAssembly',
];

async function generateCorpus(platform: Platform, vocab: Vocabulary) {
  const random = mulberry32(42);
  const word = wordSampler(vocab, random);
  const db = platform.db;
  const now = Date.now();
  const channels = Array.from({ length: 10 }, (_, i) => ({
    id: BigInt(i + 1),
    name: `频道${i + 1}`,
    sequence: i,
    is_visible: 1,
    is_default: 1,
    created_at: now,
    updated_at: now,
  }));
  await db.insertInto('channels').values(channels).execute();
  const users = Array.from({ length: 1000 }, (_, i) => ({
    id: BigInt(10_000 + i),
    mobile: `139${String(i).padStart(8, '0')}`,
    name: `作者${i}`,
    created_at: now,
    updated_at: now,
  }));
  for (let i = 0; i < users.length; i += 500)
    await db
      .insertInto('users')
      .values(users.slice(i, i + 500))
      .execute();

  const started = Date.now();
  const BATCH = 500;
  for (let start = 0; start < N; start += BATCH) {
    const articles: NewArticle[] = [];
    const contents: { article_id: bigint; content: string }[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const id = BigInt(1_000_000 + i);
      const titleWords = Array.from({ length: 3 + Math.floor(random() * 4) }, word);
      if (random() < 0.15)
        titleWords.splice(
          Math.floor(random() * titleWords.length),
          0,
          ` ${TECH[Math.floor(random() * TECH.length)]!} `,
        );
      const paragraphs: string[] = [];
      for (let p = 0; p < 3; p++) {
        const words = Array.from({ length: 25 + Math.floor(random() * 30) }, word);
        if (random() < 0.2)
          words.splice(Math.floor(random() * words.length), 0, ` ${TECH[Math.floor(random() * TECH.length)]!} `);
        paragraphs.push(`<p>${words.join('')}。</p>`);
      }
      const published = now - Math.floor(random() * 365 * 86_400_000);
      const status = random() < 0.9 ? 2 : Math.floor(random() * 4);
      articles.push({
        id,
        user_id: BigInt(10_000 + Math.floor(random() * 1000)),
        channel_id: BigInt(1 + Math.floor(random() * 10)),
        title: titleWords.join('').trim().slice(0, 100),
        cover_type: 0,
        cover_images: '[]',
        status,
        is_top: 0,
        created_at: published,
        updated_at: published,
        published_at: status === 2 ? published : null,
        read_count: Math.floor(random() ** 3 * 5000),
        like_count: Math.floor(random() ** 3 * 300),
        comment_count: Math.floor(random() ** 3 * 100),
        collect_count: Math.floor(random() ** 3 * 100),
      });
      contents.push({ article_id: id, content: paragraphs.join('') });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('articles').values(articles).execute();
      await trx.insertInto('article_contents').values(contents).execute();
    });
    if (process.stderr.isTTY) process.stderr.write(`\rgenerating ${Math.min(N, start + BATCH)}/${N}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  return Date.now() - started;
}

// ---------------------------------------------------------------------------------------------
// Queries

interface QuerySet {
  search: { cls: string; q: string }[];
  suggest: { cls: string; q: string }[];
}

async function buildQueries(platform: Platform, vocab: Vocabulary): Promise<QuerySet> {
  const random = mulberry32(7);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const search: QuerySet['search'] = [];
  const common = vocab.words.slice(0, 200);
  const medium = vocab.words.slice(1_000, 5_000);
  const rare = vocab.words.slice(12_000, 20_000);
  for (let i = 0; i < 60; i++) search.push({ cls: 'common word', q: pick(common) });
  for (let i = 0; i < 60; i++) search.push({ cls: 'medium word', q: pick(medium) });
  for (let i = 0; i < 60; i++) search.push({ cls: 'rare word', q: pick(rare) });
  for (let i = 0; i < 60; i++) search.push({ cls: 'two words', q: `${pick(medium)} ${pick(common.concat(medium))}` });
  for (let i = 0; i < 30; i++) search.push({ cls: 'tech term', q: pick(TECH) });

  const suggest: QuerySet['suggest'] = [];
  const terms = await platform.db
    .selectFrom('search_terms')
    .select(['term', 'pinyin'])
    .orderBy('df', 'desc')
    .limit(5_000)
    .execute();
  const han = terms.filter((t) => t.pinyin);
  for (let i = 0; i < 80; i++) suggest.push({ cls: 'prefix (1 char)', q: [...pick(han).term][0]! });
  for (let i = 0; i < 80; i++) suggest.push({ cls: 'prefix (word)', q: pick(han).term });
  for (let i = 0; i < 40; i++)
    suggest.push({
      cls: 'latin prefix',
      q: pick(TECH)
        .toLowerCase()
        .slice(0, 2 + Math.floor(random() * 3)),
    });
  for (let i = 0; i < 40; i++) suggest.push({ cls: 'pinyin', q: pick(han.slice(0, 1000)).pinyin });
  for (const typo of ['pyhton', 'javscript', 'kuberntes', 'dokcer', 'typescirpt', 'reids', 'postgersql', 'andriod'])
    suggest.push({ cls: 'misspelling', q: typo });
  return { search, suggest };
}

// ---------------------------------------------------------------------------------------------
// Measuring

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
  };
}

async function sequential(base: string, paths: { cls: string; path: string }[], rounds: number) {
  const all: number[] = [];
  const byClass = new Map<string, number[]>();
  let failures = 0;
  for (let r = 0; r < rounds; r++) {
    for (const { cls, path: p } of paths) {
      const t0 = performance.now();
      const res = await fetch(base + p);
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== 200) failures++;
      all.push(ms);
      let list = byClass.get(cls);
      if (!list) byClass.set(cls, (list = []));
      list.push(ms);
    }
  }
  return { all: summary(all), byClass: [...byClass].map(([cls, list]) => ({ cls, ...summary(list) })), failures };
}

/** autocannon in a child process, cycling through `paths`. */
function autocannonChild(
  base: string,
  paths: string[],
): Promise<{ requests: number; rps: number; p50: number; p97_5: number; p99: number; non2xx: number; errors: number }> {
  const source = String.raw`
const autocannon = require(process.env.AC_PATH);
const paths = JSON.parse(process.env.AC_PATHS);
let i = 0;
autocannon({
  url: process.env.AC_URL,
  connections: Number(process.env.AC_CONNECTIONS),
  duration: Number(process.env.AC_DURATION),
  requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
}, (err, r) => {
  if (err) { console.error(err); process.exit(1); }
  process.stdout.write(JSON.stringify({ requests: r.requests.total, rps: r.requests.average, p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }));
});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', source], {
      cwd: ROOT,
      env: {
        ...process.env,
        AC_PATH: require.resolve('autocannon'),
        AC_PATHS: JSON.stringify(paths),
        AC_URL: base,
        AC_CONNECTIONS: String(CONNECTIONS),
        AC_DURATION: String(DURATION),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------

async function scratchDatabase(kind: 'sqlite' | 'postgres') {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-search-bench-'));
    return {
      url: `sqlite:${path.join(dir, 'bench.db')}`,
      dataDir: dir,
      drop: async () => (KEEP ? undefined : fs.rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `inkstone_search_bench_${suffix}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-search-bench-'));
  return {
    url: url.toString(),
    dataDir: dir,
    drop: async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (KEEP) return;
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function indexSizes(platform: Platform) {
  if (platform.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string; bytes: number }>`
      SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name LIKE 'search%' OR name LIKE 'sqlite_autoindex_search%' GROUP BY name ORDER BY name`.execute(
      platform.db,
    );
    const pages = await sql<{
      page_count: number;
      page_size: number;
    }>`SELECT (SELECT page_count FROM pragma_page_count) AS page_count, (SELECT page_size FROM pragma_page_size) AS page_size`.execute(
      platform.db,
    );
    const fts = rows.filter((r) => r.name.startsWith('search_fts')).reduce((s, r) => s + Number(r.bytes), 0);
    const all = rows.reduce((s, r) => s + Number(r.bytes), 0);
    const p = pages.rows[0]!;
    return {
      'FTS5 tables (search_fts*)': fts,
      'search tables total': all,
      'whole database file': Number(p.page_count) * Number(p.page_size),
    };
  }
  const { rows } = await sql<{ total: number; gin: number; table: number; terms: number; db: number }>`
    SELECT pg_total_relation_size('search_documents') AS total, pg_relation_size('search_documents_tsv') AS gin,
           pg_table_size('search_documents') AS table, pg_total_relation_size('search_terms') AS terms, pg_database_size(current_database()) AS db`.execute(
    platform.db,
  );
  const r = rows[0]!;
  return {
    'pg_total_relation_size(search_documents)': Number(r.total),
    'GIN index (search_documents_tsv)': Number(r.gin),
    'search_documents table + TOAST': Number(r.table),
    search_terms: Number(r.terms),
    'whole database': Number(r.db),
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const f = (ms: number) => ms.toFixed(2);

async function runOne(kind: 'sqlite' | 'postgres', vocab: Vocabulary) {
  console.log(`\n=== ${kind}${REDIS ? ' + redis' : ''}: ${N.toLocaleString('en')} articles ===`);
  const scratch = await scratchDatabase(kind);
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch.url,
    DATA_DIR: scratch.dataDir,
    PUBLIC_URL: 'http://127.0.0.1',
    SEED_ON_EMPTY: 'false',
    JWT_SECRET: 'search-bench-secret-search-bench-secret-0123456789',
    ...(REDIS ? { REDIS_URL: REDIS, REDIS_PREFIX: `inkstone-search-bench:${Date.now().toString(36)}:` } : {}),
  });
  const platform = await createAppPlatform(config, pino(loggerOptions(config)));
  try {
    const genMs = await generateCorpus(platform, vocab);
    console.log(`corpus written in ${(genMs / 1000).toFixed(1)} s`);
    const services = createServices(platform);
    const progress = progressPrinter(process.stderr);
    const t0 = Date.now();
    const result = await services.search.reindex({ batchSize: 1000, onProgress: (p) => progress.update(p) });
    progress.done();
    const buildMs = Date.now() - t0;
    console.log(
      `index build (reindex: analyse + upsert + sweep + vocabulary): ${(buildMs / 1000).toFixed(1)} s for ${result.indexed} documents (${Math.round(result.indexed / (buildMs / 1000))} docs/s), ${result.terms} vocabulary terms`,
    );
    const sizes = await indexSizes(platform);
    for (const [label, bytes] of Object.entries(sizes)) console.log(`  ${label}: ${mb(bytes)}`);

    const { app } = await buildApp(config, { platform, services });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const queries = await buildQueries(platform, vocab);
      const searchPaths = queries.search.map(({ cls, q }) => ({
        cls,
        path: `/app/v1_0/search?q=${encodeURIComponent(q)}&per_page=10`,
      }));
      const suggestPaths = queries.suggest.map(({ cls, q }) => ({
        cls,
        path: `/app/v1_0/suggestion?q=${encodeURIComponent(q)}`,
      }));
      for (const cached of CACHE_MODES) {
        services.search.resultCache.setEnabled(cached);
        console.log(`\n--- result cache ${cached ? 'on' : 'off'} ---`);
        // Warm-up: jieba, statement caches, suggestion memory, card caches.
        await sequential(base, searchPaths, 1);
        await sequential(base, suggestPaths, 1);

        const s = await sequential(base, searchPaths, 2);
        const g = await sequential(base, suggestPaths, 5);
        const hits = await Promise.all(
          queries.search.slice(0, 300).map(
            async ({ q }) =>
              (
                await services.search.index.search({
                  text: q,
                  page: 1,
                  perPage: 10,
                  statuses: [2],
                  now: Date.now(),
                  highlight: false,
                })
              ).total,
          ),
        );
        console.log(
          `\nsearch latency, sequential over HTTP (${s.all.n} requests, ${s.failures} non-200): p50 ${f(s.all.p50)} ms, p95 ${f(s.all.p95)} ms, p99 ${f(s.all.p99)} ms, max ${f(s.all.max)} ms   [target p95 < 20 ms]`,
        );
        for (const c of s.byClass)
          console.log(
            `  ${c.cls.padEnd(16)} p50 ${f(c.p50).padStart(7)}  p95 ${f(c.p95).padStart(7)}  p99 ${f(c.p99).padStart(7)} ms`,
          );
        const byClassHits = new Map<string, number[]>();
        queries.search.forEach(({ cls }, i) =>
          (byClassHits.get(cls) ?? byClassHits.set(cls, []).get(cls)!).push(hits[i]!),
        );
        for (const [cls, list] of byClassHits)
          console.log(
            `  ${cls.padEnd(16)} median total_count ${list.sort((a, b) => a - b)[Math.floor(list.length / 2)]}`,
          );
        console.log(
          `suggestion latency, sequential over HTTP (${g.all.n} requests, ${g.failures} non-200): p50 ${f(g.all.p50)} ms, p95 ${f(g.all.p95)} ms, p99 ${f(g.all.p99)} ms   [target p95 < 5 ms]`,
        );
        for (const c of g.byClass)
          console.log(`  ${c.cls.padEnd(16)} p50 ${f(c.p50).padStart(7)}  p95 ${f(c.p95).padStart(7)} ms`);

        const as = await autocannonChild(
          base,
          searchPaths.map((p) => p.path),
        );
        console.log(
          `\nsearch throughput (autocannon, ${CONNECTIONS} connections, ${DURATION} s): ${Math.round(as.rps)} req/s, p50 ${as.p50} ms, p97.5 ${as.p97_5} ms, p99 ${as.p99} ms, non-2xx ${as.non2xx}, errors ${as.errors}`,
        );
        for (const [label, paths] of [
          ['repeated (one query)', searchPaths.filter((p) => p.cls === 'common word').slice(0, 1)],
          ['common words', searchPaths.filter((p) => p.cls === 'common word')],
          ['rare words', searchPaths.filter((p) => p.cls === 'rare word')],
        ] as const) {
          const r = await autocannonChild(
            base,
            paths.map((p) => p.path),
          );
          console.log(
            `  ${label.padEnd(22)} ${String(Math.round(r.rps)).padStart(6)} req/s, p50 ${r.p50} ms, p97.5 ${r.p97_5} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}`,
          );
        }
        const ag = await autocannonChild(
          base,
          suggestPaths.map((p) => p.path),
        );
        console.log(
          `suggestion throughput (autocannon, ${CONNECTIONS} connections, ${DURATION} s): ${Math.round(ag.rps)} req/s, p50 ${ag.p50} ms, p97.5 ${ag.p97_5} ms, p99 ${ag.p99} ms, non-2xx ${ag.non2xx}, errors ${ag.errors}`,
        );
        console.log(`result cache: ${JSON.stringify(services.search.resultCache.stats())}`);
      }
    } finally {
      await app.close();
    }
  } finally {
    await platform.close();
    await scratch.drop();
  }
}

async function main() {
  console.log(
    `search bench: ${N} articles, databases ${DBS.join(', ')}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const vocab = loadVocabulary();
  for (const kind of DBS) await runOne(kind, vocab);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
