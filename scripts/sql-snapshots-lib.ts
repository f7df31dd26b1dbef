/**
 * The machinery behind `npm run sql:snapshots` / `sql:check`: a Kysely per dialect whose driver
 * records every statement instead of running it, the rendering of one snapshot file per query
 * module and dialect, and the comparison with the checked-in files under sql/.
 *
 * The Kysely is built from the dialect's own adapter, introspector and query compiler with the
 * app's plugins (`kyselyPlugins`), so `dialectOf(db)` and the helpers that branch on it
 * (`onConflictIgnore`, `onConflictUpdate`, the search engines) take the same path as in production.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type QueryResult,
} from 'kysely';
import { format, type SqlLanguage } from 'sql-formatter';
import type { Db } from '../src/platform/db/database.js';
import { kyselyPlugins, type DialectName } from '../src/platform/db/dialect.js';
import type { Database } from '../src/platform/db/schema.js';

export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres', 'mysql'];

/** What the recording database answers to one statement. */
export interface Answer {
  rows?: Record<string, unknown>[];
  /** Rows an INSERT, UPDATE or DELETE reports as affected (default 0). */
  affected?: bigint;
}

/**
 * The answers of one case: by position (the nth statement gets the nth answer; statements past
 * the list get no rows) or computed from the SQL text. Every positional answer must be consumed.
 */
export type Answers = Answer[] | ((sql: string, index: number) => Answer | undefined);

/** One way of calling a method; several cases show the SQL shapes a method can emit. */
export interface Case<T> {
  /** Printed after the method name; needed when a method has more than one case. */
  label?: string;
  run(target: T, db: Db): unknown;
  answers?: Answers;
}

/** A method that issues no query of its own (it only returns a rebound copy, or uses the kv store). */
export interface NoQuery {
  noQuery: string;
}

type MethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

export interface Target<T> {
  /** The output file stem: sql/<dialect>/<name>.sql. */
  name: string;
  /** The file that holds the queries (checked to exist, printed in the header). */
  source: string;
  create(db: Db): T;
  /** Every method of the created object; the generator fails on one left out. */
  methods: { [K in MethodName<T>]: Case<T>[] | NoQuery };
}

export interface AnyTarget {
  name: string;
  source: string;
  create(db: Db): object;
  methods: Record<string, Case<any>[] | NoQuery>;
}

/** Keeps the method names and case arguments type-checked against the factory, then erases T. */
export function target<T extends object>(definition: Target<T>): AnyTarget {
  return definition as unknown as AnyTarget;
}

type Event = { kind: 'query'; sql: string; parameters: number } | { kind: 'begin' | 'commit' | 'rollback' };

class Recorder {
  readonly events: Event[] = [];
  private statements = 0;
  private consumed = 0;

  constructor(private readonly answers: Answers = []) {}

  execute(query: CompiledQuery): QueryResult<unknown> {
    const index = this.statements++;
    this.events.push({ kind: 'query', sql: query.sql, parameters: query.parameters.length });
    let answer: Answer | undefined;
    if (typeof this.answers === 'function') answer = this.answers(query.sql, index);
    else if (index < this.answers.length) {
      answer = this.answers[index];
      this.consumed++;
    }
    // Fresh row objects: the app's result plugin rewrites rows in place.
    return { rows: (answer?.rows ?? []).map((row) => ({ ...row })), numAffectedRows: answer?.affected ?? 0n };
  }

  mark(kind: 'begin' | 'commit' | 'rollback'): void {
    this.events.push({ kind });
  }

  get queryCount(): number {
    return this.statements;
  }

  /** Positional answers the case scripted but no statement asked for: the script no longer fits the code. */
  get unusedAnswers(): number {
    return Array.isArray(this.answers) ? this.answers.length - this.consumed : 0;
  }
}

class RecordingConnection implements DatabaseConnection {
  constructor(private readonly recorder: Recorder) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.recorder.execute(query) as QueryResult<R>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamed queries are not snapshotted');
  }
}

/** Kysely's DummyDriver, except that statements and transaction boundaries are recorded. */
class RecordingDriver extends DummyDriver {
  constructor(private readonly recorder: Recorder) {
    super();
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return new RecordingConnection(this.recorder);
  }

  override async beginTransaction(): Promise<void> {
    this.recorder.mark('begin');
  }

  override async commitTransaction(): Promise<void> {
    this.recorder.mark('commit');
  }

  override async rollbackTransaction(): Promise<void> {
    this.recorder.mark('rollback');
  }
}

const FORMATTER_LANGUAGE: Record<DialectName, SqlLanguage> = {
  sqlite: 'sqlite',
  postgres: 'postgresql',
  mysql: 'mysql',
};

/** The classes each dialect's own Kysely Dialect would create: what compiles its SQL. */
const DIALECT_CLASSES = {
  sqlite: [SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler],
  postgres: [PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler],
  mysql: [MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler],
} as const;

function dialectParts(name: DialectName, recorder: Recorder): Dialect {
  const [Adapter, Introspector, Compiler] = DIALECT_CLASSES[name];
  return {
    createAdapter: () => new Adapter(),
    createDriver: () => new RecordingDriver(recorder),
    createIntrospector: (db) => new Introspector(db),
    createQueryCompiler: () => new Compiler(),
  };
}

function recordingDb(dialect: DialectName, recorder: Recorder): Db {
  return new Kysely<Database>({ dialect: dialectParts(dialect, recorder), plugins: kyselyPlugins() });
}

/**
 * The methods a query module exposes: the function properties of a factory's plain object, or
 * the prototype methods of a class instance (its own fields, such as an injected clock, are state).
 */
export function methodNames(object: object): string[] {
  const plain = [Object.prototype, null].includes(Object.getPrototypeOf(object) as object | null);
  const names: string[] = [];
  let o: object | null = plain ? object : (Object.getPrototypeOf(object) as object);
  for (; o && o !== Object.prototype; o = plain ? null : (Object.getPrototypeOf(o) as object | null)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || names.includes(key)) continue;
      if (typeof (object as Record<string, unknown>)[key] === 'function') names.push(key);
    }
  }
  return names;
}

function pretty(sqlText: string, dialect: DialectName): string {
  try {
    return format(sqlText, {
      language: FORMATTER_LANGUAGE[dialect],
      keywordCase: 'preserve',
      tabWidth: 2,
      expressionWidth: 100,
    });
  } catch {
    // The statement as compiled is still worth reviewing; the formatter just could not parse it.
    return `-- (not reformatted: the formatter could not parse this statement)\n${sqlText.trim()}`;
  }
}

function header(target: AnyTarget, dialect: DialectName): string {
  return [
    `-- SQL snapshot: ${target.name} on ${dialect}. Generated by \`npm run sql:snapshots\`; do not edit.`,
    `-- Source: ${target.source}; sample calls: scripts/sql-snapshots-registry.ts.`,
    '--',
    "-- Each block is one method call compiled by Kysely for this dialect, through the app's plugins",
    '-- and dialect helpers, without a database: statements answer no rows and affect none unless the',
    '-- registry scripts an answer for the case, so a method that branches on what it reads shows only',
    '-- the path its case takes. Parameters are bound, never inlined; only their count is shown.',
    "-- Layout (line breaks, indentation) is sql-formatter's; the words are the compiled statement's.",
    '',
  ].join('\n');
}

function renderEvents(events: Event[], dialect: DialectName): string[] {
  const queries = events.filter((e) => e.kind === 'query').length;
  const out: string[] = [];
  let n = 0;
  for (const event of events) {
    if (event.kind !== 'query') {
      out.push(`-- ${event.kind === 'begin' ? 'begin transaction' : event.kind}`);
      continue;
    }
    n++;
    const count = `${event.parameters} parameter${event.parameters === 1 ? '' : 's'}`;
    out.push(queries > 1 ? `-- statement ${n} of ${queries}, ${count}` : `-- ${count}`);
    out.push(`${pretty(event.sql, dialect)};`, '');
  }
  return out;
}

export class SnapshotError extends Error {
  constructor(readonly problems: string[]) {
    super(`SQL snapshots cannot be generated:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Registry entries that do not match the methods the factory really returns. */
function coverageProblems(target: AnyTarget, methods: string[]): string[] {
  const problems: string[] = [];
  for (const method of methods) {
    if (!Object.hasOwn(target.methods, method))
      problems.push(
        `${target.name}.${method} (${target.source}) has no entry in scripts/sql-snapshots-registry.ts: add a case with sample arguments`,
      );
  }
  for (const method of Object.keys(target.methods)) {
    if (!methods.includes(method))
      problems.push(`${target.name}.${method} is in the registry but ${target.source} no longer has it`);
  }
  return problems;
}

async function renderTarget(target: AnyTarget, dialect: DialectName, problems: string[]): Promise<string> {
  const methods = methodNames(target.create(recordingDb(dialect, new Recorder())));
  const coverage = coverageProblems(target, methods);
  if (coverage.length > 0) {
    problems.push(...coverage);
    return '';
  }
  const blocks: string[] = [header(target, dialect)];
  for (const method of methods) {
    const entry = target.methods[method]!;
    if ('noQuery' in entry) {
      blocks.push(`-- ${method}: no query of its own (${entry.noQuery})\n`);
      continue;
    }
    if (entry.length === 0) problems.push(`${target.name}.${method} has no case`);
    if (entry.length > 1 && entry.some((c) => !c.label))
      problems.push(`${target.name}.${method} has several cases: label each one`);
    for (const c of entry) {
      const title = `${target.name}.${method}${c.label ? ` (${c.label})` : ''} on ${dialect}`;
      const recorder = new Recorder(c.answers);
      const db = recordingDb(dialect, recorder);
      try {
        await c.run(target.create(db), db);
      } catch (error) {
        problems.push(`${title} threw: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (recorder.queryCount === 0) problems.push(`${title} issued no query: check its sample arguments`);
      if (recorder.unusedAnswers > 0)
        problems.push(`${title} left ${recorder.unusedAnswers} scripted answer(s) unused: the script no longer fits`);
      const lines = [`-- ${method}${c.label ? `: ${c.label}` : ''}`, ...renderEvents(recorder.events, dialect)];
      while (lines.at(-1) === '') lines.pop();
      blocks.push(`${lines.join('\n')}\n`);
    }
  }
  return blocks.join('\n');
}

/** Repository files under src/ that no registry entry names as its source, as problems. */
export function uncoveredRepositories(targets: AnyTarget[], root = process.cwd()): string[] {
  const sources = new Set(targets.map((t) => t.source));
  return (fs.readdirSync(path.join(root, 'src'), { recursive: true }) as string[])
    .map((f) => `src/${f.split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.repository.ts') && !sources.has(f))
    .sort()
    .map((f) => `${f} has no entry in scripts/sql-snapshots-registry.ts: add one with a case per method`);
}

/** Every snapshot file, by path relative to the snapshot root (`<dialect>/<name>.sql`), in a stable order. */
export async function generateSnapshots(targets: AnyTarget[], root = process.cwd()): Promise<Map<string, string>> {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) problems.push(`two registry entries are named ${t.name}`);
    names.add(t.name);
    if (!fs.existsSync(path.resolve(root, t.source)))
      problems.push(`${t.name}: source ${t.source} does not exist (moved? update the registry)`);
  }
  const files = new Map<string, string>();
  for (const dialect of DIALECTS) {
    for (const t of [...targets].sort((a, b) => a.name.localeCompare(b.name))) {
      files.set(`${dialect}/${t.name}.sql`, await renderTarget(t, dialect, problems));
    }
  }
  if (problems.length > 0) throw new SnapshotError([...new Set(problems)]);
  return files;
}

/** Writes the files and removes the .sql files under `dir` that are no longer generated. */
export function writeSnapshots(files: Map<string, string>, dir: string): void {
  for (const file of listSqlFiles(dir)) if (!files.has(file)) fs.rmSync(path.join(dir, file));
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

function listSqlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

export interface Drift {
  file: string;
  kind: 'changed' | 'missing' | 'unexpected';
  /** For a changed file: the differing lines with a little context. */
  diff?: string;
}

/** The differences between freshly generated snapshots and the files in `dir`. */
export function compareSnapshots(files: Map<string, string>, dir: string): Drift[] {
  const drifts: Drift[] = [];
  for (const [file, expected] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) {
      drifts.push({ file, kind: 'missing' });
      continue;
    }
    const actual = fs.readFileSync(full, 'utf8');
    if (actual !== expected) drifts.push({ file, kind: 'changed', diff: lineDiff(actual, expected) });
  }
  for (const file of listSqlFiles(dir)) {
    if (!files.has(file)) drifts.push({ file, kind: 'unexpected' });
  }
  return drifts;
}

export function describeDrift(drifts: Drift[], dir: string): string {
  const lines = [`SQL snapshots under ${dir} are out of date (${drifts.length} file(s)):`];
  for (const d of drifts) {
    const what =
      d.kind === 'changed'
        ? 'differs from what the code compiles to'
        : d.kind === 'missing'
          ? 'is missing'
          : 'is not generated by any registry entry';
    lines.push(`  ${d.file} ${what}`);
  }
  for (const d of drifts) {
    if (d.diff) lines.push('', `--- ${d.file} (checked in)`, `+++ ${d.file} (generated)`, d.diff);
  }
  lines.push('', 'Run `npm run sql:snapshots` and commit the sql/ changes with the code that caused them.');
  return lines.join('\n');
}

const CONTEXT = 2;

/** A small line diff (LCS) in unified style: enough to show reviewers which statement moved. */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  // lengths[i][j]: LCS of x[i:] and y[j:].
  const width = y.length + 1;
  const lengths = new Uint32Array((x.length + 1) * width);
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lengths[i * width + j] =
        x[i] === y[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
  const ops: { op: ' ' | '-' | '+'; line: string; at: number }[] = [];
  for (let k = Math.max(0, start - CONTEXT); k < start; k++) ops.push({ op: ' ', line: a[k]!, at: k + 1 });
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      ops.push({ op: ' ', line: x[i]!, at: start + i + 1 });
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!)) {
      ops.push({ op: '-', line: x[i]!, at: start + i + 1 });
      i++;
    } else {
      ops.push({ op: '+', line: y[j]!, at: start + i + 1 });
      j++;
    }
  }
  for (let k = endA; k < Math.min(a.length, endA + CONTEXT); k++) ops.push({ op: ' ', line: a[k]!, at: k + 1 });
  // Keep changed lines and CONTEXT lines around them.
  const keep = ops.map((_op, n) => ops.slice(Math.max(0, n - CONTEXT), n + CONTEXT + 1).some((p) => p.op !== ' '));
  const out: string[] = [];
  ops.forEach((o, n) => {
    if (!keep[n]) return;
    if (n === 0 || !keep[n - 1]) out.push(`@@ line ${o.at}`);
    out.push(`${o.op} ${o.line}`);
  });
  return out.join('\n');
}
