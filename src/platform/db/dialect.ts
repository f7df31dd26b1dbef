/**
 * Every difference between SQLite, PostgreSQL and MySQL/MariaDB lives here: connecting, how
 * 64-bit integers come back, upserts, insert-or-ignore and column types in migrations. Features
 * and repositories call these helpers and never branch on the dialect themselves.
 */
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import {
  Kysely,
  MysqlAdapter,
  MysqlDialect,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  sql,
  type InsertQueryBuilder,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ColumnDataType,
  type Expression,
  type MysqlPool,
  type SqliteDatabase,
} from 'kysely';
import type * as Mysql2 from 'mysql2';
import type Pg from 'pg';
import { optionalPackage } from '../optional-package.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export function dialectFromUrl(url: string): DialectName {
  if (/^(sqlite|file):/.test(url)) return 'sqlite';
  if (/^postgres(ql)?:/.test(url)) return 'postgres';
  if (/^(mysql|mariadb):/.test(url)) return 'mysql';
  throw new Error(`Unsupported DATABASE_URL scheme: ${url.split(':')[0]}`);
}

function isIdColumn(name: string): boolean {
  return name === 'id' || name.endsWith('_id');
}

/**
 * Drivers are set up to return 64-bit integers as bigint so that nothing loses precision; this
 * plugin then applies the naming convention: id columns stay (or become) bigint, every other
 * integer becomes a number. One rule for all three drivers, so rows look identical everywhere.
 */
class NormalizeIntegersPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of args.result.rows) {
      for (const key in row) {
        const value = row[key];
        if (typeof value === 'bigint') {
          if (!isIdColumn(key)) row[key] = Number(value);
        } else if (typeof value === 'number' && isIdColumn(key) && Number.isInteger(value)) {
          row[key] = BigInt(value);
        }
      }
    }
    return args.result;
  }
}

/**
 * The plugins of every Kysely the app builds. Exported so that the SQL snapshots
 * (scripts/sql-snapshots.ts) compile queries through exactly these.
 */
export function kyselyPlugins(): KyselyPlugin[] {
  return [new NormalizeIntegersPlugin()];
}

interface PoolOptions {
  poolSize?: number;
  /**
   * An idle pooled connection died (server restart, failover, an administrator ending it). The pool
   * replaces it on the next checkout; without a listener node-postgres would crash the process.
   */
  onIdleError?: (error: Error) => void;
  /** Something the database layer noticed but handled (a SQLite checkpoint that failed and will be retried). */
  onWarning?: (message: string) => void;
}

function sqliteFile(url: string): string {
  const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
  return file === '' ? ':memory:' : file;
}

/** How many compiled SQLite statements are kept (distinct SQL texts; `IN (…)` lists of other lengths are other texts). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 compiles the SQL text on every `prepare`, and Kysely's SQLite driver prepares on
 * every execution: for a short indexed query that compile costs as much as running it. This keeps
 * compiled statements by SQL text (oldest evicted first). A statement is reused only when it is not
 * in the middle of an iteration (`busy`, a streamed query), so two users never share a cursor;
 * Kysely's single-connection mutex already runs one statement at a time. SQLite re-prepares a kept
 * statement by itself when a migration changed the schema.
 */
function withStatementCache(
  database: BetterSqlite3.Database,
  onClose: () => void = () => {},
  size = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      onClose();
      database.close();
    },
    prepare(text: string) {
      const kept = statements.get(text);
      if (kept && !kept.busy) return kept;
      const statement = database.prepare(text);
      if (!kept) {
        if (statements.size >= size) statements.delete(statements.keys().next().value as string);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

// The server drivers load only for their own dialect (see optional-package.ts).
const loadPg = () => optionalPackage<typeof Pg>('pg');
const loadMysql2 = () => optionalPackage<typeof Mysql2>('mysql2');

/** How long opening a database connection (or, for PostgreSQL, waiting for a pooled one) may take. */
const CONNECT_TIMEOUT_MS = 5_000;

export function createKysely<DB>(url: string, options: PoolOptions = {}): Kysely<DB> {
  const dialect = dialectFromUrl(url);
  const plugins = kyselyPlugins();
  if (dialect === 'sqlite') {
    const file = sqliteFile(url);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const database = new BetterSqlite3(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    database.defaultSafeIntegers(true);
    const checkpointer = file === ':memory:' ? undefined : startCheckpointer(database, file, options.onWarning);
    const wrapped = withStatementCache(database, () => checkpointer?.stop());
    return new Kysely<DB>({ dialect: new SqliteDialect({ database: wrapped }), plugins });
  }
  if (dialect === 'postgres') {
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: url,
      // PostgreSQL's default random_page_cost (4) prices a disk seek: with it the planner reads
      // every row's TOASTed tsvector in a sequential scan (225 ms at 20k articles) instead of the
      // GIN index (8 ms). 1.1 is the usual value for SSDs and cached data; a URL's own `options`
      // (e.g. `?options=-c%20random_page_cost%3D4`) wins.
      ...(new URL(url).searchParams.has('options') ? {} : { options: '-c random_page_cost=1.1' }),
      max: options.poolSize ?? 10,
      // Bounded waits: a connect that gets no answer, or a checkout while every connection is
      // busy, fails (503 to the client) instead of holding the request forever.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20
            ? (value: string) => BigInt(value)
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    pool.on('error', options.onIdleError ?? (() => {}));
    // The pool listens to a client only while it is idle. One held between two statements (in a
    // transaction) whose server goes away would emit 'error' to nobody, which ends the process; its
    // next statement fails instead, and the pool drops it when it comes back.
    pool.on('connect', (client) => client.on('error', () => {}));
    return new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins });
  }
  const pool = loadMysql2().createPool({
    uri: url.replace(/^mariadb:/, 'mysql:'),
    connectionLimit: options.poolSize ?? 10,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableKeepAlive: true,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    typeCast(field, next) {
      if (field.type === 'LONGLONG') {
        const text = field.string();
        return text === null ? null : BigInt(text);
      }
      return next();
    },
  });
  return new Kysely<DB>({ dialect: new MysqlDialect({ pool: withAcquireTimeout(pool) }), plugins });
}

/**
 * mysql2's pool queues a checkout for as long as every connection is busy (a stuck server holds
 * them all); this fails the checkout after CONNECT_TIMEOUT_MS instead, and a connection that
 * arrives after its caller gave up goes straight back to the pool.
 */
function withAcquireTimeout(pool: MysqlPool): MysqlPool {
  return {
    getConnection(callback) {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(
          Object.assign(new Error('timeout exceeded when trying to connect'), { code: 'ETIMEDOUT' }),
          undefined as never,
        );
      }, CONNECT_TIMEOUT_MS);
      pool.getConnection((error, connection) => {
        if (settled) {
          connection?.release();
          return;
        }
        clearTimeout(timer);
        callback(error, connection);
      });
    },
    end: (callback) => pool.end(callback),
  };
}

export function dialectOf(db: Kysely<any>): DialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

/** Column type for long text (article bodies): MySQL's TEXT stops at 64 KiB. */
export function longTextType(db: Kysely<any>): ColumnDataType | Expression<unknown> {
  return dialectOf(db) === 'mysql' ? sql`mediumtext` : 'text';
}

/** Table options: MySQL needs the charset spelled out to store Chinese and emoji safely. */
export function tableSuffix(db: Kysely<any>) {
  return dialectOf(db) === 'mysql' ? sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci` : sql``;
}

type AnyInsert = InsertQueryBuilder<any, any, any>;

/** INSERT … ON CONFLICT (columns) DO UPDATE / ON DUPLICATE KEY UPDATE. */
export function onConflictUpdate<Q extends AnyInsert>(
  db: Kysely<any>,
  query: Q,
  conflictColumns: string[],
  update: Record<string, unknown>,
): Q {
  if (dialectOf(db) === 'mysql') return query.onDuplicateKeyUpdate(update as never) as Q;
  return query.onConflict((oc) => oc.columns(conflictColumns as never).doUpdateSet(update as never)) as Q;
}

/**
 * Multi-row INSERT … ON CONFLICT (columns) DO UPDATE / ON DUPLICATE KEY UPDATE, where each row that
 * meets an existing one copies its own values of `columns` onto it (`excluded.x` / `VALUES(x)`).
 * PostgreSQL refuses a statement that updates one row twice: give each conflict key once.
 */
export function onConflictUpdateFromRow<Q extends AnyInsert>(
  db: Kysely<any>,
  query: Q,
  conflictColumns: string[],
  columns: string[],
): Q {
  const incoming = (c: string) => (dialectOf(db) === 'mysql' ? sql`VALUES(${sql.ref(c)})` : sql.ref(`excluded.${c}`));
  return onConflictUpdate(db, query, conflictColumns, Object.fromEntries(columns.map((c) => [c, incoming(c)])));
}

/** INSERT that silently skips rows violating a unique key. */
export function onConflictIgnore<Q extends AnyInsert>(db: Kysely<any>, query: Q, conflictColumns: string[]): Q {
  if (dialectOf(db) === 'mysql') return query.ignore() as Q;
  return query.onConflict((oc) => oc.columns(conflictColumns as never).doNothing()) as Q;
}

/** Unique-key violation, whatever the driver calls it. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number } | null;
  if (!e) return false;
  return (
    e.code === '23505' || // PostgreSQL unique_violation
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
