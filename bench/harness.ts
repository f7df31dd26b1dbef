/**
 * The measuring core shared by `npm run bench` (run.ts) and `npm run bench:shape` (shape.ts): the
 * context given to scenario setups, one scenario run with autocannon (warm-up, peak RSS reset,
 * latency percentiles), the table and the ratios.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { startBareServer, type BareServer } from './bare-server.js';
import {
  SetupError,
  type Comparison,
  type HttpResult,
  type RequestSpec,
  type Scenario,
  type ScenarioContext,
  type Target,
} from './scenarios.js';
import { processCpuMs, ROOT, type BenchProcess, type InkstoneServer } from './server-process.js';

/** What runScenario needs of the run's settings. */
export interface RunSettings {
  durationS: number;
  connections: number;
  warmupS: number;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface MemoryResult {
  peakRssMb: number | null;
  rssMb: number | null;
  /** 'scenario': the peak was reset before the measured run; 'process': lifetime peak. */
  peakScope: 'scenario' | 'process';
}

export interface ScenarioResult {
  name: string;
  description: string;
  target: Target;
  method: string;
  path?: string;
  connections?: number;
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
  /** p95 is computed from every response time (autocannon has no p95); the others are autocannon's. */
  latencyMs?: { mean: number; p50: number; p90: number; p95: number | null; p99: number; max: number };
  throughputBytesPerSec?: number;
  non2xx?: number;
  statusCodes?: Record<string, number>;
  errors?: number;
  timeouts?: number;
  memory?: MemoryResult;
  /**
   * The server's CPU (every thread, user + system) per response in the measured run, µs. Unlike
   * req/s it does not depend on how much of the machine the load generator left to the server.
   */
  serverCpuUsPerRequest?: number | null;
}

export interface ComparisonResult {
  label: string;
  scenario: string;
  baseline: string;
  target: number;
  ratio: number | null;
  met: boolean | null;
  /** The baseline's server CPU per request ÷ the scenario's: the same comparison in CPU, not req/s. */
  cpuRatio: number | null;
}

// ---------------------------------------------------------------------------------------------
// Context given to setups

export class Context implements ScenarioContext {
  /** Bare servers by target name ('bare', 'bare:detail'…), each answering one fixed body. */
  readonly bares = new Map<Target, BareServer>();
  private readonly memos = new Map<string, Promise<unknown>>();

  constructor(readonly inkstone: InkstoneServer) {}

  /** The first bare server started (the one `npm run bench` compares with). */
  get bare(): BareServer | undefined {
    return this.bares.get('bare');
  }

  process(target: Target): BenchProcess | undefined {
    return target === 'inkstone' ? this.inkstone : this.bares.get(target);
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

  async startBare(body: Buffer, target: Exclude<Target, 'inkstone'> = 'bare'): Promise<void> {
    const existing = this.bares.get(target);
    if (existing) {
      if (existing.bodyBytes !== body.length) {
        throw new SetupError(`the ${target} server already answers ${existing.bodyBytes} bytes, not ${body.length}`);
      }
      return;
    }
    this.bares.set(target, await startBareServer(body));
  }
}

// ---------------------------------------------------------------------------------------------
// Running one scenario

export function autocannonOptions(
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

/** Stops the autocannon run in flight (on a signal). */
export function stopRunning(): void {
  running?.stop();
}

/**
 * Runs autocannon; with `latencies`, every response time (ms) is pushed onto it, for percentiles
 * autocannon does not report (p95).
 */
export async function fire(options: autocannon.Options, latencies?: number[]): Promise<autocannon.Result> {
  const instance = autocannon(options);
  running = instance;
  if (latencies) {
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  }
  try {
    return await instance;
  } finally {
    running = undefined;
  }
}

/** The nearest-rank percentile of `values` (ms), rounded to 0.01; null when empty. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function runScenario(scenario: Scenario, ctx: Context, settings: RunSettings): Promise<ScenarioResult> {
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

  const connections = scenario.connections ?? settings.connections;
  base.connections = connections;
  try {
    if (settings.warmupS > 0) {
      await fire(autocannonOptions(target.baseUrl, spec, connections, settings.warmupS, `${scenario.name} (warm-up)`));
    }
    const scoped = target.resetPeak();
    const latencies: number[] = [];
    const cpuBefore = processCpuMs(target.pid);
    const result = await fire(
      autocannonOptions(target.baseUrl, spec, connections, settings.durationS, scenario.name),
      latencies,
    );
    const cpuMs = processCpuMs(target.pid) - cpuBefore;
    const responses = result.requests.total ?? result.latency.totalCount;
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
      totalRequests: responses,
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
        p95: percentile(latencies, 95),
        p99: result.latency.p99,
        max: result.latency.max,
      },
      throughputBytesPerSec: round(result.throughput.mean, 0),
      non2xx: result.non2xx,
      statusCodes,
      errors: result.errors,
      timeouts: result.timeouts,
      memory: { ...memory, peakScope: scoped ? 'scenario' : 'process' },
      serverCpuUsPerRequest: cpuMs > 0 && responses > 0 ? round((cpuMs * 1000) / responses, 0) : null,
    };
  } catch (error) {
    return { ...base, error: `autocannon failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Report

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function printTable(results: ScenarioResult[]): void {
  const header = [
    'scenario',
    'conns',
    'req/s (mean)',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'peak RSS MB',
    'CPU µs/req',
    'note',
  ];
  const ms = (value: number | null | undefined) =>
    formatNumber(value, value !== null && value !== undefined && !Number.isInteger(value) ? 1 : 0);
  const rows = results.map((r) => [
    r.name,
    formatNumber(r.connections),
    formatNumber(r.requestsPerSec?.mean),
    ms(r.latencyMs?.p50),
    ms(r.latencyMs?.p95),
    ms(r.latencyMs?.p99),
    formatNumber(r.non2xx),
    formatNumber(r.errors),
    formatNumber(r.memory?.peakRssMb, 1),
    formatNumber(r.serverCpuUsPerRequest),
    !r.ok ? `FAILED: ${r.error ?? ''}` : r.flagged ? `⚠ ${describeFlag(r)}` : '',
  ]);
  const numeric = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
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

export function describeFlag(r: ScenarioResult): string {
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

export function compare(results: ScenarioResult[], comparisons: Comparison[]): ComparisonResult[] {
  return comparisons.map((c) => {
    const scenario = results.find((r) => r.name === c.scenario && r.ok);
    const baseline = results.find((r) => r.name === c.baseline && r.ok);
    const numerator = scenario?.requestsPerSec?.mean;
    const denominator = baseline?.requestsPerSec?.mean;
    const ratio = numerator !== undefined && denominator ? numerator / denominator : null;
    const scenarioCpu = scenario?.serverCpuUsPerRequest;
    const baselineCpu = baseline?.serverCpuUsPerRequest;
    return {
      ...c,
      ratio: ratio === null ? null : round(ratio, 4),
      met: ratio === null ? null : ratio >= c.target,
      cpuRatio: scenarioCpu && baselineCpu ? round(baselineCpu / scenarioCpu, 4) : null,
    };
  });
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function machineInfo() {
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

/** One line per ratio and its target; `unit` names what the ratio is of (after the percentage). */
export function printComparisons(compared: ComparisonResult[], unit = ''): void {
  for (const c of compared) {
    const goal = `target ≥ ${Math.round(c.target * 100)} %`;
    console.log(
      c.ratio === null
        ? `${c.label}: n/a (needs both ${c.scenario} and ${c.baseline}), ${goal}`
        : `${c.label}: ${(c.ratio * 100).toFixed(1)} %${unit} (${goal}: ${c.met ? 'met' : 'missed'})` +
            (c.cpuRatio === null ? '' : `; in server CPU per request ${(c.cpuRatio * 100).toFixed(1)} %`),
    );
  }
}
