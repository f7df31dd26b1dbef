/**
 * `npm run bench [-- <filter>…]`: starts Inkstone (built, as a child process, embedded defaults
 * plus demo data), runs every scenario of scenarios.ts with autocannon, prints a table and the
 * comparisons, and writes the results to bench/results/<timestamp>.json and latest.json.
 *
 *   BENCH_DURATION=10      seconds measured per scenario
 *   BENCH_CONNECTIONS=50   concurrent connections
 *   BENCH_WARMUP=2         seconds of unrecorded warm-up per scenario (0: none)
 *   BENCH_DATABASE_URL     run the server on this database instead of a temporary SQLite file
 *   BENCH_REDIS_URL        give the server this Redis
 *   BENCH_NODE_ENV         the server's NODE_ENV (default development, see server-process.ts)
 *
 * Targets are reported, never asserted: the exit code is non-zero only when something failed
 * (the server did not start or died, a scenario's setup failed, bad settings).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBareServer, type BareServer } from './bare-server.js';
import {
  comparisons,
  scenarios,
  SetupError,
  type HttpResult,
  type RequestSpec,
  type Scenario,
  type ScenarioContext,
  type Target,
} from './scenarios.js';
import { ROOT, startInkstone, type BenchProcess, type InkstoneServer } from './server-process.js';

const USAGE = `Usage: npm run bench [-- [--list] [filter…]]

  filter   run only the scenarios whose name contains one of these words (e.g. feed)
  --list   print the scenarios and exit

Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50), BENCH_WARMUP
(s, default 2), BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_NODE_ENV (default development).`;

// ---------------------------------------------------------------------------------------------
// Settings

class UsageError extends Error {}

function numberFromEnv(name: string, fallback: number, min: number, integer: boolean): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

interface Settings {
  durationS: number;
  connections: number;
  warmupS: number;
  filters: string[];
  list: boolean;
}

function readSettings(argv: string[]): Settings {
  const flags = argv.filter((arg) => arg.startsWith('-'));
  for (const flag of flags) {
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (flag !== '--list') throw new UsageError(`unknown option ${flag}\n\n${USAGE}`);
  }
  return {
    durationS: numberFromEnv('BENCH_DURATION', 10, 1, false),
    connections: numberFromEnv('BENCH_CONNECTIONS', 50, 1, true),
    warmupS: numberFromEnv('BENCH_WARMUP', 2, 0, false),
    filters: argv.filter((arg) => !arg.startsWith('-')).map((arg) => arg.toLowerCase()),
    list: flags.includes('--list'),
  };
}

// ---------------------------------------------------------------------------------------------
// Results

interface MemoryResult {
  peakRssMb: number | null;
  rssMb: number | null;
  /** 'scenario': the peak was reset before the measured run; 'process': lifetime peak. */
  peakScope: 'scenario' | 'process';
}

interface ScenarioResult {
  name: string;
  description: string;
  target: Target;
  method: string;
  path?: string;
  /** Length of the request sequence, for `requests` scenarios. */
  sequence?: number;
  ok: boolean;
  error?: string;
  /** Something odd seen before the run (e.g. the first request was not 2xx). */
  warning?: string;
  /** Non-2xx responses or errors during the measured run. */
  flagged: boolean;
  responseBytes?: number;
  durationS?: number;
  totalRequests?: number;
  requestsPerSec?: { mean: number; stddev: number; min: number; max: number };
  latencyMs?: { mean: number; p50: number; p90: number; p99: number; max: number };
  throughputBytesPerSec?: number;
  non2xx?: number;
  statusCodes?: Record<string, number>;
  errors?: number;
  timeouts?: number;
  memory?: MemoryResult;
}

interface ComparisonResult {
  label: string;
  scenario: string;
  baseline: string;
  target: number;
  ratio: number | null;
  met: boolean | null;
}

// ---------------------------------------------------------------------------------------------
// Context given to setups

class Context implements ScenarioContext {
  bare: BareServer | undefined;
  private readonly memos = new Map<string, Promise<unknown>>();

  constructor(readonly inkstone: InkstoneServer) {}

  process(target: Target): BenchProcess | undefined {
    return target === 'inkstone' ? this.inkstone : this.bare;
  }

  baseUrl(target: Target): string | undefined {
    return this.process(target)?.baseUrl;
  }

  async request(target: Target, requestPath: string, init: RequestInit = {}): Promise<HttpResult> {
    const base = this.baseUrl(target);
    if (!base) throw new SetupError(`the ${target} server is not running`);
    const response = await fetch(`${base}${requestPath}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, text: bytes.toString('utf8'), bytes };
  }

  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let pending = this.memos.get(key);
    if (!pending) {
      pending = compute();
      this.memos.set(key, pending);
    }
    return pending as Promise<T>;
  }

  async startBare(body: Buffer): Promise<void> {
    if (this.bare) {
      if (this.bare.bodyBytes !== body.length) {
        throw new SetupError(`the bare server already answers ${this.bare.bodyBytes} bytes, not ${body.length}`);
      }
      return;
    }
    this.bare = await startBareServer(body);
  }
}

// ---------------------------------------------------------------------------------------------
// Running one scenario

function autocannonOptions(
  base: string,
  spec: RequestSpec,
  connections: number,
  durationS: number,
  title: string,
): autocannon.Options {
  // autocannon spreads options over its defaults, so absent fields must be absent, not undefined.
  return {
    url: `${base}${spec.path ?? '/'}`,
    connections,
    duration: durationS,
    timeout: 10,
    title,
    ...(spec.method ? { method: spec.method } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.requests ? { requests: spec.requests } : {}),
  };
}

let running: autocannon.Instance | undefined;

async function fire(options: autocannon.Options): Promise<autocannon.Result> {
  const instance = autocannon(options);
  running = instance;
  try {
    return await instance;
  } finally {
    running = undefined;
  }
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function runScenario(scenario: Scenario, ctx: Context, settings: Settings): Promise<ScenarioResult> {
  const base: ScenarioResult = {
    name: scenario.name,
    description: scenario.description,
    target: scenario.target,
    method: scenario.method ?? 'GET',
    ok: false,
    flagged: false,
  };

  let spec: RequestSpec;
  try {
    const overrides = (await scenario.setup?.(ctx)) ?? {};
    spec = {
      method: scenario.method,
      path: scenario.path,
      headers: scenario.headers,
      body: scenario.body,
      requests: scenario.requests,
      ...overrides,
    };
  } catch (error) {
    return { ...base, error: `setup failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  Object.assign(base, { method: spec.method ?? 'GET', path: spec.path, sequence: spec.requests?.length });

  const target = ctx.process(scenario.target);
  if (!target?.alive()) {
    return {
      ...base,
      error: `the ${scenario.target} server is not running${target ? ` (${target.exitReason()})` : ''}`,
    };
  }

  // One plain request first: the response size for the report (and an early look at the status).
  if (!spec.requests && spec.path) {
    try {
      const init: RequestInit = { method: spec.method ?? 'GET' };
      if (spec.headers) init.headers = spec.headers;
      if (spec.body !== undefined) init.body = spec.body;
      const probe = await ctx.request(scenario.target, spec.path, init);
      base.responseBytes = probe.bytes.length;
      if (probe.status < 200 || probe.status > 299) {
        base.warning = `a single request answered HTTP ${probe.status}: ${probe.text.slice(0, 200)}`;
      }
    } catch (error) {
      return { ...base, error: `first request failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  try {
    if (settings.warmupS > 0) {
      await fire(
        autocannonOptions(target.baseUrl, spec, settings.connections, settings.warmupS, `${scenario.name} (warm-up)`),
      );
    }
    const scoped = target.resetPeak();
    const result = await fire(
      autocannonOptions(target.baseUrl, spec, settings.connections, settings.durationS, scenario.name),
    );
    const memory = target.memory();
    if (!target.alive())
      return { ...base, error: `the ${scenario.target} server ${target.exitReason()} during the run` };

    const statusCodes = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    );
    return {
      ...base,
      ok: true,
      flagged: result.non2xx > 0 || result.errors > 0,
      durationS: result.duration,
      totalRequests: result.requests.total ?? result.latency.totalCount,
      requestsPerSec: {
        mean: round(result.requests.mean),
        stddev: round(result.requests.stddev),
        min: result.requests.min,
        max: result.requests.max,
      },
      latencyMs: {
        mean: round(result.latency.mean),
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      throughputBytesPerSec: round(result.throughput.mean, 0),
      non2xx: result.non2xx,
      statusCodes,
      errors: result.errors,
      timeouts: result.timeouts,
      memory: { ...memory, peakScope: scoped ? 'scenario' : 'process' },
    };
  } catch (error) {
    return { ...base, error: `autocannon failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(results: ScenarioResult[]): void {
  const header = ['scenario', 'req/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'peak RSS MB', 'note'];
  const rows = results.map((r) => [
    r.name,
    formatNumber(r.requestsPerSec?.mean),
    formatNumber(r.latencyMs?.p50, r.latencyMs && !Number.isInteger(r.latencyMs.p50) ? 1 : 0),
    formatNumber(r.latencyMs?.p99, r.latencyMs && !Number.isInteger(r.latencyMs.p99) ? 1 : 0),
    formatNumber(r.non2xx),
    formatNumber(r.errors),
    formatNumber(r.memory?.peakRssMb, 1),
    !r.ok ? `FAILED: ${r.error ?? ''}` : r.flagged ? `⚠ ${describeFlag(r)}` : '',
  ]);
  const numeric = new Set([1, 2, 3, 4, 5, 6]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w, i) => (i === widths.length - 1 ? '-'.repeat(4) : '-'.repeat(w)))));
  for (const row of rows) console.log(line(row));
}

function describeFlag(r: ScenarioResult): string {
  const parts: string[] = [];
  if (r.non2xx) {
    const codes = Object.entries(r.statusCodes ?? {})
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, count]) => `${count}×${code}`);
    parts.push(`non-2xx ${codes.join(', ')}`);
  }
  if (r.errors) parts.push(`${r.errors} errors (${r.timeouts ?? 0} timeouts)`);
  return parts.join('; ');
}

function compare(results: ScenarioResult[]): ComparisonResult[] {
  return comparisons.map((c) => {
    const numerator = results.find((r) => r.name === c.scenario && r.ok)?.requestsPerSec?.mean;
    const denominator = results.find((r) => r.name === c.baseline && r.ok)?.requestsPerSec?.mean;
    const ratio = numerator !== undefined && denominator ? numerator / denominator : null;
    return { ...c, ratio: ratio === null ? null : round(ratio, 4), met: ratio === null ? null : ratio >= c.target };
  });
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machineInfo() {
  const cpus = os.cpus();
  const status = git(['status', '--porcelain']);
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? null,
    totalMemMb: Math.round(os.totalmem() / 1024 / 1024),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

const owned: BenchProcess[] = [];

async function stopAll(): Promise<void> {
  await Promise.allSettled(owned.map((p) => p.stop()));
}

function onSignal(signal: NodeJS.Signals): void {
  console.error(`\n${signal}: stopping`);
  running?.stop();
  void stopAll().finally(() => process.exit(130));
}

async function main(): Promise<number> {
  const settings = readSettings(process.argv.slice(2));
  const selected = settings.filters.length
    ? scenarios.filter((s) => settings.filters.some((f) => s.name.toLowerCase().includes(f)))
    : scenarios;

  if (settings.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(12)} ${s.target.padEnd(9)} ${s.description}`);
    return 0;
  }
  if (selected.length === 0) {
    throw new UsageError(
      `no scenario matches ${settings.filters.join(', ')}; there are: ${scenarios.map((s) => s.name).join(', ')}`,
    );
  }

  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const startedAt = new Date();
  console.log(
    `Inkstone bench: ${selected.map((s) => s.name).join(', ')} — ${settings.connections} connections, ` +
      `${settings.durationS} s each after ${settings.warmupS} s warm-up`,
  );
  console.log('Building and starting the server…');
  const inkstone = await startInkstone();
  owned.push(inkstone);
  console.log(
    `Server ready in ${(inkstone.startupMs / 1000).toFixed(1)} s at ${inkstone.baseUrl} ` +
      `(pid ${inkstone.pid}, ${inkstone.database}, redis ${inkstone.redis ? 'on' : 'off'}, NODE_ENV=${inkstone.nodeEnv})`,
  );

  const ctx = new Context(inkstone);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of selected) {
      process.stdout.write(`  ${scenario.name.padEnd(10)} `);
      const result = await runScenario(scenario, ctx, settings);
      if (ctx.bare && !owned.includes(ctx.bare)) owned.push(ctx.bare);
      results.push(result);
      console.log(
        result.ok
          ? `${formatNumber(result.requestsPerSec?.mean)} req/s, p99 ${result.latencyMs?.p99} ms${result.flagged ? `  ⚠ ${describeFlag(result)}` : ''}`
          : `FAILED: ${result.error}`,
      );
      if (result.warning) console.log(`  ${' '.repeat(10)} ! ${result.warning}`);
      if (!inkstone.alive()) {
        console.error(`The Inkstone server ${inkstone.exitReason()}; stopping.`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500)); // let the server settle (GC, closed sockets)
    }
  } finally {
    await stopAll();
  }

  const compared = compare(results);
  console.log('');
  printTable(results);
  console.log('');
  for (const c of compared) {
    const goal = `target ≥ ${Math.round(c.target * 100)} %`;
    console.log(
      c.ratio === null
        ? `${c.label}: n/a (needs both ${c.scenario} and ${c.baseline}), ${goal}`
        : `${c.label}: ${(c.ratio * 100).toFixed(1)} % of the bare server's req/s (${goal}: ${c.met ? 'met' : 'missed'})`,
    );
  }
  const peakScopes = new Set(results.map((r) => r.memory?.peakScope).filter(Boolean));
  if (peakScopes.has('process'))
    console.log('Peak RSS is the process lifetime peak (could not reset /proc/<pid>/clear_refs).');
  else if (peakScopes.size)
    console.log(
      `Peak RSS is per scenario (VmHWM reset before each measured run); Inkstone start-up peak ${formatNumber(inkstone.startupPeakRssMb, 1)} MB.`,
    );

  const report = {
    timestamp: startedAt.toISOString(),
    settings: {
      durationS: settings.durationS,
      connections: settings.connections,
      warmupS: settings.warmupS,
      pipelining: 1,
      filters: settings.filters,
    },
    machine: machineInfo(),
    server: {
      database: inkstone.database,
      redis: inkstone.redis,
      nodeEnv: inkstone.nodeEnv,
      startupMs: inkstone.startupMs,
      startupPeakRssMb: inkstone.startupPeakRssMb,
      bareBodyBytes: ctx.bare?.bodyBytes ?? null,
    },
    scenarios: results,
    comparisons: compared,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const file = path.join(dir, `${report.timestamp.replace(/:/g, '-')}.json`);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  console.log(`Results: ${path.relative(process.cwd(), file)} (and bench/results/latest.json)`);

  const failed = results.filter((r) => !r.ok);
  if (failed.length || results.length < selected.length) {
    console.error(`${failed.length + selected.length - results.length} scenario(s) failed or did not run.`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(
      error instanceof UsageError
        ? `bench: ${error.message}`
        : error instanceof Error
          ? `bench: ${error.message}`
          : error,
    );
    await stopAll();
    process.exit(1);
  },
);
