/**
 * The 20k-article data shape of issue 13: 10 channels, 1,000 users, 20,000 published articles
 * with ~4.4 KB bodies (HTML paragraphs mixing Chinese words drawn from jieba's dictionary by
 * frequency with English sentences and tech terms, so search has common and rare words) and
 * 20,000 comments. Deterministic: a seeded PRNG and the app's Snowflake generator on a fixed
 * synthetic clock, so every run (and every database) gets the same ids and text.
 *
 * Written through the real schema (the app's migrations, batched Kysely inserts in transactions),
 * then the row counters recomputed by the counters service (`recount`) and the search index
 * filled by the search service (`reindex`), so search answers before anything is measured.
 *
 * Cached: SQLite keeps the loaded file in bench/.cache/ (each run works on a copy); PostgreSQL and
 * MySQL keep a scratch database `inkstone_shape_v<N>` that is reused when it is complete. Bump
 * SHAPE_VERSION when the shape changes.
 *
 *   npx tsx bench/shape-data.ts [--db sqlite|postgres|mysql] [--regenerate]   # load only
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { pino } from 'pino';
import { createAppPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/platform/db/schema.js';
import { CONTENT_LAYOUT, Snowflake, USER_LAYOUT } from '../src/platform/ids.js';
import { loggerOptions } from '../src/platform/logger.js';
import { createServices } from '../src/services.js';
import { mulberry32 } from '../src/modules/demo/prng.js';
import { loadVocabulary, wordSampler } from './vocabulary.js';
import type { NewArticle } from '../src/modules/articles/article.tables.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const SHAPE_VERSION = 2;
export const SHAPE = { channels: 10, users: 1_000, articles: 20_000, comments: 20_000 } as const;
const SEED = 20_000;
/** The synthetic clock: articles are published over the 90 days before this instant. */
const BASE_MS = Date.UTC(2026, 9, 1);
const SPAN_MS = 90 * 86_400_000;
const BATCH = 500;
export const SHAPE_DB_NAME = `inkstone_shape_v${SHAPE_VERSION}`;
const CACHE_DIR =
  process.env.BENCH_SHAPE_CACHE?.trim() || path.join(ROOT, 'bench', '.cache', `shape-v${SHAPE_VERSION}`);

export type ShapeDatabase = 'sqlite' | 'postgres' | 'mysql';

/** What the scenarios need to know about the loaded data (recomputed, never read back). */
export interface ShapeManifest {
  version: number;
  channelIds: number[];
  /** Every article id, as decimal strings (they exceed 2^53). */
  articleIds: string[];
  /** A user of the shape who signs in with the demo SMS code. */
  readerMobile: string;
  /** The most frequent two-character Chinese word of the bodies, and how many articles hold it. */
  common: { word: string; articles: number };
  /** A two-character word held by only a few articles. */
  rare: { word: string; articles: number };
  /** Words of every frequency for the random-query scenario. */
  randomWords: string[];
  /** Prefixes for the suggestion scenario (first characters of frequent words, Latin prefixes). */
  suggestPrefixes: string[];
  bodyBytes: { mean: number; min: number; max: number };
}

// ---------------------------------------------------------------------------------------------
// Text

const ENGLISH = `the a of and to in is for on with as by at from this that it be are was can will
  system data service user server client request response cache index query page feed article comment
  channel search token session design model network memory storage performance latency throughput
  release update version feature support build deploy test review change issue fix problem solution
  open source community project team product market mobile device screen camera battery price
  quick simple modern fast small large new old better best first last next every other many each`
  .split(/\s+/)
  .filter(Boolean);

const TECH = [
  'Python',
  'JavaScript',
  'TypeScript',
  'Node.js',
  'Rust',
  'Docker',
  'Kubernetes',
  'Redis',
  'MySQL',
  'PostgreSQL',
  'React',
  'Vue3',
  'Linux',
  'Android',
  'iPhone',
  'WebAssembly',
  'GPT',
];

const CHANNEL_NAMES = ['推荐', '科技', '财经', '体育', '娱乐', '汽车', '游戏', '健康', '旅游', '教育'];

interface Generated {
  channels: { id: bigint; name: string }[];
  users: { id: bigint; mobile: string; name: string; created_at: number }[];
  articles: NewArticle[];
  contents: { article_id: bigint; content: string }[];
  comments: {
    id: bigint;
    article_id: bigint;
    user_id: bigint;
    parent_id: null;
    content: string;
    created_at: number;
  }[];
  manifest: ShapeManifest;
}

/** Everything the shape holds, in memory (about 100 MB of strings for a moment). */
function generate(): Generated {
  const random = mulberry32(SEED);
  const vocab = loadVocabulary();
  const word = wordSampler(vocab, random);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

  let clock = BASE_MS - SPAN_MS - 86_400_000;
  const userIds = new Snowflake({ workerId: 1, layout: USER_LAYOUT, now: () => clock });
  const contentIds = new Snowflake({ workerId: 1, layout: CONTENT_LAYOUT, now: () => clock });
  // Comments are minted after the articles but dated among them: their own worker id, as a second process would.
  const commentIds = new Snowflake({ workerId: 2, layout: CONTENT_LAYOUT, now: () => clock });

  const channels = CHANNEL_NAMES.slice(0, SHAPE.channels).map((name, i) => ({ id: BigInt(i + 1), name }));
  const users: Generated['users'] = [];
  for (let i = 0; i < SHAPE.users; i++) {
    clock += 1000; // user ids count seconds
    users.push({ id: userIds.next(), mobile: `138${String(i).padStart(8, '0')}`, name: `用户${i}`, created_at: clock });
  }

  const df = new Map<string, number>();
  const bodySizes: number[] = [];
  const articles: NewArticle[] = [];
  const contents: Generated['contents'] = [];
  const start = BASE_MS - SPAN_MS;
  for (let i = 0; i < SHAPE.articles; i++) {
    clock = start + Math.floor((i / SHAPE.articles) * SPAN_MS) + int(0, 1000);
    const id = contentIds.next();
    const seen = new Set<string>();
    const han = () => {
      const w = word();
      if (w.length === 2) seen.add(w);
      return w;
    };
    const titleWords = Array.from({ length: int(3, 6) }, han);
    if (random() < 0.2) titleWords.splice(int(0, titleWords.length), 0, ` ${pick(TECH)} `);
    const paragraphs: string[] = [];
    let bytes = 0;
    const targetBytes = int(3_500, 5_000);
    while (bytes < targetBytes) {
      let text: string;
      if (random() < 0.7) {
        const words = Array.from({ length: int(20, 60) }, han);
        if (random() < 0.03) {
          const rare = pick(vocab.rare);
          seen.add(rare);
          words.splice(int(0, words.length), 0, rare);
        }
        if (random() < 0.4) words.splice(int(0, words.length), 0, ` ${pick(TECH)} `);
        text = `${words.join('')}。`;
      } else {
        const words = Array.from({ length: int(20, 50) }, () => (random() < 0.05 ? pick(TECH) : pick(ENGLISH)));
        text = `${words[0]!.charAt(0).toUpperCase()}${words.join(' ').slice(1)}.`;
      }
      const paragraph =
        random() < 0.15 ? `<h3>${titleWords.slice(0, 2).join('')}</h3><p>${text}</p>` : `<p>${text}</p>`;
      paragraphs.push(paragraph);
      bytes += Buffer.byteLength(paragraph);
    }
    for (const w of seen) df.set(w, (df.get(w) ?? 0) + 1);
    const content = paragraphs.join('');
    bodySizes.push(Buffer.byteLength(content));
    articles.push({
      id,
      user_id: pick(users).id,
      channel_id: pick(channels).id,
      title: titleWords.join('').trim().slice(0, 100),
      cover_type: 0,
      cover_images: '[]',
      status: 2,
      is_top: 0,
      created_at: clock,
      updated_at: clock,
      published_at: clock,
      // Delta counter (no rows record reads); row counters come from `recount`.
      read_count: Math.floor(random() ** 3 * 5000),
    });
    contents.push({ article_id: id, content });
  }

  // Comments, mostly on recent articles, after their article, in id (= time) order.
  const commentTimes: { at: number; article: NewArticle }[] = [];
  for (let i = 0; i < SHAPE.comments; i++) {
    const article = articles[Math.floor((1 - random() ** 2) * articles.length)]!;
    commentTimes.push({ article, at: article.published_at! + int(60_000, 7 * 86_400_000) });
  }
  commentTimes.sort((a, b) => a.at - b.at);
  const comments: Generated['comments'] = commentTimes.map(({ at, article }) => {
    clock = at;
    const text =
      random() < 0.6
        ? `${Array.from({ length: int(3, 12) }, word).join('')}`
        : `${pick(ENGLISH)} ${pick(TECH)} ${pick(ENGLISH)}`;
    return {
      id: commentIds.next(),
      article_id: article.id,
      user_id: pick(users).id,
      parent_id: null,
      content: text,
      created_at: at,
    };
  });

  // Query words: by document frequency over the bodies' two-character words.
  const byDf = [...df].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const common = byDf[0]!;
  const rareCandidates = byDf.filter(([w, n]) => n >= 2 && n <= 5 && vocab.rare.includes(w));
  const rare = rareCandidates[Math.floor(rareCandidates.length / 2)] ?? byDf.at(-1)!;
  const randomWords = Array.from({ length: 500 }, () => byDf[Math.floor(random() ** 2 * byDf.length)]![0]);
  const suggestPrefixes = [
    ...Array.from({ length: 150 }, () => [...byDf[Math.floor(random() ** 2 * Math.min(3000, byDf.length))]![0]][0]!),
    ...Array.from({ length: 50 }, () => pick(TECH).toLowerCase().slice(0, int(2, 4))),
  ];
  const sum = bodySizes.reduce((s, n) => s + n, 0);
  return {
    channels,
    users,
    articles,
    contents,
    comments,
    manifest: {
      version: SHAPE_VERSION,
      channelIds: channels.map((c) => Number(c.id)),
      articleIds: articles.map((a) => String(a.id)),
      readerMobile: users[0]!.mobile,
      common: { word: common[0], articles: common[1] },
      rare: { word: rare[0], articles: rare[1] },
      randomWords,
      suggestPrefixes,
      bodyBytes: { mean: Math.round(sum / bodySizes.length), min: Math.min(...bodySizes), max: Math.max(...bodySizes) },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Databases

function urlFor(kind: ShapeDatabase): string {
  const fromEnv = process.env[`BENCH_SHAPE_${kind.toUpperCase()}_URL`]?.trim();
  if (fromEnv) return fromEnv;
  if (kind === 'postgres') return `postgres://postgres@127.0.0.1:5432/${SHAPE_DB_NAME}`;
  if (kind === 'mysql') return `mysql://root@127.0.0.1:3306/${SHAPE_DB_NAME}`;
  return `sqlite:${path.join(CACHE_DIR, 'inkstone.db')}`;
}

/** Creates (or, with `fresh`, recreates) the scratch database of a server URL. Never `test`. */
async function ensureDatabase(kind: ShapeDatabase, url: string, fresh: boolean): Promise<void> {
  if (kind === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fresh) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    return;
  }
  const parsed = new URL(url);
  const name = parsed.pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name) || name === 'test') {
    throw new Error(`refusing to manage database "${name}" (expected a scratch name like ${SHAPE_DB_NAME})`);
  }
  if (kind === 'postgres') {
    parsed.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: parsed.toString() });
    await admin.connect();
    try {
      if (fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return;
  }
  parsed.pathname = '/';
  const admin = await mysql.createConnection(parsed.toString());
  try {
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
}

function platformConfig(url: string, dataDir: string) {
  return loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    PUBLIC_URL: 'http://127.0.0.1',
    SEED_ON_EMPTY: 'false',
    JWT_SECRET: 'shape-bench-generator-secret-0123456789abcdef',
  });
}

/** Whether the database already holds the complete shape (the last step, the index, included). */
async function isComplete(db: Kysely<Database>, manifest: ShapeManifest): Promise<boolean> {
  try {
    const count = async (table: 'articles' | 'comments' | 'users' | 'channels') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    if ((await count('articles')) !== SHAPE.articles || (await count('comments')) !== SHAPE.comments) return false;
    if ((await count('users')) < SHAPE.users || (await count('channels')) !== SHAPE.channels) return false;
    const last = await db
      .selectFrom('articles')
      .select('id')
      .where('id', '=', BigInt(manifest.articleIds.at(-1)!))
      .executeTakeFirst();
    if (!last) return false;
    const marker = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM shape_bench_marker WHERE version = ${SHAPE_VERSION}`
      .execute(db)
      .catch(() => ({ rows: [{ n: 0 }] }));
    return Number(marker.rows[0]?.n ?? 0) > 0;
  } catch {
    return false;
  }
}

async function insertAll(db: Kysely<Database>, data: Generated, log: (line: string) => void): Promise<void> {
  const now = BASE_MS;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('channels')
      .values(
        data.channels.map((c, i) => ({
          id: c.id,
          name: c.name,
          sequence: i,
          is_visible: 1,
          is_default: 1,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    for (let i = 0; i < data.users.length; i += BATCH) {
      await trx
        .insertInto('users')
        .values(data.users.slice(i, i + BATCH).map((u) => ({ ...u, updated_at: u.created_at })))
        .execute();
    }
  });
  for (let i = 0; i < data.articles.length; i += BATCH) {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('articles')
        .values(data.articles.slice(i, i + BATCH))
        .execute();
      await trx
        .insertInto('article_contents')
        .values(data.contents.slice(i, i + BATCH))
        .execute();
    });
    if ((i / BATCH) % 8 === 0) log(`articles ${i + BATCH}/${data.articles.length}`);
  }
  for (let i = 0; i < data.comments.length; i += BATCH * 2) {
    await db
      .insertInto('comments')
      .values(data.comments.slice(i, i + BATCH * 2))
      .execute();
  }
  // The authors' read totals (a delta counter: recount leaves it alone), from their articles.
  const reads = new Map<bigint, number>();
  for (const a of data.articles) reads.set(a.user_id, (reads.get(a.user_id) ?? 0) + Number(a.read_count ?? 0));
  await db.transaction().execute(async (trx) => {
    for (const [id, total] of reads)
      await trx.updateTable('users').set({ read_count: total }).where('id', '=', id).execute();
  });
}

export interface LoadedShape {
  kind: ShapeDatabase;
  /** The database the server should use (for SQLite, a fresh copy of the cached file). */
  databaseUrl: string;
  manifest: ShapeManifest;
  /** Generation + load + recount + index, ms; null when the cached data was reused. */
  loadMs: number | null;
  phasesMs: Record<string, number> | null;
  /** Removes the SQLite copy (the cache and the scratch databases stay). */
  cleanup(): void;
}

/**
 * Loads the shape into `kind` (or finds it loaded), and returns where it is. For SQLite the
 * server gets a copy of the cached file, so what a run writes (reads, sessions) never leaks
 * into the next run.
 */
export async function loadShape(
  kind: ShapeDatabase,
  opts: { regenerate?: boolean; log?: (line: string) => void } = {},
): Promise<LoadedShape> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[shape] ${line}\n`));
  const started = Date.now();
  const data = generate();
  const phases: Record<string, number> = { generate: Date.now() - started };
  const url = urlFor(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-shape-gen-'));
  let loadMs: number | null = null;
  try {
    await ensureDatabase(kind, url, opts.regenerate ?? false);
    const config = platformConfig(url, dataDir);
    let platform = await createAppPlatform(config, pino(loggerOptions(config)));
    try {
      if (await isComplete(platform.db, data.manifest)) {
        log(`reusing the loaded shape in ${kind} (${url.replace(/\/\/[^@/]*@/, '//')})`);
      } else {
        await platform.close();
        await ensureDatabase(kind, url, true);
        platform = await createAppPlatform(config, pino(loggerOptions(config)));
        log(`loading the shape into ${kind}…`);
        let t = Date.now();
        await insertAll(platform.db, data, log);
        phases.insert = Date.now() - t;
        const services = createServices(platform);
        t = Date.now();
        await services.counters.recount();
        phases.recount = Date.now() - t;
        t = Date.now();
        const indexed = await services.search.reindex({ batchSize: 1000 });
        phases.index = Date.now() - t;
        log(`indexed ${indexed.indexed} articles, ${indexed.terms} vocabulary terms`);
        await sql`CREATE TABLE IF NOT EXISTS shape_bench_marker (version INTEGER NOT NULL)`.execute(platform.db);
        await sql`INSERT INTO shape_bench_marker (version) VALUES (${SHAPE_VERSION})`.execute(platform.db);
        if (kind === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(platform.db);
        loadMs = Date.now() - started;
        log(
          `loaded in ${(loadMs / 1000).toFixed(1)} s (${Object.entries(phases)
            .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
            .join(', ')})`,
        );
      }
    } finally {
      await platform.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  if (kind !== 'sqlite') {
    return {
      kind,
      databaseUrl: url,
      manifest: data.manifest,
      loadMs,
      phasesMs: loadMs === null ? null : phases,
      cleanup() {},
    };
  }
  const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-shape-'));
  const copy = path.join(copyDir, 'inkstone.db');
  fs.copyFileSync(url.slice('sqlite:'.length), copy);
  return {
    kind,
    databaseUrl: `sqlite:${copy}`,
    manifest: data.manifest,
    loadMs,
    phasesMs: loadMs === null ? null : phases,
    cleanup: () => fs.rmSync(copyDir, { recursive: true, force: true }),
  };
}

// `npx tsx bench/shape-data.ts [--db kind] [--regenerate]`: load only.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const kind = (args[args.indexOf('--db') + 1] ?? 'sqlite') as ShapeDatabase;
  loadShape(args.includes('--db') ? kind : 'sqlite', { regenerate: args.includes('--regenerate') }).then(
    (shape) => {
      const { articleIds, randomWords, suggestPrefixes, ...rest } = shape.manifest;
      console.log(
        JSON.stringify(
          { ...rest, articles: articleIds.length, loadMs: shape.loadMs, phasesMs: shape.phasesMs },
          null,
          2,
        ),
      );
      void randomWords;
      void suggestPrefixes;
      shape.cleanup();
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
