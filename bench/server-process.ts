/**
 * The real Inkstone server as a child process, the way it runs in production: compiled with tsc,
 * started as `node dist/main.js serve`, with its own event loop so autocannon (in the bench
 * process) never competes with it for one. Also the memory probe shared with the bare server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const MB = 1024 * 1024;

export interface MemorySample {
  /** Current resident set (VmRSS), MB; null where /proc is unavailable. */
  rssMb: number | null;
  /** High-water mark of the resident set (VmHWM), MB; null where /proc is unavailable. */
  peakRssMb: number | null;
}

/** A server the benchmark started and owns. */
export interface BenchProcess {
  readonly label: string;
  readonly pid: number;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Why it exited, once it has. */
  exitReason(): string | undefined;
  memory(): MemorySample;
  /**
   * Resets the peak (VmHWM) to the current RSS, so the next memory() reports the peak of what
   * ran in between (Linux ≥ 4.0, /proc/<pid>/clear_refs). False when unsupported: the peak is
   * then the process's lifetime peak.
   */
  resetPeak(): boolean;
  /** SIGTERM, wait for the exit (SIGKILL after the grace period), clean up. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// CPU

/** utime + stime of a /proc `stat` line, ms (ticks of 10 ms; the name field may hold spaces). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** User + system CPU of each thread of a process so far, by thread name (Linux /proc). */
export function threadsCpuMs(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const stat = fs.readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      // Node's helper threads all inherit the name "node": the main thread is the one whose id is the pid.
      const name = task === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      threads.set(name, (threads.get(name) ?? 0) + statCpuMs(stat));
    }
  } catch {
    // Not Linux, or the process is gone: no figures.
  }
  return threads;
}

/** User + system CPU of the whole process so far, threads that ended included, ms (0 without /proc). */
export function processCpuMs(pid: number): number {
  try {
    return statCpuMs(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Memory

function kbField(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Math.round((Number(match[1]) * 1024 * 10) / MB) / 10 : null;
}

export function readMemory(pid: number): MemorySample {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssMb: kbField(status, 'VmRSS'), peakRssMb: kbField(status, 'VmHWM') };
  } catch {
    return { rssMb: null, peakRssMb: null };
  }
}

export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Child process plumbing shared by both servers

/** A port that was free on 127.0.0.1 a moment ago (the server gets it next; see the retry below). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** Keeps the last `limit` characters a child wrote, for error messages. */
export class OutputTail {
  private text = '';
  constructor(private readonly limit = 16_000) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  toString(): string {
    return this.text.trim();
  }
}

export interface ChildTracker {
  exited: Promise<void>;
  alive(): boolean;
  exitReason(): string | undefined;
  stop(graceMs: number): Promise<void>;
}

/** Exit bookkeeping and a SIGTERM-then-SIGKILL stop for a spawned child. */
export function trackChild(child: ChildProcess): ChildTracker {
  let reason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      reason ??= `failed: ${error.message}`;
      resolve();
    });
  });
  return {
    exited,
    alive: () => reason === undefined,
    exitReason: () => reason,
    async stop(graceMs) {
      if (reason !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Lines a child writes go to our stderr, prefixed, and into the tail kept for error messages. */
function relay(child: ChildProcess, prefix: string, tail: OutputTail, forward: boolean): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    let pending = '';
    stream.on('data', (chunk: string) => {
      tail.push(chunk);
      if (!forward) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) process.stderr.write(`${prefix} ${line}\n`);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Inkstone

export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql' | 'unknown';

export interface InkstoneServer extends BenchProcess {
  database: DatabaseKind;
  redis: boolean;
  nodeEnv: string;
  /** Peak RSS from start-up to ready (boot, migrations, demo seed), MB. */
  startupPeakRssMb: number | null;
  startupMs: number;
}

/** What a results file records about the server it measured. */
export function serverSummary(server: InkstoneServer) {
  const { database, redis, nodeEnv, startupMs, startupPeakRssMb } = server;
  return { database, redis, nodeEnv, startupMs, startupPeakRssMb };
}

export interface InkstoneOptions {
  /** Extra environment for the server; wins over everything else. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Skip the tsc build (dist/ is known to be fresh). */
  skipBuild?: boolean;
  /** Forward the server's own output (warnings and errors at LOG_LEVEL=warn) to stderr. */
  forwardOutput?: boolean;
  /** Node flags before the entry (`--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

/** Server-side variables the bench decides; inherited values would point it at the wrong place. */
const CONTROLLED_ENV = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'LOG_LEVEL',
  'LOG_FILE',
  'SEED_ON_EMPTY',
  'JWT_SECRET',
];

export function databaseKind(url: string | undefined): DatabaseKind {
  if (!url || /^(sqlite|file):/.test(url)) return 'sqlite';
  if (/^postgres(ql)?:/.test(url)) return 'postgres';
  if (/^(mysql|mariadb):/.test(url)) return 'mysql';
  return 'unknown';
}

/** `tsc -p tsconfig.build.json` into dist/; throws with the compiler output when it fails. */
export function buildServer(): void {
  const tsc = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
  const result = spawnSync(tsc, ['-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`build failed: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`build failed (tsc exit ${result.status}):\n${output}`);
  }
}

async function waitForReady(
  baseUrl: string,
  tracker: ChildTracker,
  timeoutMs: number,
): Promise<{ checks: Record<string, string> }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!tracker.alive()) throw new Error(`server ${tracker.exitReason()} before it was ready`);
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      if (response.status === 200) {
        const parsed = JSON.parse(text) as { data?: { checks?: Record<string, string> } };
        return { checks: parsed.data?.checks ?? {} };
      }
      last = `HTTP ${response.status}: ${text.slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`server not ready after ${timeoutMs / 1000} s (last /readyz: ${last})`);
}

/**
 * Builds and starts `node dist/main.js serve` on a free 127.0.0.1 port with a fresh temporary
 * DATA_DIR, and resolves once GET /readyz answers 200 (demo data is seeded before the server
 * listens, so ready means seeded).
 *
 * NODE_ENV=development with SEED_ON_EMPTY=true (and a generated JWT_SECRET): production mode
 * insists on real external services (JWT secret, SMS vendor…) and skips the demo data the
 * scenarios need. What development changes (CORS '*', a console SMS provider, pretty logs on a
 * TTY — stdout is a pipe here) does not touch the measured routes. BENCH_NODE_ENV overrides it.
 * BENCH_DATABASE_URL and BENCH_REDIS_URL become DATABASE_URL and REDIS_URL (default: SQLite under
 * the temp dir, no Redis). A non-empty external database is used as it is (no seed).
 */
/**
 * BENCH_NODE_ARGS: extra Node/V8 flags for the server (space-separated), to compare runtime
 * settings such as `--max-semi-space-size=8` under the same bench without editing it.
 */
function benchNodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

export async function startInkstone(options: InkstoneOptions = {}): Promise<InkstoneServer> {
  if (!options.skipBuild) buildServer();
  const entry = path.join(ROOT, 'dist', 'main.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing after the build`);

  const databaseUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  const redisUrl = process.env.BENCH_REDIS_URL?.trim() || undefined;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const nodeEnv = options.env?.NODE_ENV ?? (process.env.BENCH_NODE_ENV?.trim() || 'development');

  // A port found free can be taken before the server binds it; retry a couple of times.
  for (let attempt = 1; ; attempt++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-bench-'));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of CONTROLLED_ENV) delete env[name];
    Object.assign(env, {
      NODE_ENV: nodeEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SEED_ON_EMPTY: 'true',
      JWT_SECRET: randomBytes(48).toString('base64'),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      ...options.env,
    });

    const started = Date.now();
    const child = spawn(process.execPath, [...benchNodeArgs(), ...(options.nodeArgs ?? []), entry, 'serve'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tracker = trackChild(child);
    const tail = new OutputTail();
    const forward = options.forwardOutput ?? true;
    relay(child, '[inkstone]', tail, forward);
    const cleanup = async () => {
      await tracker.stop(15_000);
      fs.rmSync(dataDir, { recursive: true, force: true });
    };

    let checks: Record<string, string>;
    try {
      checks = (await waitForReady(baseUrl, tracker, readyTimeoutMs)).checks;
    } catch (error) {
      await cleanup();
      const output = tail.toString();
      if (attempt < 3 && output.includes('EADDRINUSE')) continue;
      const message = error instanceof Error ? error.message : String(error);
      // Forwarded output is already on the terminal above.
      const shown = forward
        ? output
          ? ' (server output above)'
          : ''
        : output
          ? `\n--- server output ---\n${output}`
          : '';
      throw new Error(`Inkstone failed to start: ${message}${shown}`);
    }

    const pid = child.pid as number;
    let stopping: Promise<void> | undefined;
    return {
      label: 'inkstone',
      pid,
      baseUrl,
      database: databaseKind(options.env?.DATABASE_URL ?? databaseUrl),
      redis: 'redis' in checks,
      nodeEnv,
      startupPeakRssMb: readMemory(pid).peakRssMb,
      startupMs: Date.now() - started,
      alive: tracker.alive,
      exitReason: tracker.exitReason,
      memory: () => readMemory(pid),
      resetPeak: () => resetPeakRss(pid),
      stop: () => (stopping ??= cleanup()),
    };
  }
}

/** Deletes the keys of a run's REDIS_PREFIX (and only those). */
export function redisKeyCleanup(url: string, prefix: string): () => Promise<void> {
  return async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let deleted = 0;
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
        const list = keys as string[];
        if (list.length) deleted += await redis.unlink(...list);
      }
      if (deleted) console.log(`Deleted ${deleted} Redis keys under ${prefix}`);
    } finally {
      redis.disconnect();
    }
  };
}
