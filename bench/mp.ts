/**
 * `npx tsx bench/mp.ts`: the media platform's publishing path, measured in process.
 *
 * 1. Create-and-approve, end to end over HTTP (app.inject) against the real app on a temporary
 *    SQLite file, one request after another (latency, not throughput):
 *    - auto policy:   POST /mp/v1_0/articles (sanitize, word filter, auto-approve) → GET A34 = 200;
 *    - manual policy: POST /mp/v1_0/articles → POST /admin/v1_0/articles/:id/decisions → GET A34 = 200.
 * 2. The sensitive-word filter: a generated 5,000-word list (Chinese and English) over a few MB of
 *    mixed text: automaton build time and matching throughput.
 * 3. The HTML sanitizer on the benchmark's article body.
 *
 *   BENCH_MP_ARTICLES=200   articles per policy
 *   BENCH_MP_TEXT_MB=4      size of the text the filter scans (UTF-8 MB)
 */
import { buildApp, createAppPlatform, type App } from '../src/app.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createHtmlSanitizer } from '../src/platform/sanitize/html.js';
import { createSensitiveWordFilter } from '../src/platform/sanitize/sensitive-words.js';
import { mulberry32 } from '../src/modules/demo/prng.js';

const ARTICLES = Number(process.env.BENCH_MP_ARTICLES ?? 200);
const TEXT_MB = Number(process.env.BENCH_MP_TEXT_MB ?? 4);

// ---------------------------------------------------------------------------------------------
// Helpers

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
    mean,
  };
}

const fmt = (x: number) => x.toFixed(2);

let ipCounter = 0;
const nextIp = () => `10.9.${(++ipCounter >> 8) & 255}.${ipCounter & 255 || 1}`;

async function buildBenchApp(reviewPolicy: 'auto' | 'manual'): Promise<{ app: App; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-bench-mp-'));
  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'bench.db')}`,
    PUBLIC_URL: 'http://inkstone.bench',
    SEED_ON_EMPTY: 'false',
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(48).toString('base64'),
    RUN_SCHEDULER: 'false',
    REVIEW_POLICY: reviewPolicy,
  });
  const platform = await createAppPlatform(config, pino({ level: 'silent' }));
  const app = await buildApp(config, { platform });
  await app.app.ready();
  return {
    app,
    async close() {
      await app.app.close();
      await platform.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function signIn(
  app: App,
  kind: 'app' | 'mp',
  role: 'user' | 'moderator',
): Promise<{ id: bigint; token: string }> {
  const id = app.platform.ids.user();
  const now = Date.now();
  const mobile = `137${String(id % 100000000n).padStart(8, '0')}`;
  await app.platform.db
    .insertInto('users')
    .values({
      id,
      mobile,
      name: `bench${id}`.slice(0, 30),
      verified: kind === 'mp' ? 1 : 0,
      role,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const res = await app.app.inject({
    method: 'POST',
    url: `/${kind}/v1_0/authorizations`,
    remoteAddress: nextIp(),
    payload: { mobile, code: '246810' },
  });
  if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  return { id, token: res.json().data.token as string };
}

/** An article body about 2.5 KB long, with three of our images, a link and some hostile markup. */
function articleHtml(i: number): string {
  const paragraph = `<p>第${i}段：媒体平台的文章会经过清洗与关键词过滤。The quick brown fox jumps over the lazy dog, again and again. </p>`;
  return (
    `<h2>小标题 ${i}</h2>` +
    paragraph.repeat(8) +
    `<p><img src="http://inkstone.bench/media/covers/${i % 7}.jpg" alt="a"><img src="http://inkstone.bench/media/covers/${(i + 1) % 7}.jpg">` +
    `<img src="http://inkstone.bench/media/covers/${(i + 2) % 7}.jpg" onerror="alert(1)"></p>` +
    '<blockquote>引用 <a href="https://example.com/x" onclick="x()">link</a></blockquote><script>alert(1)</script>' +
    '<ul><li>one</li><li>two</li></ul>'
  );
}

// ---------------------------------------------------------------------------------------------
// 1. Create and approve over HTTP

async function createAndApprove(policy: 'auto' | 'manual') {
  const { app, close } = await buildBenchApp(policy);
  try {
    const channelId = 1000n + BigInt(policy === 'auto' ? 1 : 2);
    const now = Date.now();
    await app.platform.db
      .insertInto('channels')
      .values({ id: channelId, name: `bench-${policy}`, created_at: now, updated_at: now })
      .execute();
    const author = await signIn(app, 'mp', 'user');
    const moderator = await signIn(app, 'app', 'moderator');
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    const create: number[] = [];
    const decide: number[] = [];
    const total: number[] = [];
    // A few unmeasured rounds warm up the JIT, the statement cache and the schema compilers.
    for (let i = -10; i < ARTICLES; i++) {
      const t0 = performance.now();
      const created = await app.app.inject({
        method: 'POST',
        url: '/mp/v1_0/articles',
        headers: auth(author.token),
        payload: {
          title: `基准测试文章 number ${i + 11}`,
          content: articleHtml(i),
          cover: { type: -1 },
          channel_id: String(channelId),
        },
      });
      if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`);
      const id = /"id":(\d+)/.exec(created.body)![1]!;
      const t1 = performance.now();
      if (policy === 'manual') {
        const decided = await app.app.inject({
          method: 'POST',
          url: `/admin/v1_0/articles/${id}/decisions`,
          headers: auth(moderator.token),
          payload: { decision: 'approve' },
        });
        if (decided.statusCode !== 201) throw new Error(`approve: ${decided.statusCode} ${decided.body}`);
      } else if (JSON.parse(created.body).data.status !== 2) {
        throw new Error('auto policy did not approve a clean article');
      }
      const t2 = performance.now();
      const detail = await app.app.inject({ url: `/app/v1_0/articles/${id}` });
      if (detail.statusCode !== 200) throw new Error(`A34: ${detail.statusCode} ${detail.body}`);
      if (/onerror|<script|onclick/.test(detail.body)) throw new Error('unsafe markup reached A34');
      const t3 = performance.now();
      if (i < 0) continue;
      create.push(t1 - t0);
      if (policy === 'manual') decide.push(t2 - t1);
      total.push(t3 - t0);
    }
    await app.platform.events.settle();
    return { policy, create: summary(create), decide: decide.length ? summary(decide) : null, total: summary(total) };
  } finally {
    await close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The sensitive-word filter

function wordFilterThroughput() {
  const next = mulberry32(5000);
  const cjk = () => String.fromCharCode(0x4e00 + Math.floor(next() * 0x5000));
  const latin = () => String.fromCharCode(0x61 + Math.floor(next() * 26));
  const words = new Set<string>();
  while (words.size < 5000) {
    if (next() < 0.6) words.add(Array.from({ length: 2 + Math.floor(next() * 3) }, cjk).join(''));
    else words.add(Array.from({ length: 4 + Math.floor(next() * 7) }, latin).join(''));
  }
  const list = [...words];

  // Mixed text: Chinese runs, English words (some capitalised), punctuation, and a planted word now and then.
  const chunks: string[] = [];
  let bytes = 0;
  const target = TEXT_MB * 1024 * 1024;
  while (bytes < target) {
    let piece: string;
    const roll = next();
    if (roll < 0.45) piece = Array.from({ length: 5 + Math.floor(next() * 30) }, cjk).join('') + '，';
    else if (roll < 0.9)
      piece = Array.from({ length: 3 + Math.floor(next() * 8) }, latin).join('') + (next() < 0.1 ? '. ' : ' ');
    else if (roll < 0.995) piece = 'The Quick Brown Fox 123, ';
    else piece = list[Math.floor(next() * list.length)]!.toUpperCase() + ' ';
    chunks.push(piece);
    bytes += Buffer.byteLength(piece);
  }
  const text = chunks.join('');
  const mb = Buffer.byteLength(text) / (1024 * 1024);

  // Building is what a reload costs; the median of a few builds (the first also compiles the code).
  const builds: number[] = [];
  let filter = createSensitiveWordFilter({ words: list });
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    filter = createSensitiveWordFilter({ words: list });
    builds.push(performance.now() - t0);
  }
  const buildMs = percentile(
    builds.sort((a, b) => a - b),
    50,
  );

  filter.match(text); // warm-up
  const rounds = 5;
  let found = 0;
  const t1 = performance.now();
  for (let i = 0; i < rounds; i++) found = filter.findAll(text).length;
  const scanMs = (performance.now() - t1) / rounds;

  // A typical article (title + ~2 KB of text), many times: the per-submission cost.
  const article = text.slice(0, 2000);
  const t2 = performance.now();
  const perArticleRounds = 20000;
  for (let i = 0; i < perArticleRounds; i++) filter.match(article);
  const perArticleUs = ((performance.now() - t2) / perArticleRounds) * 1000;

  return {
    words: filter.size,
    mb,
    chars: text.length,
    buildMs,
    scanMs,
    mbPerS: mb / (scanMs / 1000),
    mcharsPerS: text.length / 1e6 / (scanMs / 1000),
    occurrences: found,
    perArticleUs,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. The sanitizer

function sanitizerCost() {
  const sanitizer = createHtmlSanitizer({ imageOrigins: ['http://inkstone.bench'] });
  const html = articleHtml(1);
  for (let i = 0; i < 200; i++) sanitizer.sanitize(html);
  const rounds = 2000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) sanitizer.sanitize(html);
  return { bytes: Buffer.byteLength(html), perCallUs: ((performance.now() - t0) / rounds) * 1000 };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  console.log(
    `Inkstone media-platform bench — Node ${process.version}, ${os.cpus().length} cores, SQLite, ${ARTICLES} articles per policy\n`,
  );

  for (const policy of ARTICLES > 0 ? (['auto', 'manual'] as const) : []) {
    const result = await createAndApprove(policy);
    const line = (name: string, s: ReturnType<typeof summary>) =>
      `  ${name.padEnd(34)} p50 ${fmt(s.p50).padStart(7)} ms   p90 ${fmt(s.p90).padStart(7)} ms   p99 ${fmt(s.p99).padStart(7)} ms   max ${fmt(s.max).padStart(7)} ms`;
    console.log(`create-and-approve, ${policy} policy (n=${result.total.n}):`);
    console.log(line('POST /mp/v1_0/articles', result.create));
    if (result.decide) console.log(line('POST /admin/…/decisions (approve)', result.decide));
    console.log(line('end to end (… → A34 200)', result.total));
    console.log();
  }

  const words = wordFilterThroughput();
  console.log(`sensitive-word filter (Aho–Corasick), ${words.words} words:`);
  console.log(`  build (median of 5)                ${fmt(words.buildMs)} ms`);
  console.log(
    `  scan ${fmt(words.mb)} MB (${(words.chars / 1e6).toFixed(2)} M chars)       ${fmt(words.scanMs)} ms → ${fmt(words.mbPerS)} MB/s, ${fmt(words.mcharsPerS)} M chars/s (${words.occurrences} occurrences)`,
  );
  console.log(`  one ~2,000-char article            ${fmt(words.perArticleUs)} µs`);
  console.log();

  const s = sanitizerCost();
  console.log(`HTML sanitizer: ${s.bytes}-byte article → ${fmt(s.perCallUs)} µs per call`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
