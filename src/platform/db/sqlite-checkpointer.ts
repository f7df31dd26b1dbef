/**
 * SQLite's WAL is copied back into the database file by a checkpoint, which by default runs inside
 * the commit that grows the WAL past 1,000 pages. better-sqlite3 is synchronous, so that commit
 * held the event loop for the whole copy and its fsync: 33 ms per commit on average under a random
 * read load whose counter flushes dirty a page per article (3 ms without). Here a worker thread with
 * its own connection checkpoints every CHECKPOINT_INTERVAL_MS (PASSIVE: it never waits for, nor
 * blocks, the app's readers and writers), and the app's connection stops checkpointing by itself.
 *
 * Should the worker die, the app's connection takes automatic checkpoints back, so the WAL never
 * grows without bound. Closing the database stops the worker first and waits for its connection to
 * close, so the app's connection is the last: its close checkpoints what is left and removes the
 * WAL, and once it returns the database file alone holds every commit (a copy of it is a backup).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_INTERVAL_MS = 1_000;
/** How long closing waits for the worker's connection (a checkpoint under way finishes first). */
const STOP_TIMEOUT_MS = 10_000;
/** SQLite's own default, restored when the worker is gone. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

// A CommonJS script evaluated in the worker: no build step or file path to resolve under tsx,
// vitest and dist alike. The driver's path comes from the app's own resolution.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // SQLITE_BUSY and friends: the next tick tries again.
    parentPort.postMessage({ warning: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try {
    db.close();
  } finally {
    Atomics.store(workerData.closed, 0, 1);
    Atomics.notify(workerData.closed, 0);
    parentPort.close();
  }
});
`;

export interface Checkpointer {
  /** The thread itself (tests end it to prove the app's connection takes checkpoints back). */
  readonly worker: Worker;
  /** Stops the worker and returns once its connection is closed (or after STOP_TIMEOUT_MS). */
  stop(): void;
}

export function startCheckpointer(
  database: BetterSqlite3.Database,
  file: string,
  onWarning: (message: string) => void = () => {},
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, intervalMs: CHECKPOINT_INTERVAL_MS, closed },
  });
  worker.unref();
  let stopping = false;
  let exited = false;
  database.pragma('wal_autocheckpoint = 0');
  const restore = () => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on('message', (message: { warning?: string }) => {
    if (message.warning) onWarning(message.warning);
  });
  worker.on('error', (error: unknown) =>
    onWarning(`checkpoint worker failed: ${error instanceof Error ? error.stack : inspect(error)}`),
  );
  worker.on('exit', () => {
    exited = true;
    if (!stopping) restore();
  });
  return {
    worker,
    stop() {
      if (stopping || exited) return;
      stopping = true;
      worker.postMessage('stop');
      // Blocking, briefly: the database's close is synchronous (Kysely does not await it) and must
      // come after the worker's, which runs on its own thread meanwhile.
      Atomics.wait(closed, 0, 0, STOP_TIMEOUT_MS);
    },
  };
}
