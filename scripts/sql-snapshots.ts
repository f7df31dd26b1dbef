/**
 * SQL snapshots: every query of the app, compiled for SQLite, PostgreSQL and MySQL and checked in
 * under sql/<dialect>/, so a change to a query shows in review as a change of SQL.
 *
 *   npm run sql:snapshots   rewrite sql/ from the code
 *   npm run sql:check       exit 1, with a diff, when sql/ differs from what the code compiles to
 *
 * No database is needed: see scripts/sql-snapshots-lib.ts for how statements are captured and
 * scripts/sql-snapshots-registry.ts for the sample calls.
 */
import path from 'node:path';
import {
  compareSnapshots,
  describeDrift,
  generateSnapshots,
  SnapshotError,
  uncoveredRepositories,
  writeSnapshots,
} from './sql-snapshots-lib.js';
import { targets } from './sql-snapshots-registry.js';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
const dir = out ? path.resolve(out) : path.join(root, 'sql');

async function main(): Promise<number> {
  const problems = uncoveredRepositories(targets, root);
  let files = new Map<string, string>();
  try {
    files = await generateSnapshots(targets, root);
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) {
    console.error(new SnapshotError(problems).message);
    return 1;
  }
  if (check) {
    const drifts = compareSnapshots(files, dir);
    if (drifts.length > 0) {
      console.error(describeDrift(drifts, path.relative(root, dir) || '.'));
      return 1;
    }
    console.log(`SQL snapshots up to date: ${files.size} files in ${path.relative(root, dir)}/`);
    return 0;
  }
  writeSnapshots(files, dir);
  console.log(`Wrote ${files.size} SQL snapshot files to ${path.relative(root, dir)}/`);
  return 0;
}

process.exitCode = await main();
