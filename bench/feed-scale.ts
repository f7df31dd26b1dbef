/**
 * Feed cost against table size (issue 4): generates 10,000 and 1,000,000 approved articles into a
 * fresh SQLite database, starts the real server on it, and measures the first feed page, a deep
 * page, article detail and a cache-miss storm (many distinct unknown article ids), with database
 * queries per request read from /metrics. The point: page cost must not grow with the table.
 *
 *   npx tsx bench/feed-scale.ts            # 10k and 1M
 *   BENCH_SIZES=10000 npx tsx bench/feed-scale.ts
 *   BENCH_DURATION=5 (seconds per scenario), BENCH_CONNECTIONS=50
 */
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest, openDatabase } from '../src/platform/db/database.js';
import { moduleSchema } from '../src/services.js';
import { CONTENT_LAYOUT, ID_EPOCH_MS } from '../src/platform/ids.js';
import { ROOT, startInkstone, type InkstoneServer } from './server-process.js';

const sizes = (process.env.BENCH_SIZES ?? '10000,1000000').split(',').map(Number);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CHANNELS = 24;
const AUTHORS = 50;
const DAY = 86_400_000;

/** Rows straight through better-sqlite3 prepared statements: a million inserts in seconds. */
async function generate(
  size: number,
): Promise<{ dir: string; url: string; newestMs: number; midMs: number; someId: bigint }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inkstone-scale-${size}-`));
  const file = path.join(dir, 'inkstone.db');
  const handle = openDatabase(`sqlite:${file}`);
  await migrateToLatest(handle.db, moduleSchema().migrations);
  await handle.close();

  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const now = Date.now();
  const insertChannel = db.prepare(
    'INSERT INTO channels (id, name, sequence, is_visible, is_default, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)',
  );
  const insertUser = db.prepare('INSERT INTO users (id, mobile, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const insertArticle = db.prepare(
    `INSERT INTO articles (id, user_id, channel_id, title, cover_type, cover_images, status, is_top, created_at, updated_at, published_at,
       read_count, like_count, comment_count, collect_count) VALUES (?, ?, ?, ?, 0, '[]', 2, 0, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertContent = db.prepare('INSERT INTO article_contents (article_id, content) VALUES (?, ?)');
  // Spread over 60 days, newest first in id order (ids derive from the publish time, as Snowflake ids do).
  const spanMs = 60 * DAY;
  let someId = 0n;
  db.transaction(() => {
    for (let c = 1; c <= CHANNELS; c++) insertChannel.run(c, `channel-${c}`, c, c <= 8 ? 1 : 0, now, now);
    for (let u = 1; u <= AUTHORS; u++)
      insertUser.run(u, `1380000${String(u).padStart(4, '0')}`, `author${u}`, now, now);
    for (let i = 0; i < size; i++) {
      const published = now - spanMs + Math.floor((i / size) * spanMs);
      const id =
        (BigInt(published - ID_EPOCH_MS) << BigInt(CONTENT_LAYOUT.workerBits + CONTENT_LAYOUT.sequenceBits)) |
        BigInt(i % 4096);
      if (i === Math.floor(size / 2)) someId = id;
      insertArticle.run(
        id,
        1 + (i % AUTHORS),
        1 + (i % CHANNELS),
        `Article ${i} about topic ${i % 97}`,
        published,
        published,
        published,
        i % 500,
        i % 50,
        i % 20,
        i % 10,
      );
      // Bodies only for a slice of the table: the feed never reads them, detail reads one.
      if (i % 100 === 0 || i === Math.floor(size / 2)) insertContent.run(id, `<p>Body of article ${i}.</p>`);
    }
  })();
  db.close();
  return { dir, url: `sqlite:${file}`, newestMs: now, midMs: now - spanMs / 2, someId };
}

async function queriesSoFar(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const [, value] of text.matchAll(/^inkstone_db_queries_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm))
    total += Number(value);
  return total;
}

interface Row {
  size: number;
  scenario: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  queriesPerRequest: number;
}

async function measure(
  server: InkstoneServer,
  size: number,
  scenario: string,
  options: Omit<autocannon.Options, 'url'>,
): Promise<Row> {
  const before = await queriesSoFar(server.baseUrl);
  const result = await autocannon({ connections, duration, ...options, url: server.baseUrl });
  const after = await queriesSoFar(server.baseUrl);
  return {
    size,
    scenario,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50 ?? 0,
    p99: result.latency.p99 ?? 0,
    non2xx: result.non2xx,
    queriesPerRequest: Math.round(((after - before) / Math.max(1, result.requests.total ?? 0)) * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  let built = false;
  for (const size of sizes) {
    const started = Date.now();
    const data = await generate(size);
    console.error(`[feed-scale] ${size} articles generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const server = await startInkstone({ skipBuild: built, env: { DATABASE_URL: data.url, SEED_ON_EMPTY: 'false' } });
    built = true;
    try {
      const first = `/app/v1_1/articles?channel_id=3&timestamp=${data.newestMs + 60_000}&with_top=1`;
      const deep = `/app/v1_1/articles?channel_id=3&timestamp=${data.midMs}&with_top=0`;
      rows.push(await measure(server, size, 'feed first page', { requests: [{ path: first }] }));
      rows.push(await measure(server, size, 'feed deep page (mid-table)', { requests: [{ path: deep }] }));
      rows.push(
        await measure(server, size, 'article detail', { requests: [{ path: `/app/v1_0/articles/${data.someId}` }] }),
      );
      // Distinct unknown ids: each reaches the database once, then the negative cache answers.
      let n = 0;
      const pool = Array.from({ length: 20_000 }, (_, i) => 9_000_000_000_000_000_000n + BigInt(i) * 7919n);
      rows.push(
        await measure(server, size, 'cache-miss storm (20k unknown ids)', {
          requests: [
            { setupRequest: (request) => ({ ...request, path: `/app/v1_0/articles/${pool[n++ % pool.length]}` }) },
          ],
        }),
      );
    } finally {
      await server.stop();
      fs.rmSync(data.dir, { recursive: true, force: true });
    }
  }
  console.table(rows);
  const out = path.join(ROOT, 'bench', 'results', `feed-scale-${new Date().toISOString().replace(/:/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify({ duration, connections, rows }, null, 2));
  console.log(`saved ${path.relative(ROOT, out)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
