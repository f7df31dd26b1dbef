/**
 * `npm run bench:shape [-- --db sqlite|postgres|mysql] [--redis] [--duration 10] [filter…]`:
 * the issue 13 figures at the 20k-article shape, repeatable with one command.
 *
 * Loads the shape (bench/shape-data.ts; reused when already loaded), starts the real server on it
 * (built, as a child process, SEED_ON_EMPTY off), runs the scenarios below with the shared harness
 * (harness.ts) and prints the table, every ratio (each against its reference measured in the same
 * run) and the targets; the JSON goes to bench/results/shape-<timestamp>.json.
 *
 *   --db KIND          sqlite (default), postgres (postgres://postgres@127.0.0.1:5432/inkstone_shape_vN)
 *                      or mysql (mysql://root@127.0.0.1:3306/inkstone_shape_vN); BENCH_SHAPE_<KIND>_URL overrides
 *   --redis            give the server REDIS_URL (BENCH_REDIS_URL or redis://127.0.0.1:6379) under a
 *                      run-unique REDIS_PREFIX, whose keys are deleted afterwards
 *   --duration S       seconds measured per scenario (default 10); --warmup S (default 2)
 *   --connections N    connections for the HTTP scenarios (default 50; search runs at 10)
 *   --regenerate       reload the shape even when a complete one is cached
 *
 * Targets are reported, never asserted.
 */
import fs from 'node:fs';
import path from 'node:path';
import type autocannon from 'autocannon';
import {
  compare,
  Context,
  describeFlag,
  formatNumber,
  machineInfo,
  printComparisons,
  printTable,
  runScenario,
  stopRunning,
  type ScenarioResult,
} from './harness.js';
import { expectStatus, ids, SetupError, type Comparison, type Scenario, type ScenarioContext } from './scenarios.js';
import { redisKeyCleanup, ROOT, serverSummary, startInkstone, type BenchProcess } from './server-process.js';
import { loadShape, SHAPE, type LoadedShape, type ShapeDatabase, type ShapeManifest } from './shape-data.js';
import { mulberry32 } from '../src/modules/demo/prng.js';

const USAGE = `Usage: npm run bench:shape -- [--db sqlite|postgres|mysql] [--redis] [--duration S] [--warmup S]
       [--connections N] [--regenerate] [--list] [filter…]`;

interface ShapeSettings {
  db: ShapeDatabase;
  redis: boolean;
  durationS: number;
  warmupS: number;
  connections: number;
  regenerate: boolean;
  list: boolean;
  filters: string[];
}

function readArgs(argv: string[]): ShapeSettings {
  const settings: ShapeSettings = {
    db: 'sqlite',
    redis: false,
    durationS: 10,
    warmupS: 2,
    connections: 50,
    regenerate: false,
    list: false,
    filters: [],
  };
  const number = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number ≥ ${min}\n\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--db') {
      const db = argv[++i];
      if (db !== 'sqlite' && db !== 'postgres' && db !== 'mysql')
        throw new Error(`--db sqlite|postgres|mysql\n\n${USAGE}`);
      settings.db = db;
    } else if (arg === '--redis') settings.redis = true;
    else if (arg === '--duration') settings.durationS = number(arg, argv[++i], 1);
    else if (arg === '--warmup') settings.warmupS = number(arg, argv[++i], 0);
    else if (arg === '--connections') settings.connections = Math.round(number(arg, argv[++i], 1));
    else if (arg === '--regenerate') settings.regenerate = true;
    else if (arg === '--list') settings.list = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    else settings.filters.push(arg.toLowerCase());
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// Scenarios at the shape

const SEARCH_CONNECTIONS = 10;

function session(ctx: ScenarioContext, manifest: ShapeManifest): Promise<string> {
  return ctx.memo('shape-session', async () => {
    const result = await ctx.request('inkstone', '/app/v1_0/authorizations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mobile: manifest.readerMobile, code: '246810' }),
    });
    expectStatus(result, 201, 'POST /app/v1_0/authorizations');
    const token = (JSON.parse(result.text) as { data?: { token?: unknown } }).data?.token;
    if (typeof token !== 'string') throw new SetupError('POST /app/v1_0/authorizations: no token');
    return token;
  });
}

/** The first page of the shape's busiest channel as the app asks for it (timestamp = now). */
function feedPage(ctx: ScenarioContext, manifest: ShapeManifest) {
  return ctx.memo('shape-feed', async () => {
    const path = `/app/v1_1/articles?channel_id=${manifest.channelIds[1]}&timestamp=${Date.now()}&with_top=1`;
    const result = await ctx.request('inkstone', path);
    expectStatus(result, 200, `GET ${path}`);
    const articleIds = ids(result.text, 'art_id');
    if (articleIds.length === 0) throw new SetupError(`GET ${path}: no articles (shape not loaded?)`);
    return { path, bytes: result.bytes, articleIds };
  });
}

async function detailPath(ctx: ScenarioContext, manifest: ShapeManifest): Promise<string> {
  return `/app/v1_0/articles/${(await feedPage(ctx, manifest)).articleIds[0]}`;
}

/** One search query sent again and again (the result cache's case). */
function repeatedSearch(name: string, query: { word: string; articles: number }): Scenario {
  return {
    name,
    description: `GET /app/v1_0/search q=${query.word} (in ~${query.articles} bodies), repeated`,
    target: 'inkstone',
    connections: SEARCH_CONNECTIONS,
    async setup(ctx) {
      await expectHits(ctx, query.word);
      return { path: searchPath(query.word) };
    },
  };
}

/** A scenario answering the bytes of an Inkstone route from a bare server ('bare:<name>'). */
function bareOf(name: string, description: string, reference: (ctx: ScenarioContext) => Promise<string>): Scenario {
  const target = name === 'bare-feed' ? 'bare' : (`bare:${name}` as const);
  return {
    name,
    description,
    target,
    async setup(ctx) {
      const refPath = await reference(ctx);
      const result = await ctx.request('inkstone', refPath);
      expectStatus(result, 200, `GET ${refPath}`);
      await ctx.startBare(result.bytes, target);
      return { path: refPath };
    },
  };
}

/** A request sequence drawing each path from `pick` (a seeded PRNG shared by the connections). */
function drawn(pick: () => string, headers?: Record<string, string>): autocannon.Request[] {
  return [
    { method: 'GET', ...(headers ? { headers } : {}), setupRequest: (request) => ({ ...request, path: pick() }) },
  ];
}

function searchPath(q: string): string {
  return `/app/v1_0/search?q=${encodeURIComponent(q)}&page=1&per_page=10`;
}

/** Checks a search answers hits, so a measured search never runs on an empty index. */
async function expectHits(ctx: ScenarioContext, q: string): Promise<number> {
  const result = await ctx.request('inkstone', searchPath(q));
  expectStatus(result, 200, `GET ${searchPath(q)}`);
  const total = Number(/"total_count"\s*:\s*(\d+)/.exec(result.text)?.[1] ?? 0);
  if (total === 0) throw new SetupError(`search for "${q}" found nothing: is the index filled?`);
  return total;
}

function shapeScenarios(manifest: ShapeManifest): Scenario[] {
  const channels = '/app/v1_0/channels';
  return [
    {
      name: 'channels',
      description: 'GET /app/v1_0/channels (10 channels), anonymous',
      target: 'inkstone',
      path: channels,
    },
    bareOf('bare-channels', 'bare node:http answering the channels bytes', () => Promise.resolve(channels)),
    {
      name: 'feed',
      description: 'GET /app/v1_1/articles first page of a channel (~2,000 articles), anonymous',
      target: 'inkstone',
      async setup(ctx) {
        return { path: (await feedPage(ctx, manifest)).path };
      },
    },
    bareOf(
      'bare-feed',
      'bare node:http answering the feed page bytes',
      async (ctx) => (await feedPage(ctx, manifest)).path,
    ),
    {
      name: 'detail',
      description: 'GET /app/v1_0/articles/:id, one id (warm), anonymous',
      target: 'inkstone',
      async setup(ctx) {
        return { path: await detailPath(ctx, manifest) };
      },
    },
    bareOf('bare-detail', 'bare node:http answering the detail bytes', (ctx) => detailPath(ctx, manifest)),
    {
      name: 'feed-user',
      description: 'the feed scenario signed in (a user of the shape, demo SMS code)',
      target: 'inkstone',
      async setup(ctx) {
        const headers = { authorization: `Bearer ${await session(ctx, manifest)}` };
        const path = (await feedPage(ctx, manifest)).path;
        expectStatus(await ctx.request('inkstone', path, { headers }), 200, `GET ${path} signed in`);
        return { path, headers };
      },
    },
    {
      name: 'detail-user',
      description: 'the detail scenario signed in (per-reader flags, read hook)',
      target: 'inkstone',
      async setup(ctx) {
        const headers = { authorization: `Bearer ${await session(ctx, manifest)}` };
        const path = await detailPath(ctx, manifest);
        expectStatus(await ctx.request('inkstone', path, { headers }), 200, `GET ${path} signed in`);
        return { path, headers };
      },
    },
    {
      name: 'detail-random',
      description: `GET /app/v1_0/articles/:id, a random id of the ${SHAPE.articles.toLocaleString('en')} per request, anonymous`,
      target: 'inkstone',
      async setup(ctx) {
        const sample = `/app/v1_0/articles/${manifest.articleIds[manifest.articleIds.length >> 1]}`;
        expectStatus(await ctx.request('inkstone', sample), 200, `GET ${sample}`);
        const random = mulberry32(13);
        const list = manifest.articleIds;
        return { requests: drawn(() => `/app/v1_0/articles/${list[Math.floor(random() * list.length)]}`) };
      },
    },
    repeatedSearch('search-common', manifest.common),
    repeatedSearch('search-rare', manifest.rare),
    {
      name: 'search-random',
      description: `GET /app/v1_0/search, a random word of ${manifest.randomWords.length} (all frequencies) per request`,
      target: 'inkstone',
      connections: SEARCH_CONNECTIONS,
      setup() {
        const random = mulberry32(17);
        const words = manifest.randomWords;
        return Promise.resolve({ requests: drawn(() => searchPath(words[Math.floor(random() * words.length)]!)) });
      },
    },
    {
      name: 'suggest',
      description: `GET /app/v1_0/suggestion, a random prefix of ${manifest.suggestPrefixes.length} per request`,
      target: 'inkstone',
      connections: SEARCH_CONNECTIONS,
      async setup(ctx) {
        const first = `/app/v1_0/suggestion?q=${encodeURIComponent(manifest.suggestPrefixes[0]!)}`;
        expectStatus(await ctx.request('inkstone', first), 200, `GET ${first}`);
        const random = mulberry32(19);
        const list = manifest.suggestPrefixes;
        return {
          requests: drawn(
            () => `/app/v1_0/suggestion?q=${encodeURIComponent(list[Math.floor(random() * list.length)]!)}`,
          ),
        };
      },
    },
  ];
}

const shapeComparisons: Comparison[] = [
  { label: 'channels ÷ bare', scenario: 'channels', baseline: 'bare-channels', target: 0.6 },
  { label: 'feed ÷ bare', scenario: 'feed', baseline: 'bare-feed', target: 0.6 },
  { label: 'detail ÷ bare', scenario: 'detail', baseline: 'bare-detail', target: 0.6 },
  { label: 'feed signed in ÷ anonymous', scenario: 'feed-user', baseline: 'feed', target: 0.5 },
  { label: 'detail signed in ÷ anonymous', scenario: 'detail-user', baseline: 'detail', target: 0.5 },
];

/** Absolute targets of issue 13 (reported, never asserted). */
function absoluteTargets(results: ScenarioResult[]) {
  const get = (name: string) => results.find((r) => r.name === name && r.ok);
  const random = get('detail-random');
  const lines: { label: string; value: number | null; target: string; met: boolean | null }[] = [];
  const add = (label: string, value: number | null | undefined, limit: number, unit: string) =>
    lines.push({
      label,
      value: value ?? null,
      target: `≤ ${limit} ${unit}`,
      met: value === null || value === undefined ? null : value <= limit,
    });
  add('random detail p99', random?.latencyMs?.p99, 50, 'ms');
  add('random detail peak RSS', random?.memory?.peakRssMb, 300, 'MB');
  const peak = Math.max(...results.map((r) => (r.target === 'inkstone' ? (r.memory?.peakRssMb ?? 0) : 0)));
  add('server peak RSS over all scenarios', peak || null, 300, 'MB');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Main

const owned: BenchProcess[] = [];
let shape: LoadedShape | undefined;
let redisCleanup: (() => Promise<void>) | undefined;

async function stopAll(): Promise<void> {
  await Promise.allSettled(owned.map((p) => p.stop()));
  shape?.cleanup();
  await redisCleanup?.().catch((error: unknown) => console.error('redis cleanup failed:', error));
}

async function main(): Promise<number> {
  const settings = readArgs(process.argv.slice(2));
  if (settings.list) {
    const placeholder = {
      version: 0,
      channelIds: [1, 2],
      articleIds: ['1'],
      readerMobile: '',
      common: { word: '…', articles: 0 },
      rare: { word: '…', articles: 0 },
      randomWords: [],
      suggestPrefixes: [],
      bodyBytes: { mean: 0, min: 0, max: 0 },
    };
    for (const s of shapeScenarios(placeholder)) console.log(`${s.name.padEnd(14)} ${s.description}`);
    return 0;
  }
  process.once('SIGINT', () => {
    stopRunning();
    void stopAll().finally(() => process.exit(130));
  });

  const startedAt = new Date();
  const loadStarted = Date.now();
  shape = await loadShape(settings.db, { regenerate: settings.regenerate });
  const { manifest } = shape;
  const prepareMs = Date.now() - loadStarted;
  console.log(
    `Shape v${manifest.version} in ${settings.db}: ${SHAPE.channels} channels, ${SHAPE.users} users, ${SHAPE.articles} articles ` +
      `(bodies ${manifest.bodyBytes.mean} B mean), ${SHAPE.comments} comments — ` +
      (shape.loadMs === null
        ? `reused (${(prepareMs / 1000).toFixed(1)} s to check and copy)`
        : `loaded in ${(shape.loadMs / 1000).toFixed(1)} s`),
  );

  const env: Record<string, string> = { DATABASE_URL: shape.databaseUrl, SEED_ON_EMPTY: 'false' };
  if (settings.redis) {
    const redisUrl = process.env.BENCH_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
    const prefix = `inkstone-shape-bench-${process.pid}-${Date.now().toString(36)}:`;
    Object.assign(env, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
    redisCleanup = redisKeyCleanup(redisUrl, prefix);
  }

  const all = shapeScenarios(manifest);
  const selected = settings.filters.length ? all.filter((s) => settings.filters.some((f) => s.name.includes(f))) : all;
  console.log(
    `Scenarios: ${selected.map((s) => s.name).join(', ')} — ${settings.connections} connections ` +
      `(search ${SEARCH_CONNECTIONS}), ${settings.durationS} s each after ${settings.warmupS} s warm-up`,
  );
  console.log('Building and starting the server…');
  const inkstone = await startInkstone({ env, readyTimeoutMs: 120_000 });
  owned.push(inkstone);
  console.log(
    `Server ready in ${(inkstone.startupMs / 1000).toFixed(1)} s (pid ${inkstone.pid}, ${inkstone.database}, ` +
      `redis ${inkstone.redis ? 'on' : 'off'}, start-up peak RSS ${formatNumber(inkstone.startupPeakRssMb, 1)} MB)`,
  );

  const ctx = new Context(inkstone);
  const results: ScenarioResult[] = [];
  const loadAverages: number[][] = [];
  try {
    for (const scenario of selected) {
      process.stdout.write(`  ${scenario.name.padEnd(14)} `);
      const result = await runScenario(scenario, ctx, settings);
      for (const bare of ctx.bares.values()) if (!owned.includes(bare)) owned.push(bare);
      results.push(result);
      loadAverages.push((await import('node:os')).loadavg());
      console.log(
        result.ok
          ? `${formatNumber(result.requestsPerSec?.mean)} req/s, p95 ${result.latencyMs?.p95} ms, p99 ${result.latencyMs?.p99} ms` +
              (result.flagged ? `  ⚠ ${describeFlag(result)}` : '')
          : `FAILED: ${result.error}`,
      );
      if (result.warning) console.log(`  ${' '.repeat(14)} ! ${result.warning}`);
      if (!inkstone.alive()) {
        console.error(`The Inkstone server ${inkstone.exitReason()}; stopping.`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await stopAll();
  }

  const compared = compare(results, shapeComparisons);
  const targets = absoluteTargets(results);
  console.log('');
  printTable(results);
  console.log('');
  printComparisons(compared);
  for (const t of targets) {
    console.log(
      `${t.label}: ${t.value === null ? 'n/a' : formatNumber(t.value, 1)} (target ${t.target}: ${t.met === null ? 'n/a' : t.met ? 'met' : 'missed'})`,
    );
  }
  const worstLoad = Math.max(...loadAverages.map((l) => l[0] ?? 0));
  const machine = machineInfo();
  console.log(
    `Machine: ${machine.cpus} CPUs, 1-min load average up to ${worstLoad.toFixed(1)} during the run ` +
      `(other processes compete for the CPUs when it exceeds ${machine.cpus}).`,
  );

  const report = {
    kind: 'shape',
    timestamp: startedAt.toISOString(),
    settings: { ...settings, searchConnections: SEARCH_CONNECTIONS, pipelining: 1 },
    machine: { ...machine, loadAveragesAfterEachScenario: loadAverages },
    shape: {
      version: manifest.version,
      ...SHAPE,
      bodyBytes: manifest.bodyBytes,
      common: manifest.common,
      rare: manifest.rare,
      database: settings.db,
      loadMs: shape.loadMs,
      loadPhasesMs: shape.phasesMs,
      reused: shape.loadMs === null,
    },
    server: serverSummary(inkstone),
    scenarios: results,
    comparisons: compared,
    targets,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `shape-${settings.db}${settings.redis ? '-redis' : ''}-${report.timestamp.replace(/:/g, '-')}.json`,
  );
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results: ${path.relative(process.cwd(), file)}`);

  const failed = results.filter((r) => !r.ok).length + selected.length - results.length;
  if (failed) console.error(`${failed} scenario(s) failed or did not run.`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`bench:shape: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.exit(1);
  },
);
