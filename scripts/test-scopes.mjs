// Which matrix combinations run which test file (CONTRIBUTING.md, "Tests", says why).
//
// - full: sqlite, postgres+redis, mysql+redis. Every dialect runs the suite once, the in-process
//   adapters (memory kv, in-process jobs) on SQLite and the Redis adapters on both server
//   databases. The default: a file listed nowhere below is `full`.
// - pair: all six combinations. Files whose subject is a kv/jobs/lease adapter meeting a database,
//   where the memory adapters on PostgreSQL/MariaDB or Redis on SQLite take a path of their own.
// - once: sqlite only. Files that read neither TEST_DB nor TEST_REDIS: pure units, the lint and
//   SQL snapshot checks, the adapter contract suites that build both kv/jobs adapters themselves,
//   and the newcomer journey, which always runs the embedded default.
import fs from 'node:fs';
import path from 'node:path';

export const combinations = ['sqlite', 'sqlite+redis', 'postgres', 'postgres+redis', 'mysql', 'mysql+redis'];

const runsOn = {
  full: ['sqlite', 'postgres+redis', 'mysql+redis'],
  pair: combinations,
  once: ['sqlite'],
};

/** Files that run on all six combinations, and why. */
export const pair = {
  // Counter deltas live in the kv store and are flushed by per-dialect SQL: memory deltas on
  // PostgreSQL/MariaDB and Redis deltas on SQLite are flush paths of their own.
  'test/modules/counters.test.ts': 'kv counter deltas flushed into each dialect',
  // What survives a SIGKILL depends on where unflushed deltas live (process memory or Redis).
  'test/http/counters-crash.test.ts': 'crash durability differs per kv adapter and database',
  // Without Redis the worker-id lease store is the database: its SQL runs only in the
  // combinations without Redis, so PostgreSQL and MariaDB need them.
  'test/cluster/worker-lease.test.ts': 'lease store is the database without Redis, Redis with it',
  'test/cluster/cluster-ids.test.ts': 'processes lease worker ids from the database or from Redis',
  // While the database is down, what still answers comes from the kv caches (memory or Redis).
  'test/outage/database-outage.test.ts': 'database outage served from either kv adapter',
  // Session and user-state caches sit in the kv store in front of the database; the race and
  // its settle bound differ between the memory and the Redis adapter.
  'test/http/sessions-race.test.ts': 'revocation cache on either kv adapter over each database',
  'test/http/bans.test.ts': 'ban propagation through either kv adapter over each database',
};

/** Files that run once, on sqlite, and why. */
export const once = {
  'test/unit/batch-writer.test.ts': 'pure unit',
  'test/unit/cluster-routing.test.ts': 'pure unit',
  'test/unit/config.test.ts': 'config parsing, no database',
  'test/unit/ids.test.ts': 'pure unit',
  'test/unit/html.test.ts': 'pure unit',
  'test/unit/sanitize.test.ts': 'pure unit',
  'test/unit/sensitive-words.test.ts': 'pure unit',
  'test/unit/oauth-live-provider.test.ts': 'pure unit',
  'test/payments/units.test.ts': 'pure unit',
  'test/search/analyzer.test.ts': 'pure unit',
  'test/platform/events.test.ts': 'in-process event bus, no database or kv',
  'test/platform/sms.test.ts': 'SMS vendors against local fakes, no database or kv',
  'test/platform/storage.test.ts': 'object storage adapters, no database or kv',
  'test/platform/sqlite-checkpointer.test.ts': 'its own SQLite file, whatever TEST_DB says',
  // The contract suites build the memory and the Redis adapter themselves (Redis at its default
  // address), whatever TEST_DB and TEST_REDIS say: one run proves both adapters.
  'test/platform/kv.test.ts': 'builds both kv adapters itself',
  'test/platform/cache.test.ts': 'builds both kv adapters itself',
  'test/platform/rate-limit.test.ts': 'builds both kv adapters itself',
  'test/platform/jobs.test.ts': 'builds both job queue adapters itself',
  'test/platform/scheduler.test.ts': 'builds both kv adapters itself',
  'test/lint/boundaries.test.ts': 'lint rules, no database',
  'test/lint/sql-snapshots.test.ts': 'snapshots are compiled without a database',
  'test/e2e/newcomer.test.ts': '`npm start` on the embedded default whatever TEST_DB says',
  // Rendering, scripts under the CSP and accessibility do not depend on the database; the same pages
  // run over HTTP on every dialect in test/web/reader-site.test.ts and test/web/crawl.test.ts.
  'test/web/browser.test.ts': 'the reader site in Chromium: what it checks is the same on every database',
  // Its actions run over HTTP on every dialect in test/web/web-session.test.ts and web-actions.test.ts.
  'test/web/browser-signed-in.test.ts': 'a signed-in reader in Chromium: scripts, forms and sockets, not SQL',
  'test/web/browser-console.test.ts': 'the console in Chromium: pages, scripts and journeys, not SQL',
};

export function scopeOf(file) {
  if (file in pair) return 'pair';
  if (file in once) return 'once';
  return 'full';
}

/** Every test file, as a path relative to the repository root with forward slashes. */
export function testFiles(root = process.cwd()) {
  return fs
    .readdirSync(path.join(root, 'test'), { recursive: true })
    .map((f) => `test/${String(f).split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

/** The files a combination runs. Throws when a classified file no longer exists. */
export function filesFor(combination, root = process.cwd()) {
  const files = testFiles(root);
  for (const listed of [...Object.keys(pair), ...Object.keys(once)]) {
    if (!files.includes(listed)) throw new Error(`scripts/test-scopes.mjs lists ${listed}, which does not exist`);
  }
  return files.filter((f) => runsOn[scopeOf(f)].includes(combination));
}
