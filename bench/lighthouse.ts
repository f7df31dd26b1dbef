/**
 * `npm run bench:lighthouse [-- --runs N] [--html]`: Lighthouse on the reader site, "run Lighthouse on
 * home and an article and report its four scores; aim for ≥ 95 each".
 *
 * - The real server (built, `node dist/main.js serve`, as a child process with a fresh temporary
 *   DATA_DIR, so the demo data is seeded), the same way as `npm run bench` (server-process.ts).
 *   BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_NODE_ENV apply as there.
 * - Pages: `/` and one article, the first `/articles/<id>` link of the home page (or, without one,
 *   the first unpinned article of GET /app/v1_0/articles channel 0). Each is fetched a few times
 *   first, so Lighthouse measures a warm server.
 * - Lighthouse (the `lighthouse` package, programmatic) drives Debian's Chromium
 *   (/usr/bin/chromium, or CHROME_PATH; no browser is downloaded) through chrome-launcher, headless,
 *   one fresh browser and profile per run: each page with the default config (mobile: Moto G
 *   Power emulation, simulated slow 4G and a 4× CPU slowdown) and the desktop preset.
 * - `--runs N` (default 1) runs each pair N times and reports the median run by performance score
 *   (Lighthouse's own advice for a noisy metric); every run is kept in the JSON.
 * - `--html` also writes each reported run's HTML report next to the JSON.
 *
 * Prints a table (scores, FCP/LCP/TBT/CLS, transfer bytes) and, for every score below 95, the
 * audits that cost it, with the elements or resources they name; writes
 * bench/results/lighthouse-<ISO>.json. Targets are reported, never asserted: the exit code is
 * non-zero only when something crashed (the server, the browser, a Lighthouse run).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { desktopConfig, type Config, type Flags, type Result } from 'lighthouse';
import { machineInfo } from './harness.js';
import { ROOT, serverSummary, startInkstone, type InkstoneServer } from './server-process.js';

const USAGE = `Usage: npm run bench:lighthouse [-- [--runs N] [--html]]

  --runs N   runs per page and form factor, the median by performance score is reported (default 1)
  --html     also write the reported runs' HTML reports to bench/results/

Environment: CHROME_PATH (default /usr/bin/chromium), BENCH_DATABASE_URL, BENCH_REDIS_URL,
BENCH_NODE_ENV (see bench/server-process.ts).`;

const CHROME_PATH = process.env.CHROME_PATH?.trim() || '/usr/bin/chromium';
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
type CategoryId = (typeof CATEGORIES)[number];
const TARGET = 95;
/** Lighthouse's own line between a passed and a failed audit (for diagnostics, which weigh 0). */
const AUDIT_PASS = 0.9;
const ITEMS_PER_AUDIT = 8;

class UsageError extends Error {}

interface Settings {
  runs: number;
  html: boolean;
}

function readSettings(argv: string[]): Settings {
  const settings: Settings = { runs: 1, html: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--html') settings.html = true;
    else if (arg === '--runs') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new UsageError(`--runs takes a whole number ≥ 1\n\n${USAGE}`);
      settings.runs = value;
    } else throw new UsageError(`unknown argument ${arg}\n\n${USAGE}`);
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// Pages

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** The home page's first article link, else the first unpinned article of the app's channel 0 feed. */
async function articlePath(baseUrl: string, homeHtml: string): Promise<string> {
  const link = /href="(\/articles\/\d+)"/.exec(homeHtml)?.[1];
  if (link) return link;
  const feed = JSON.parse(
    await fetchText(`${baseUrl}/app/v1_0/articles?channel_id=0&timestamp=${Date.now()}&with_top=1`),
  ) as { data?: { results?: { art_id: string | number; is_top?: number }[] } };
  const results = feed.data?.results ?? [];
  const card = results.find((r) => !r.is_top) ?? results[0];
  if (!card) throw new Error('no article: the home page links none and the channel 0 feed is empty (demo data?)');
  return `/articles/${card.art_id}`;
}

/** A few plain GETs of the page and the same-origin assets it names, so the server is warm. */
async function warmUp(baseUrl: string, pagePath: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const html = await fetchText(baseUrl + pagePath);
    const assets = [...html.matchAll(/(?:href|src)="(\/[^"/][^"]*\.(?:css|js|svg|png|webp|jpe?g|ico))"/g)];
    for (const [, asset] of assets) await fetch(baseUrl + asset).then((r) => r.arrayBuffer());
  }
}

// ---------------------------------------------------------------------------------------------
// Lighthouse

type FormFactor = 'mobile' | 'desktop';

/** An item of an audit's details, cut down to what explains the failure. */
type ItemSummary = Record<string, string | number | boolean>;

interface FailingAudit {
  id: string;
  title: string;
  /** The audit's weight in its category (0: a diagnostic that does not move the score). */
  weight: number;
  score: number | null;
  scoreDisplayMode: string;
  displayValue?: string;
  explanation?: string;
  errorMessage?: string;
  warnings?: string[];
  /** How many items the details list, of which `items` shows the first few. */
  itemCount: number;
  items: ItemSummary[];
}

interface RunResult {
  page: string;
  url: string;
  formFactor: FormFactor;
  run: number;
  ok: boolean;
  error?: string;
  scores?: Record<CategoryId, number | null>;
  metrics?: {
    fcpMs: number | null;
    lcpMs: number | null;
    tbtMs: number | null;
    cls: number | null;
    speedIndexMs: number | null;
    transferBytes: number | null;
    requests: number | null;
  };
  /** Per category, the weighted audits scored below 1, then the diagnostics below 0.9. */
  failingAudits?: Record<CategoryId, FailingAudit[]>;
  runWarnings?: string[];
  lighthouseVersion?: string;
  userAgent?: string;
  benchmarkIndex?: number;
  htmlReport?: string;
}

function numeric(lhr: Result, id: string): number | null {
  const value = lhr.audits[id]?.numericValue;
  return typeof value === 'number' ? value : null;
}

/** A details value (node, source location, url, text, number…) as one short string or number. */
function summarizeValue(value: unknown): string | number | boolean | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(value * 10) / 10;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'node':
      return [v.selector, v.snippet].filter(Boolean).join(' ');
    case 'source-location':
      return `${String(v.url)}:${Number(v.line) + 1}:${Number(v.column) + 1}`;
    case 'url':
    case 'text':
    case 'code':
    case 'numeric':
    case 'ms':
    case 'bytes':
      return summarizeValue(v.value);
    default:
      return undefined;
  }
}

function summarizeItem(item: Record<string, unknown>): ItemSummary {
  const summary: ItemSummary = {};
  for (const [key, value] of Object.entries(item)) {
    if (key === 'subItems' || key === 'debugData') continue;
    if (key === 'node' && value && typeof value === 'object') {
      const node = value as Record<string, unknown>;
      for (const field of ['selector', 'nodeLabel', 'snippet', 'explanation'] as const) {
        const text = node[field];
        if (typeof text === 'string' && text && !(field === 'nodeLabel' && text === node.selector))
          summary[field] = text;
      }
      continue;
    }
    const short = summarizeValue(value);
    if (short !== undefined && short !== '') summary[key] = short;
  }
  const sub = item.subItems as { items?: Record<string, unknown>[] } | undefined;
  if (sub?.items?.length) {
    summary.subItems = sub.items
      .slice(0, 3)
      .map((subItem) => Object.values(summarizeItem(subItem)).join(' '))
      .join(' / ');
  }
  return summary;
}

/** The items of an audit's details; a list (insights) holds tables of its own. */
function detailItems(details: unknown): Record<string, unknown>[] {
  if (!details || typeof details !== 'object') return [];
  const d = details as { type?: string; items?: unknown[] };
  if (!Array.isArray(d.items)) return [];
  if (d.type === 'list') return d.items.flatMap((item) => detailItems(item));
  return d.items.filter((item): item is Record<string, unknown> => !!item && typeof item === 'object');
}

function failingAudits(lhr: Result, category: CategoryId): FailingAudit[] {
  const refs = lhr.categories[category]?.auditRefs ?? [];
  const failing: FailingAudit[] = [];
  for (const ref of refs) {
    const audit = lhr.audits[ref.id];
    if (!audit) continue;
    // A weighted audit (a metric, an accessibility or SEO check…) costs points below 1; a diagnostic
    // or insight weighs 0 and is listed as a hint when Lighthouse would flag it.
    const failed =
      audit.scoreDisplayMode === 'error' ||
      (['binary', 'numeric', 'metricSavings'].includes(audit.scoreDisplayMode) &&
        audit.score !== null &&
        audit.score < (ref.weight > 0 ? 1 : AUDIT_PASS));
    if (!failed) continue;
    const items = detailItems(audit.details);
    failing.push({
      id: audit.id,
      title: audit.title,
      weight: ref.weight,
      score: audit.score,
      scoreDisplayMode: audit.scoreDisplayMode,
      ...(audit.displayValue ? { displayValue: audit.displayValue } : {}),
      ...(audit.explanation ? { explanation: audit.explanation } : {}),
      ...(audit.errorMessage ? { errorMessage: audit.errorMessage } : {}),
      ...(audit.warnings?.length ? { warnings: audit.warnings.map(String) } : {}),
      itemCount: items.length,
      items: items.slice(0, ITEMS_PER_AUDIT).map(summarizeItem),
    });
  }
  return failing.sort((a, b) => b.weight - a.weight || (a.score ?? 0) - (b.score ?? 0));
}

let chrome: chromeLauncher.LaunchedChrome | undefined;

async function runLighthouse(
  url: string,
  page: string,
  formFactor: FormFactor,
  run: number,
  html: boolean,
): Promise<RunResult & { report?: string }> {
  const base = { page, url, formFactor, run };
  chrome = await chromeLauncher.launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS, logLevel: 'error' });
  try {
    const flags: Flags = {
      port: chrome.port,
      logLevel: 'error',
      output: html ? 'html' : 'json',
      onlyCategories: [...CATEGORIES],
    };
    const config: Config | undefined = formFactor === 'desktop' ? desktopConfig : undefined;
    const result = await lighthouse(url, flags, config);
    if (!result) throw new Error('Lighthouse returned no result');
    const { lhr } = result;
    if (lhr.runtimeError) throw new Error(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
    const scores = {} as Record<CategoryId, number | null>;
    const failing = {} as Record<CategoryId, FailingAudit[]>;
    for (const category of CATEGORIES) {
      const score = lhr.categories[category]?.score;
      scores[category] = typeof score === 'number' ? Math.round(score * 100) : null;
      failing[category] = failingAudits(lhr, category);
    }
    const requests = lhr.audits['network-requests']?.details;
    return {
      ...base,
      ok: true,
      scores,
      metrics: {
        fcpMs: numeric(lhr, 'first-contentful-paint'),
        lcpMs: numeric(lhr, 'largest-contentful-paint'),
        tbtMs: numeric(lhr, 'total-blocking-time'),
        cls: numeric(lhr, 'cumulative-layout-shift'),
        speedIndexMs: numeric(lhr, 'speed-index'),
        transferBytes: numeric(lhr, 'total-byte-weight'),
        requests: requests && 'items' in requests ? requests.items.length : null,
      },
      failingAudits: failing,
      runWarnings: lhr.runWarnings.map(String),
      lighthouseVersion: lhr.lighthouseVersion,
      userAgent: lhr.environment.hostUserAgent,
      benchmarkIndex: lhr.environment.benchmarkIndex,
      ...(html && typeof result.report === 'string' ? { report: result.report } : {}),
    };
  } catch (error) {
    return { ...base, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    const launched = chrome;
    chrome = undefined;
    launched.kill();
  }
}

/** The median run by performance score (the lower middle one for an even count). */
function medianRun<T extends RunResult>(runs: T[]): T | undefined {
  const ok = runs.filter((r) => r.ok).sort((a, b) => (a.scores?.performance ?? 0) - (b.scores?.performance ?? 0));
  return ok[Math.floor((ok.length - 1) / 2)] ?? runs[0];
}

// ---------------------------------------------------------------------------------------------
// Output

function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(results: RunResult[]): void {
  const header = ['page', 'form factor', 'perf', 'a11y', 'best pr.', 'seo', 'FCP ms', 'LCP ms', 'TBT ms', 'CLS', 'KB'];
  const rows = results.map((r) =>
    r.ok
      ? [
          r.page,
          r.formFactor,
          ...CATEGORIES.map((c) => {
            const score = r.scores?.[c];
            return score === null || score === undefined ? '—' : `${score}${score < TARGET ? ' ✗' : ''}`;
          }),
          fmt(r.metrics?.fcpMs),
          fmt(r.metrics?.lcpMs),
          fmt(r.metrics?.tbtMs),
          fmt(r.metrics?.cls, 3),
          fmt(r.metrics?.transferBytes == null ? null : r.metrics.transferBytes / 1024, 1),
        ]
      : [r.page, r.formFactor, `FAILED: ${r.error}`],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row.length > 3 ? row[i]!.length : 0))));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(row.length > 3 ? line(row) : `${line(row.slice(0, 2))}  ${row[2]}`);
}

function printFailing(results: RunResult[]): void {
  for (const r of results) {
    if (!r.ok || !r.scores || !r.failingAudits) continue;
    for (const category of CATEGORIES) {
      const score = r.scores[category];
      if (score === null || score >= TARGET) continue;
      console.log(`\n${r.page} (${r.formFactor}) ${category} ${score}: what costs it`);
      for (const audit of r.failingAudits[category]) {
        const score = audit.score === null ? 'error' : audit.score.toFixed(2);
        const extra = [audit.displayValue, audit.explanation, audit.errorMessage].filter(Boolean).join('; ');
        const kind = audit.weight > 0 ? `weight ${audit.weight}` : 'diagnostic, weight 0';
        console.log(`  - ${audit.id} (score ${score}, ${kind}): ${audit.title}${extra ? ` — ${extra}` : ''}`);
        for (const item of audit.items) {
          const text = Object.entries(item)
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value.replace(/\s+/g, ' ') : value}`)
            .join(' | ');
          console.log(`      · ${text.length > 400 ? `${text.slice(0, 400)}…` : text}`);
        }
        if (audit.itemCount > audit.items.length) console.log(`      · … ${audit.itemCount - audit.items.length} more`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Main

let server: InkstoneServer | undefined;

async function stopAll(): Promise<void> {
  chrome?.kill();
  chrome = undefined;
  await server?.stop();
}

async function main(): Promise<number> {
  const settings = readSettings(process.argv.slice(2));
  if (!fs.existsSync(CHROME_PATH)) throw new Error(`no browser at ${CHROME_PATH} (apt-get install chromium)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping`);
      void stopAll().finally(() => process.exit(130));
    });
  }

  const startedAt = new Date();
  console.log('Building and starting the server…');
  server = await startInkstone();
  console.log(
    `Server ready in ${(server.startupMs / 1000).toFixed(1)} s at ${server.baseUrl} ` +
      `(pid ${server.pid}, ${server.database}, redis ${server.redis ? 'on' : 'off'}, NODE_ENV=${server.nodeEnv})`,
  );

  const results: (RunResult & { report?: string })[] = [];
  const allRuns: RunResult[] = [];
  let pages: { name: string; path: string }[] = [];
  try {
    const homeHtml = await fetchText(`${server.baseUrl}/`);
    pages = [
      { name: 'home', path: '/' },
      { name: 'article', path: await articlePath(server.baseUrl, homeHtml) },
    ];
    for (const page of pages) await warmUp(server.baseUrl, page.path);

    for (const page of pages) {
      for (const formFactor of ['mobile', 'desktop'] as const) {
        const runs: (RunResult & { report?: string })[] = [];
        for (let run = 1; run <= settings.runs; run++) {
          process.stdout.write(`  ${page.name} ${page.path} ${formFactor}${settings.runs > 1 ? ` #${run}` : ''}… `);
          const result = await runLighthouse(server.baseUrl + page.path, page.name, formFactor, run, settings.html);
          console.log(
            result.ok
              ? CATEGORIES.map((c) => `${c} ${result.scores?.[c] ?? '—'}`).join(', ')
              : `FAILED: ${result.error}`,
          );
          runs.push(result);
          if (!server.alive()) throw new Error(`the Inkstone server ${server.exitReason()}`);
        }
        allRuns.push(...runs.map(({ report: _report, ...rest }) => rest));
        const reported = medianRun(runs);
        if (reported) results.push(reported);
      }
    }
  } finally {
    await stopAll();
  }

  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, '-');
  for (const result of results) {
    if (!result.report) continue;
    const file = path.join(dir, `lighthouse-${stamp}-${result.page}-${result.formFactor}.html`);
    fs.writeFileSync(file, result.report);
    result.htmlReport = path.relative(ROOT, file);
    delete result.report;
  }

  console.log('');
  printTable(results);
  printFailing(results);

  const first = results.find((r) => r.ok);
  const report = {
    timestamp: startedAt.toISOString(),
    target: `each score ≥ ${TARGET}`,
    settings: { runs: settings.runs, chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS, categories: CATEGORIES },
    machine: machineInfo(),
    lighthouse: {
      version: first?.lighthouseVersion ?? null,
      userAgent: first?.userAgent ?? null,
      benchmarkIndex: first?.benchmarkIndex ?? null,
    },
    server: serverSummary(server),
    pages,
    results,
    ...(settings.runs > 1 ? { allRuns } : {}),
  };
  const file = path.join(dir, `lighthouse-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults: ${path.relative(process.cwd(), file)}`);

  const failed = allRuns.filter((r) => !r.ok).length;
  if (failed) {
    console.error(`${failed} Lighthouse run(s) failed.`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`bench:lighthouse: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.exit(1);
  },
);
