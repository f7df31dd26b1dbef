/**
 * `npm run bench:push [-- --redis] [--duration 10] [--warmup 2] [--like-rate 1000] [--read-rate 1000]`: issue 13
 * item 5, "a like reaches the author's socket p50 < 50 ms, p99 < 250 ms at 1,000 likes/s; the
 * counter flush keeps up with 2,000 writes/s and never skips a tick".
 *
 * A bench of its own rather than a part of bench/realtime.ts: that one measures socket capacity
 * (10,000 idle sockets, fan-out of events published inside the server); this one drives the real
 * HTTP write path at a paced rate, which needs accounts, articles and a long-lived server log, and
 * finishes in well under a minute.
 *
 * - The real server (built, `node dist/main.js serve`, demo data seeded) runs as a child process:
 *   SQLite by default, BENCH_DATABASE_URL for another database (a scratch one: it is seeded),
 *   `--redis` (BENCH_REDIS_URL or redis://127.0.0.1:6379, under a run-unique prefix deleted
 *   afterwards) for the Redis kv, scheduler locks and the Socket.IO Redis adapter.
 * - Authors: the demo writers (13812340001…), signed in with the demo code; the first --authors
 *   (default 4) connect one Socket.IO websocket each, with their access token (the app's protocol).
 * - Readers: --readers (default 200) new accounts, registered by signing in with the demo code from
 *   127.0.1.x source addresses (50 per address, under the sign-in limit of 60/minute per IP).
 * - Likes: POST /app/v1_0/article/likings {target} from the readers on the authors' articles, each
 *   (reader, article) pair once, open loop at --like-rate per second for --duration seconds. Per like:
 *   the time from sending the request to the author's socket receiving the matching `liking notify`
 *   (matched on the exact digits of user_id and art_id in the raw packet). --warmup seconds (default
 *   2) of the same traffic go first, unmeasured, so the figures are of a warm server.
 * - Reads: anonymous GET /app/v1_0/articles/:id over every demo writer's articles at --read-rate,
 *   each moving two delta counters (the article's and the author's read_count), so 1,000 reads/s are
 *   2,000 counter writes/s through the counters.flush tick (likes move row counters in their own
 *   transaction, which no flush carries).
 * - The flush: every counters.flush tick from the server's log (LOG_LEVEL=info, LOG_FILE), its
 *   duration and rows written, and every 'tick skipped' warning.
 *
 * - The server's CPU (user + system, main thread and helper threads) from the first request to the
 *   last answer, per request: what the latencies cost, independent of how busy the machine is.
 *
 * Send and receipt are timed in this process (one clock); its own event-loop delay counts in.
 * `--cpu-prof` writes the server's CPU profile to bench/results/.
 * Prints a table and writes bench/results/push-<ISO>.json. Targets are reported, never asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { Pool } from 'undici';
import { machineInfo, percentile, round } from './harness.js';
import {
  processCpuMs,
  redisKeyCleanup,
  ROOT,
  startInkstone,
  threadsCpuMs,
  type InkstoneServer,
} from './server-process.js';

const DEMO_CODE = '246810';
const WRITERS = 8;

interface Settings {
  redis: boolean;
  durationS: number;
  likeRate: number;
  readRate: number;
  authors: number;
  readers: number;
  cpuProf: boolean;
  warmupS: number;
}

function readArgs(argv: string[]): Settings {
  const settings: Settings = {
    redis: false,
    durationS: 10,
    likeRate: 1000,
    readRate: 1000,
    authors: 4,
    readers: 200,
    cpuProf: false,
    warmupS: 2,
  };
  const number = (name: string, raw: string | undefined, min: number) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} needs a number ≥ ${min}, got "${raw}"`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--redis') settings.redis = true;
    else if (arg === '--cpu-prof') settings.cpuProf = true;
    else if (arg === '--duration') settings.durationS = number(arg, argv[++i], 1);
    else if (arg === '--warmup') settings.warmupS = number(arg, argv[++i], 0);
    else if (arg === '--like-rate') settings.likeRate = number(arg, argv[++i], 1);
    else if (arg === '--read-rate') settings.readRate = number(arg, argv[++i], 0);
    else if (arg === '--authors') settings.authors = number(arg, argv[++i], 1);
    else if (arg === '--readers') settings.readers = number(arg, argv[++i], 1);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (settings.authors > WRITERS) throw new Error(`at most ${WRITERS} authors (the demo writers)`);
  return settings;
}

const now = () => performance.now();

async function json(pool: Pool, method: 'GET' | 'POST', url: string, token?: string, body?: unknown) {
  const response = await pool.request({
    method,
    path: url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
  // Ids keep every digit: they are compared with the digits of socket packets.
  return JSON.parse(text.replace(/("(?:id|art_id|aut_id|user_id)":)(\d+)/g, '$1"$2"')) as { data: any };
}

async function signIn(pool: Pool, mobile: string): Promise<string> {
  const { data } = await json(pool, 'POST', '/app/v1_0/authorizations', undefined, { mobile, code: DEMO_CODE });
  return data.token as string;
}

interface Writer {
  id: string;
  token: string;
  articles: string[];
}

async function writer(pool: Pool, index: number): Promise<Writer> {
  const token = await signIn(pool, `1381234000${index + 1}`);
  const me = await json(pool, 'GET', '/app/v1_0/user', token);
  const articles: string[] = [];
  for (let page = 1; ; page++) {
    const { data } = await json(pool, 'GET', `/app/v1_0/user/articles?page=${page}&per_page=50`, token);
    for (const card of data.results as { art_id: string }[]) articles.push(card.art_id);
    if ((data.results as unknown[]).length < 50) break;
  }
  return { id: me.data.id as string, token, articles };
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { token } });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Open loop: request i leaves at start + i/rate whatever the answers do. */
function paced(rate: number, total: number, send: (i: number) => void): Promise<void> {
  return new Promise((resolve) => {
    if (total === 0) return resolve();
    const start = now();
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface FlushTick {
  at: string;
  ms: number;
  rows: number;
}

function readServerLog(file: string): { ticks: FlushTick[]; skipped: string[]; errors: string[] } {
  const ticks: FlushTick[] = [];
  const skipped: string[] = [];
  const errors: string[] = [];
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: { msg?: string; job?: string; tick?: string; ms?: number; rows?: number; level?: number; time?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.msg === 'counters flushed') {
      ticks.push({ at: new Date(entry.time ?? 0).toISOString(), ms: entry.ms ?? NaN, rows: entry.rows ?? NaN });
    } else if (entry.msg?.includes('tick skipped') && entry.job === 'counters.flush') {
      skipped.push(entry.tick ?? '?');
    } else if ((entry.level ?? 0) >= 50) {
      errors.push(line.slice(0, 300));
    }
  }
  return { ticks, skipped, errors };
}

async function main(): Promise<void> {
  const settings = readArgs(process.argv.slice(2));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-bench-push-'));
  const logFile = path.join(dataDir, 'server.log');
  const env: Record<string, string> = { LOG_LEVEL: 'info', LOG_FILE: logFile, RATE_LIMIT_DEFAULT: 'off' };
  let cleanupRedis: (() => Promise<void>) | undefined;
  if (settings.redis) {
    const redisUrl = process.env.BENCH_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
    const prefix = `inkstone-bench-push:${Date.now()}:`;
    Object.assign(env, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
    cleanupRedis = redisKeyCleanup(redisUrl, prefix);
  }

  let server: InkstoneServer | undefined;
  const pools: Pool[] = [];
  const sockets: Socket[] = [];
  try {
    server = await startInkstone({
      env,
      skipBuild: process.env.BENCH_SKIP_BUILD === '1',
      nodeArgs: settings.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results')}`] : [],
    });
    const url = server.baseUrl;
    console.log(`server pid ${server.pid} at ${url} (${server.database}, redis ${server.redis ? 'on' : 'off'})`);
    const setup = new Pool(url, { connections: 4 });
    pools.push(setup);

    // Writers and their articles; the first `authors` of them listen on a socket.
    const writers: Writer[] = [];
    for (let i = 0; i < WRITERS; i++) writers.push(await writer(setup, i));
    const authors = writers.slice(0, settings.authors);
    const pending = new Map<string, number>();
    /** Likes of the warm-up: their pushes are expected, not measured. */
    const warming = new Set<string>();
    const latencies: number[] = [];
    let unmatched = 0;
    for (const author of authors) {
      const socket = await connect(url, author.token);
      sockets.push(socket);
      // Raw packets: JSON.parse would round the 19-digit ids.
      socket.io.engine.on('packet', (packet: { type: string; data?: unknown }) => {
        if (packet.type !== 'message' || typeof packet.data !== 'string') return;
        if (!packet.data.startsWith('2["liking notify"')) return;
        const at = now();
        const actor = /"user_id":(\d+)/.exec(packet.data)?.[1];
        const article = /"art_id":(\d+)/.exec(packet.data)?.[1];
        const key = `${actor}:${article}`;
        const sentAt = pending.get(key);
        if (sentAt === undefined) return void (warming.has(key) || unmatched++);
        pending.delete(key);
        latencies.push(at - sentAt);
      });
    }

    // Readers: one registration each through A19, 50 per source address.
    const readerPools = Array.from({ length: Math.ceil(settings.readers / 50) }, (_, n) => {
      const pool = new Pool(url, { connections: 4, localAddress: `127.0.1.${n + 1}` });
      pools.push(pool);
      return pool;
    });
    const readers: { id: string; token: string }[] = [];
    const started = Date.now();
    for (let i = 0; i < settings.readers; i += 20) {
      readers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, settings.readers - i) }, async (_, k) => {
            const n = i + k;
            const pool = readerPools[Math.floor(n / 50)]!;
            const token = await signIn(
              pool,
              `1370${String(started % 1e4).padStart(4, '0')}${String(n).padStart(3, '0')}`,
            );
            const me = await json(pool, 'GET', '/app/v1_0/user', token);
            return { id: me.data.id as string, token };
          }),
        )),
      );
    }

    const likeTargets = authors.flatMap((a) => a.articles);
    const pairs = shuffle(readers.flatMap((reader) => likeTargets.map((article) => ({ reader, article }))));
    const likeTotal = Math.round(settings.likeRate * settings.durationS);
    const warmLikes = Math.round(settings.likeRate * settings.warmupS);
    if (pairs.length < likeTotal + warmLikes)
      throw new Error(`${pairs.length} (reader, article) pairs < ${likeTotal + warmLikes} likes: raise --readers`);
    const readTargets = writers.flatMap((w) => w.articles);
    const readTotal = Math.round(settings.readRate * settings.durationS);
    console.log(
      `${authors.length} authors (${likeTargets.length} articles) on sockets, ${readers.length} readers; ` +
        `${likeTotal} likes at ${settings.likeRate}/s and ${readTotal} reads at ${settings.readRate}/s over ${readTargets.length} articles`,
    );

    const likePool = new Pool(url, { connections: 64 });
    const readPool = new Pool(url, { connections: 32 });
    pools.push(likePool, readPool);
    const status = { likes: new Map<string, number>(), reads: new Map<string, number>() };
    const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    const httpLatency: number[] = [];
    let firstFailure: string | undefined;
    const inFlight = new Set<Promise<void>>();
    const track = (promise: Promise<void>) => {
      inFlight.add(promise);
      void promise.finally(() => inFlight.delete(promise));
    };

    // What the server spends with no traffic (background start-up work, timers), to read the per-request figure against.
    const idleFrom = processCpuMs(server.pid);
    await new Promise((r) => setTimeout(r, 2_000));
    const idleCpuPercent = round((processCpuMs(server.pid) - idleFrom) / 20, 1);

    const drive = (likes: number, likeOffset: number, reads: number, measured: boolean) =>
      Promise.all([
        paced(settings.likeRate, likes, (i) => {
          const { reader, article } = pairs[likeOffset + i]!;
          const sentAt = now();
          if (!measured) warming.add(`${reader.id}:${article}`);
          else pending.set(`${reader.id}:${article}`, sentAt);
          track(
            likePool
              .request({
                method: 'POST',
                path: '/app/v1_0/article/likings',
                headers: { authorization: `Bearer ${reader.token}`, 'content-type': 'application/json' },
                body: `{"target":"${article}"}`,
              })
              .then(async (response) => {
                const text = await response.body.text();
                if (!measured) return;
                if (response.statusCode >= 300 && !firstFailure) firstFailure = `HTTP ${response.statusCode} ${text}`;
                httpLatency.push(now() - sentAt);
                count(status.likes, String(response.statusCode));
                if (response.statusCode >= 300) pending.delete(`${reader.id}:${article}`);
              })
              .catch((error: Error) => {
                if (!measured) return;
                pending.delete(`${reader.id}:${article}`);
                count(status.likes, error.name);
              }),
          );
        }),
        paced(settings.readRate, reads, (i) => {
          track(
            readPool
              .request({ method: 'GET', path: `/app/v1_0/articles/${readTargets[i % readTargets.length]}` })
              .then(async (response) => {
                await response.body.dump();
                if (measured) count(status.reads, String(response.statusCode));
              })
              .catch((error: Error) => void (measured && count(status.reads, error.name))),
          );
        }),
      ]);

    // A cold server (JIT, caches, SQLite pages) answers its first seconds slowly: not the figure asked for.
    await drive(warmLikes, 0, Math.round(settings.readRate * settings.warmupS), false);
    await Promise.all([...inFlight]);

    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const loadBefore = os.loadavg();
    const threadsBefore = threadsCpuMs(server.pid);
    const cpuBefore = processCpuMs(server.pid);
    const runStarted = now();
    await drive(likeTotal, warmLikes, readTotal, true);
    const sendSeconds = (now() - runStarted) / 1000;
    await Promise.all([...inFlight]);
    const serverCpu = processCpuMs(server.pid) - cpuBefore;
    const serverThreads = Object.fromEntries(
      [...threadsCpuMs(server.pid)]
        .map(([name, ms]) => [name, ms - (threadsBefore.get(name) ?? 0)] as const)
        .filter(([, ms]) => ms > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    // Stragglers: wait until every answered like was delivered, at most 5 s.
    const drainUntil = now() + 5_000;
    while (pending.size > 0 && now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
    loopDelay.disable();
    const loadAfter = os.loadavg();
    // Two more flush ticks, so the deltas of the last reads are written and logged.
    await new Promise((r) => setTimeout(r, 11_000));

    const log = readServerLog(logFile);
    const likesOk = status.likes.get('201') ?? 0;
    const ms = (values: number[], p: number) => percentile(values, p);
    const flushMs = log.ticks.map((t) => t.ms);
    const result = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: { before: loadBefore.map((l) => round(l)), after: loadAfter.map((l) => round(l)) },
      database: server.database,
      redis: server.redis,
      settings,
      sendSeconds: round(sendSeconds),
      /** CPU the server used from the first request to the last answer, per request sent. */
      serverCpuMsPerRequest: round(serverCpu / (likeTotal + readTotal), 3),
      serverThreadsCpuMs: serverThreads,
      serverIdleCpuPercentBefore: idleCpuPercent,
      clientEventLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6),
      likes: {
        sent: likeTotal,
        answered201: likesOk,
        statusCodes: Object.fromEntries(status.likes),
        delivered: latencies.length,
        undelivered: pending.size,
        unmatched,
        pushMs: {
          p50: ms(latencies, 50),
          p95: ms(latencies, 95),
          p99: ms(latencies, 99),
          max: ms(latencies, 100),
        },
        httpMs: { p50: ms(httpLatency, 50), p95: ms(httpLatency, 95), p99: ms(httpLatency, 99) },
      },
      reads: { sent: readTotal, statusCodes: Object.fromEntries(status.reads) },
      flush: {
        ticks: log.ticks,
        skipped: log.skipped,
        msP50: ms(flushMs, 50),
        msMax: ms(flushMs, 100),
        rowsMax: log.ticks.reduce((m, t) => Math.max(m, t.rows), 0),
      },
      serverErrors: log.errors.slice(0, 20),
    };

    console.log(`\nLikes → author's socket (${result.database}${result.redis ? ' + redis' : ''})`);
    console.table({
      [`${settings.likeRate}/s × ${settings.durationS} s`]: {
        'sent/s': round(likeTotal / sendSeconds, 0),
        'delivered/sent': `${latencies.length}/${likeTotal}`,
        'push p50': result.likes.pushMs.p50,
        'push p95': result.likes.pushMs.p95,
        'push p99': result.likes.pushMs.p99,
        'push max': result.likes.pushMs.max,
        'HTTP p50': result.likes.httpMs.p50,
        'HTTP p99': result.likes.httpMs.p99,
        statuses: JSON.stringify(result.likes.statusCodes),
      },
    });
    if (firstFailure) console.log(`first failed like: ${firstFailure.slice(0, 300)}`);
    console.log(
      `server CPU ${round(serverCpu / 1000)} s, ${result.serverCpuMsPerRequest} ms per request; by thread (ms): ${JSON.stringify(serverThreads)}; idle before the run ${idleCpuPercent} %`,
    );
    console.log(`reads: ${JSON.stringify(result.reads.statusCodes)} of ${readTotal}`);
    console.log(`\ncounters.flush ticks (${log.ticks.length}; skipped: ${log.skipped.length})`);
    console.table(log.ticks.map((t) => ({ at: t.at.slice(11, 23), ms: round(t.ms), rows: t.rows })));
    console.log(
      `load average before ${result.loadAverage.before.join(' ')}, after ${result.loadAverage.after.join(' ')}; ` +
        `bench event-loop delay p99 ${result.clientEventLoopDelayP99Ms} ms`,
    );
    if (log.errors.length) console.log(`server errors (first): ${log.errors.slice(0, 3).join('\n')}`);

    const dir = path.join(ROOT, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(
      dir,
      `push-${result.database}${result.redis ? '-redis' : ''}-${result.date.replace(/:/g, '-')}.json`,
    );
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${path.relative(ROOT, file)}`);
  } finally {
    for (const socket of sockets) socket.close();
    await Promise.all(pools.map((pool) => pool.close().catch(() => {})));
    await server?.stop();
    await cleanupRedis?.().catch((error: unknown) => console.error('redis cleanup failed:', error));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
