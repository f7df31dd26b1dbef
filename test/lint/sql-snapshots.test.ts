/**
 * The SQL snapshots under sql/ must match the code, and the check must really fail when they do
 * not: a check that never fires looks the same in CI as a tree that is up to date. The snapshots
 * are compiled without a database, so this is a `once` suite (scripts/test-scopes.mjs): sqlite only.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareSnapshots,
  generateSnapshots,
  SnapshotError,
  target,
  uncoveredRepositories,
  type AnyTarget,
} from '../../scripts/sql-snapshots-lib.js';
import { targets } from '../../scripts/sql-snapshots-registry.js';
import { testDb, testRedis } from '../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-sql-snapshots-'));

function cli(...args: string[]) {
  const run = spawnSync(tsx, ['scripts/sql-snapshots.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

function registryEntry(name: string): AnyTarget {
  const found = targets.find((t) => t.name === name);
  if (!found) throw new Error(`no registry entry ${name}`);
  return found;
}

describe.skipIf(testDb !== 'sqlite' || testRedis)('SQL snapshots', () => {
  afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('sql/ matches what the code compiles to', () => {
    const { status, out } = cli('--check');
    expect(out).toContain('SQL snapshots up to date');
    expect(status).toBe(0);
  }, 120_000);

  it('fails the check, naming the file and showing the diff, when a snapshot drifted', () => {
    const dir = path.join(temp, 'edited');
    expect(cli('--out', dir).status).toBe(0);
    const edited = path.join(dir, 'postgres/feed.feed.sql');
    const text = fs.readFileSync(edited, 'utf8');
    expect(text).toContain('"published_at" desc');
    fs.writeFileSync(edited, text.replace('"published_at" desc', '"published_at" asc'));
    fs.rmSync(path.join(dir, 'mysql/users.user.sql'));

    const { status, out } = cli('--check', '--out', dir);
    expect(status).toBe(1);
    expect(out).toContain('postgres/feed.feed.sql differs from what the code compiles to');
    expect(out).toContain('-   "published_at" asc,');
    expect(out).toContain('+   "published_at" desc,');
    expect(out).toContain('mysql/users.user.sql is missing');
    expect(out).not.toContain('sqlite/feed.feed.sql');
  }, 120_000);

  it('turns a changed query into drift of every dialect it compiles for', async () => {
    const planted = (columns: ('id' | 'name')[]) =>
      target({
        name: 'planted.users',
        source: 'src/modules/users/user.repository.ts',
        create: (db) => ({ names: () => db.selectFrom('users').select(columns).execute() }),
        methods: { names: [{ run: (r) => r.names() }] },
      });
    const dir = path.join(temp, 'changed');
    const before = await generateSnapshots([planted(['id'])], root);
    for (const [file, text] of before) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    expect(compareSnapshots(before, dir)).toEqual([]);

    const drifts = compareSnapshots(await generateSnapshots([planted(['id', 'name'])], root), dir);
    expect(drifts.map((d) => d.file)).toEqual([
      'mysql/planted.users.sql',
      'postgres/planted.users.sql',
      'sqlite/planted.users.sql',
    ]);
    expect(drifts[0]!.diff).toContain('+   `name`');
    expect(drifts[1]!.diff).toContain('+   "name"');
  });

  it('refuses a repository method the registry does not cover', async () => {
    const comments = registryEntry('comments.comment');
    const withNewQuery: AnyTarget = {
      ...comments,
      create: (db) => ({
        ...comments.create(db),
        plantedQuery: () => db.selectFrom('comments').select('id').execute(),
      }),
    };
    const { unlike: _left, ...withoutUnlike } = comments.methods;
    const withMissingCase: AnyTarget = { ...comments, name: 'comments.comment-missing', methods: withoutUnlike };

    const error: unknown = await generateSnapshots([withNewQuery, withMissingCase], root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    const problems = (error as SnapshotError).problems;
    expect(problems).toContainEqual(expect.stringContaining('comments.comment.plantedQuery'));
    expect(problems).toContainEqual(expect.stringContaining('comments.comment-missing.unlike'));
  });

  it('refuses a repository file that has no registry entry', () => {
    const withoutFeed = targets.filter((t) => t.source !== 'src/modules/feed/feed.repository.ts');
    expect(uncoveredRepositories(targets, root)).toEqual([]);
    expect(uncoveredRepositories(withoutFeed, root)).toEqual([
      expect.stringContaining('src/modules/feed/feed.repository.ts has no entry'),
    ]);
  });

  it('refuses a case whose scripted answers no longer fit the code', async () => {
    const sessions = registryEntry('auth.session');
    const stale: AnyTarget = {
      ...sessions,
      methods: { ...sessions.methods, touch: [{ run: (r) => r.touch(1n, 1_000), answers: [{}, {}] }] },
    };
    const error: unknown = await generateSnapshots([stale], root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).problems).toContainEqual(
      expect.stringMatching(/auth\.session\.touch on \w+ left 1 scripted answer\(s\) unused/),
    );
  });
});
