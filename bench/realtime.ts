/**
 * `npx tsx bench/realtime.ts`: Socket.IO capacity and latency of Inkstone.
 *
 * 1. Idle sockets: opens BENCH_IDLE_SOCKETS (10,000) websocket clients from this process against
 *    the server in a child process and reports the server's RSS and heap growth per socket, and
 *    its CPU while they sit idle (heartbeats only).
 * 2. Fan-out: BENCH_FANOUT_USERS (1,000) distinct users, created directly in the database with
 *    real sessions and access tokens, each connected with its own socket. Then
 *    - one `announcement` to everyone (a single emit reaching every socket), BENCH_ROUNDS times;
 *    - one `liking notify` to each user (1,000 domain events published at once, each stored in
 *      the notifications table and emitted to that user's room), BENCH_LIKE_ROUNDS times;
 *    latency is measured per delivery, from the server's publish to the client's receipt (both
 *    processes read the same wall clock through performance.timeOrigin + performance.now()).
 *
 * The server is this file run with `--server` (tsx, development mode, SQLite in a temporary
 * directory unless BENCH_DATABASE_URL; BENCH_REDIS_URL adds Redis and its Socket.IO adapter). It
 * is spawned through `sh -c 'ulimit -n 65535; exec node …'` so it can hold the sockets; this process
 * re-executes itself the same way when its own descriptor limit is too low. Clients bind to many
 * loopback addresses (127.0.1.x) so the per-IP connection cap (50) holds, as with real clients.
 *
 * Prints a table and writes bench/results/realtime-<ISO>.json. Targets are reported, not asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;
const now = () => performance.timeOrigin + performance.now();

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Server side (child process)

type Command =
  | { id: number; cmd: 'memory' }
  | { id: number; cmd: 'sockets' }
  | { id: number; cmd: 'cpu'; ms: number }
  | { id: number; cmd: 'users'; n: number }
  | { id: number; cmd: 'announce'; round: number }
  | { id: number; cmd: 'likes'; users: string[] }
  | { id: number; cmd: 'stop' };

async function serverMain(): Promise<void> {
  const { buildApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { ArticleStatus } = await import('../src/modules/articles/article.read-model.js');
  const { applyHeapGrowth } = await import('../src/platform/heap-growth.js');
  const config = loadConfig(process.env);
  // As `inkstone serve` does, so the resident set is the one a deployment would see.
  applyHeapGrowth(config.heapGrowthPercent);
  const built = await buildApp(config);
  const { app, platform, services } = built;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const send = (message: object) => process.send!(message);
  const gc = () => {
    for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  };
  let actorId = 0n;
  let articleId = 0n;

  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler catches and replies itself
  process.on('message', async (message: Command) => {
    const reply = (result: object) => send({ id: message.id, ...result });
    try {
      switch (message.cmd) {
        case 'memory': {
          gc();
          await new Promise((r) => setTimeout(r, 200));
          gc();
          const m = process.memoryUsage();
          return reply({ rss: m.rss, heapUsed: m.heapUsed, external: m.external });
        }
        case 'sockets':
          return reply({ sockets: services.realtime.localSockets });
        case 'cpu': {
          const before = process.cpuUsage();
          await new Promise((r) => setTimeout(r, message.ms));
          const used = process.cpuUsage(before);
          return reply({ percent: ((used.user + used.system) / 1000 / message.ms) * 100 });
        }
        case 'users': {
          const t = Date.now();
          const channelId = BigInt(900_000 + Math.floor(Math.random() * 1e6));
          await platform.db
            .insertInto('channels')
            .values({ id: channelId, name: `bench${channelId}`, created_at: t, updated_at: t })
            .execute();
          actorId = platform.ids.user();
          await platform.db
            .insertInto('users')
            .values({
              id: actorId,
              mobile: `1390${String(actorId).slice(-7)}`,
              name: 'bench actor',
              created_at: t,
              updated_at: t,
            })
            .execute();
          articleId = platform.ids.content();
          await platform.db
            .insertInto('articles')
            .values({
              id: articleId,
              user_id: actorId,
              channel_id: channelId,
              title: 'Bench article',
              cover_type: 0,
              cover_images: '[]',
              status: ArticleStatus.approved,
              created_at: t,
              updated_at: t,
              published_at: t,
            })
            .execute();
          const users: string[] = [];
          const tokens: string[] = [];
          const device = { userAgent: 'bench', ip: '127.0.0.1' };
          for (let i = 0; i < message.n; i++) {
            const id = platform.ids.user();
            await platform.db
              .insertInto('users')
              .values({
                id,
                mobile: `138${String(i).padStart(8, '0')}`,
                name: `bench user ${i}`,
                created_at: t,
                updated_at: t,
              })
              .execute();
            const pair = await services.auth.sessions.open(id, 'app', false, device, false);
            users.push(id.toString());
            tokens.push(pair.token);
          }
          return reply({ users, tokens });
        }
        case 'announce': {
          const at = Date.now();
          const sentAt = now();
          platform.events.publish('announcement.published', {
            announcementId: BigInt(message.round),
            title: `Bench ${message.round}`,
            at,
          });
          return reply({ sentAt });
        }
        case 'likes': {
          const at = Date.now();
          const sentAt = now();
          for (const user of message.users) {
            platform.events.publish('article.liked', { actorId, articleId, authorId: BigInt(user), at });
          }
          return reply({ sentAt });
        }
        case 'stop':
          await app.close();
          reply({});
          setTimeout(() => process.exit(0), 50);
          return;
      }
    } catch (error) {
      return reply({ error: String((error as Error)?.stack ?? error) });
    }
  });
  send({ type: 'ready', port });
}

// ---------------------------------------------------------------------------------------------
// Bench side

interface ServerHandle {
  child: ChildProcess;
  url: string;
  call<T>(command: Record<string, unknown> & { cmd: string }): Promise<T>;
}

function fdLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

async function startServer(dataDir: string): Promise<ServerHandle> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'bench.db')}`,
    JWT_SECRET: randomBytes(48).toString('base64'),
    SEED_ON_EMPTY: 'false',
    PUBLIC_URL: 'http://bench.local',
    RATE_LIMIT_DEFAULT: 'off',
  };
  delete env.REDIS_URL;
  if (process.env.BENCH_REDIS_URL) {
    env.REDIS_URL = process.env.BENCH_REDIS_URL;
    env.REDIS_PREFIX = `inkstone-bench:${Date.now()}:`;
  }
  const child = spawn(
    'sh',
    [
      '-c',
      'ulimit -n 65535 2>/dev/null || true; exec "$0" --expose-gc --import tsx "$1" --server',
      process.execPath,
      SELF,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (message: { type?: string; port?: number; id?: number; error?: string }) => {
      if (message.type === 'ready') return resolve(message.port!);
      const waiter = pending.get(message.id!);
      if (!waiter) return;
      pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message);
    });
    child.once('exit', (code) => {
      reject(new Error(`server exited with code ${code}`));
      for (const waiter of pending.values()) waiter.reject(new Error(`server exited with code ${code}`));
    });
  });
  const port = await ready;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    call(command) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ ...command, id });
      });
    },
  };
}

/** Loopback source addresses, `perAddress` clients each (under the server's per-IP cap of 50). */
function localAddress(index: number, perAddress = 40): string {
  const n = Math.floor(index / perAddress);
  return `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

function openClient(url: string, index: number, query?: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 20_000,
      query,
      localAddress: localAddress(index),
    } as Parameters<typeof io>[1]);
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Opens `count` clients, at most `parallel` handshakes at a time. */
async function openMany(
  url: string,
  count: number,
  parallel: number,
  query?: (i: number) => Record<string, string>,
): Promise<{ sockets: Socket[]; failed: number; ms: number }> {
  const sockets: Socket[] = new Array(count);
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        try {
          sockets[i] = await openClient(url, i, query?.(i));
        } catch {
          failed++;
        }
      }
    }),
  );
  return { sockets: sockets.filter(Boolean), failed, ms: performance.now() - started };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface LatencyStats {
  deliveries: number;
  expected: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Mean over rounds of the time until the last socket got its event. */
  lastDeliveryMs: number;
}

/** Runs `rounds` of `trigger`, collecting one receipt per socket per round from `event`. */
async function fanOut(
  _server: ServerHandle,
  sockets: Socket[],
  event: string,
  rounds: number,
  trigger: (round: number) => Promise<{ sentAt: number }>,
): Promise<LatencyStats> {
  const samples: number[] = [];
  const lasts: number[] = [];
  let expected = 0;
  for (let round = 1; round <= rounds; round++) {
    const receipts: number[] = [];
    let resolveAll!: () => void;
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    const handler = () => {
      receipts.push(now());
      if (receipts.length === sockets.length) resolveAll();
    };
    for (const socket of sockets) socket.once(event, handler);
    const { sentAt } = await trigger(round);
    await Promise.race([all, new Promise((r) => setTimeout(r, 15_000))]);
    for (const socket of sockets) socket.off(event, handler);
    expected += sockets.length;
    const latencies = receipts.map((r) => r - sentAt);
    samples.push(...latencies);
    lasts.push(Math.max(...latencies));
    await new Promise((r) => setTimeout(r, 300));
  }
  samples.sort((a, b) => a - b);
  const round2 = (n: number) => Math.round(n * 100) / 100;
  return {
    deliveries: samples.length,
    expected,
    p50Ms: round2(percentile(samples, 50)),
    p90Ms: round2(percentile(samples, 90)),
    p99Ms: round2(percentile(samples, 99)),
    maxMs: round2(samples[samples.length - 1] ?? NaN),
    lastDeliveryMs: round2(lasts.reduce((a, b) => a + b, 0) / lasts.length),
  };
}

async function benchMain(): Promise<void> {
  const idleTarget = numberFromEnv('BENCH_IDLE_SOCKETS', 10_000);
  const fanoutUsers = numberFromEnv('BENCH_FANOUT_USERS', 1_000);
  const rounds = numberFromEnv('BENCH_ROUNDS', 20);
  const likeRounds = numberFromEnv('BENCH_LIKE_ROUNDS', 5);

  // This process holds every client socket: make sure it may.
  const needed = idleTarget + fanoutUsers + 1_000;
  if (fdLimit() < needed && !process.env.BENCH_REEXEC) {
    const result = spawnSync(
      'sh',
      [
        '-c',
        'ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" --import tsx "$1"',
        process.execPath,
        SELF,
      ],
      {
        stdio: 'inherit',
        env: { ...process.env, BENCH_REEXEC: '1' },
      },
    );
    process.exit(result.status ?? 1);
  }
  const clientFdLimit = fdLimit();
  if (clientFdLimit < needed)
    console.warn(`warning: descriptor limit ${clientFdLimit} < ${needed}; some clients will fail to open`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-bench-rt-'));
  const server = await startServer(dataDir);
  const serverFdLimit = Number(
    fs.readFileSync(`/proc/${server.child.pid}/limits`, 'utf8').match(/Max open files\s+(\d+)/)?.[1] ?? NaN,
  );
  console.log(
    `server pid ${server.child.pid} at ${server.url} (fd limit ${serverFdLimit}); client fd limit ${clientFdLimit}`,
  );
  const sockets = async () => (await server.call<{ sockets: number }>({ cmd: 'sockets' })).sockets;

  try {
    // 1. Idle sockets and memory per socket.
    const before = await server.call<{ rss: number; heapUsed: number; external: number }>({ cmd: 'memory' });
    const idle = await openMany(server.url, idleTarget, 200);
    await waitFor(async () => (await sockets()) >= idle.sockets.length, 30_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const connected = await sockets();
    const after = await server.call<{ rss: number; heapUsed: number; external: number }>({ cmd: 'memory' });
    const idleCpu = await server.call<{ percent: number }>({ cmd: 'cpu', ms: 10_000 });
    for (const socket of idle.sockets) socket.close();
    await waitFor(async () => (await sockets()) === 0, 30_000);
    const idleResult = {
      target: idleTarget,
      connected,
      failed: idle.failed,
      openSeconds: Math.round(idle.ms / 10) / 100,
      rssBeforeMb: Math.round((before.rss / MB) * 10) / 10,
      rssAfterMb: Math.round((after.rss / MB) * 10) / 10,
      rssPerSocketKb: Math.round(((after.rss - before.rss) / connected / 1024) * 100) / 100,
      heapPerSocketKb: Math.round(((after.heapUsed - before.heapUsed) / connected / 1024) * 100) / 100,
      idleCpuPercent: Math.round(idleCpu.percent * 100) / 100,
    };

    // 2. Fan-out to distinct signed-in users.
    const { users, tokens } = await server.call<{ users: string[]; tokens: string[] }>({
      cmd: 'users',
      n: fanoutUsers,
    });
    const fan = await openMany(server.url, fanoutUsers, 100, (i) => ({ token: tokens[i]! }));
    await waitFor(async () => (await sockets()) >= fan.sockets.length, 30_000);
    const announcement = await fanOut(server, fan.sockets, 'announcement', rounds, (round) =>
      server.call({ cmd: 'announce', round }),
    );
    const likes = await fanOut(server, fan.sockets, 'liking notify', likeRounds, () =>
      server.call({ cmd: 'likes', users }),
    );
    for (const socket of fan.sockets) socket.close();

    const results = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 1024 ** 3),
        node: process.version,
      },
      database: process.env.BENCH_DATABASE_URL ? process.env.BENCH_DATABASE_URL.split(':')[0] : 'sqlite',
      redis: Boolean(process.env.BENCH_REDIS_URL),
      idle: idleResult,
      fanout: {
        users: fanoutUsers,
        connected: fan.sockets.length,
        failed: fan.failed,
        announcement: { rounds, ...announcement },
        likeNotify: { rounds: likeRounds, ...likes },
      },
    };

    console.log('\nIdle sockets (server child process, websocket clients)');
    console.table({
      sockets: { value: `${connected} / ${idleTarget} (${idle.failed} failed)` },
      'open time': { value: `${idleResult.openSeconds} s` },
      'RSS before → after': { value: `${idleResult.rssBeforeMb} → ${idleResult.rssAfterMb} MB` },
      'RSS per socket': { value: `${idleResult.rssPerSocketKb} KB` },
      'heap per socket': { value: `${idleResult.heapPerSocketKb} KB` },
      'idle CPU': { value: `${idleResult.idleCpuPercent} %` },
    });
    console.log(`\nFan-out to ${fan.sockets.length} signed-in users (publish → receipt, ms)`);
    console.table({
      [`announcement ×${rounds}`]: announcement,
      [`liking notify ×${likeRounds}`]: likes,
    });

    const dir = path.join(ROOT, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `realtime-${results.date.replace(/:/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(`\nwrote ${path.relative(ROOT, file)}`);
  } finally {
    await Promise.race([server.call({ cmd: 'stop' }).catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const main = process.argv.includes('--server') ? serverMain : benchMain;
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
