#!/usr/bin/env node
// `npm test`: the suites on every database (SQLite, PostgreSQL, MariaDB/MySQL), each with the
// in-process adapters and with Redis. Which file runs in which combination comes from
// scripts/test-scopes.mjs (full, pair, once; CONTRIBUTING.md says why). A combination whose
// service is down is skipped with a note on a laptop and fails under CI=true. Extra arguments go
// to vitest; a file filter among them narrows each combination's files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { filesFor } from './test-scopes.mjs';

const urls = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const only = process.env.TEST_MATRIX?.split(',').map((s) => s.trim()); // e.g. TEST_MATRIX=sqlite,postgres+redis
const combos = [
  ['sqlite', false],
  ['sqlite', true],
  ['postgres', false],
  ['postgres', true],
  ['mysql', false],
  ['mysql', true],
].filter(([db, redis]) => !only || only.includes(redis ? `${db}+redis` : db));

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const ci = process.env.CI === 'true';
const resultsDir = path.resolve('.test-results');
fs.rmSync(resultsDir, { recursive: true, force: true });
fs.mkdirSync(resultsDir, { recursive: true });
const extra = process.argv.slice(2);
// Options of vitest that take a value as the next argument: that value is not a file filter.
const takesValue = new Set([
  '-t',
  '--testNamePattern',
  '--reporter',
  '--outputFile',
  '--project',
  '--shard',
  '--bail',
  '--retry',
  '--exclude',
  '-c',
  '--config',
  '-r',
  '--root',
  '--dir',
  '--pool',
  '--maxWorkers',
  '--seed',
]);
const filters = [];
const options = [];
for (let i = 0; i < extra.length; i++) {
  const arg = extra[i];
  if (arg.startsWith('-')) {
    options.push(arg);
    if (takesValue.has(arg) && i + 1 < extra.length) options.push(extra[++i]);
  } else filters.push(arg.split(path.sep).join('/'));
}
const rows = [];
let failedRun = false;
const failures = [];

// CI keeps only the tail of the output, so the summary repeats what failed and why.
function failuresIn(report, combo) {
  const found = [];
  for (const file of report.testResults ?? []) {
    const where = path.relative(process.cwd(), file.name);
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'failed')
        found.push({ combo, where: `${where} > ${test.fullName}`, why: (test.failureMessages ?? []).join('\n') });
    }
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
      found.push({ combo, where, why: file.message ?? 'suite failed' });
    }
  }
  return found;
}

for (const [db, redis] of combos) {
  const name = redis ? `${db}+redis` : db;
  const needed = [db !== 'sqlite' ? db : null, redis ? 'redis' : null].filter(Boolean);
  const down = [];
  for (const service of needed) if (!(await reachable(urls[service]))) down.push(service);
  if (down.length) {
    const note = `${down.join(', ')} not reachable`;
    if (ci) {
      console.error(`\n[matrix] ${name}: ${note} and CI=true — failing`);
      rows.push({ name, status: 'FAILED (service down)', passed: 0, failed: 1, skipped: 0, seconds: 0 });
      failedRun = true;
    } else {
      console.warn(`\n[matrix] ${name}: skipped (${note})`);
      rows.push({ name, status: `skipped: ${note}`, passed: 0, failed: 0, skipped: 0, seconds: 0 });
    }
    continue;
  }
  // vitest ORs its file filters, so a filter given to `npm test` is applied here instead.
  const files = filesFor(name).filter((f) => !filters.length || filters.some((filter) => f.includes(filter)));
  if (!files.length) {
    console.log(`\n[matrix] ${name}: no file in scope`);
    rows.push({ name, status: 'no file in scope', passed: 0, failed: 0, skipped: 0, seconds: 0 });
    continue;
  }
  const output = path.join(resultsDir, `${name}.json`);
  console.log(`\n[matrix] ${name}: ${files.length} files`);
  const started = Date.now();
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${output}`, ...options, ...files],
    { stdio: 'inherit', env: { ...process.env, TEST_DB: db, TEST_REDIS: redis ? '1' : '0' } },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  let passed = 0,
    failed,
    skipped = 0;
  try {
    const report = JSON.parse(fs.readFileSync(output, 'utf8'));
    passed = report.numPassedTests;
    failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
    skipped = report.numPendingTests + report.numTodoTests;
    failures.push(...failuresIn(report, name));
  } catch {
    failed = 1;
  }
  if (run.status !== 0) {
    failedRun = true;
    if (failed === 0) failed = 1;
  }
  rows.push({ name, status: run.status === 0 ? 'ok' : 'FAILED', passed, failed, skipped, seconds });
}

for (const failure of failures) {
  console.log(
    `\n[matrix] FAILED in ${failure.combo}: ${failure.where}\n${failure.why.split('\n').slice(0, 12).join('\n')}`,
  );
}
console.log('\n[matrix] summary');
console.table(rows);
const total = rows.reduce(
  (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
console.log(`time: ${rows.reduce((t, r) => t + r.seconds, 0)} s in vitest`);
process.exit(failedRun ? 1 : 0);
