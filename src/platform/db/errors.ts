/**
 * Which database errors mean "the database cannot be reached" rather than "this query is wrong",
 * for PostgreSQL (pg), MySQL/MariaDB (mysql2) and SQLite (better-sqlite3) in one place. Those
 * answer 503 with Retry-After (the client should simply retry) instead of a 500 (a bug to report).
 */

/** Socket-level failures, from any driver (Node's own codes). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

const MYSQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_SERVER_GONE_ERROR',
  'ER_SERVER_LOST',
]);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (admin shutdown, crash
 * shutdown, cannot connect now: a restarting server) and 53300 (too many connections).
 */
const PG_STATE = /^(08...|57P0[123]|53300)$/;

const SQLITE_CODE = /^SQLITE_(BUSY|CANTOPEN|IOERR|FULL|PROTOCOL)/;

/** Driver messages without a code (pg's pool and client, mysql2 on a closed connection). */
const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/,
  /Can't add new command when connection is in closed state/,
  /^connect ETIMEDOUT/,
];

export function isConnectionError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const { code, fatal } = error as Error & { code?: unknown; fatal?: unknown };
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || MYSQL_CODES.has(code) || PG_STATE.test(code) || SQLITE_CODE.test(code)) return true;
  }
  // mysql2 marks every error that killed its connection as fatal.
  if (fatal === true && typeof code === 'string' && !code.startsWith('ER_PARSE')) return true;
  if (MESSAGES.some((pattern) => pattern.test(error.message))) return true;
  // Node reports a refused connect to several addresses (::1 and 127.0.0.1) as an AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => isConnectionError(inner, depth + 1))) return true;
  return isConnectionError(error.cause, depth + 1);
}

/** A short stable name for log throttling: the code when there is one, else the message's start. */
export function connectionErrorKind(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.message === 'string' ? e.message.slice(0, 60) : 'unknown';
}
