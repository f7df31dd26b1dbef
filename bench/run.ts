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
import fs from 'node:fs';
import path from 'node:path';
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
import { comparisons, scenarios } from './scenarios.js';
import { ROOT, serverSummary, startInkstone, type BenchProcess } from './server-process.js';

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
// Main

const owned: BenchProcess[] = [];

async function stopAll(): Promise<void> {
  await Promise.allSettled(owned.map((p) => p.stop()));
}

function onSignal(signal: NodeJS.Signals): void {
  console.error(`\n${signal}: stopping`);
  stopRunning();
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

  const compared = compare(results, comparisons);
  console.log('');
  printTable(results);
  console.log('');
  printComparisons(compared, " of the bare server's req/s");
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
      ...serverSummary(inkstone),
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
