/**
 * The SQLite checkpoint worker (src/platform/db/sqlite-checkpointer.ts) on a real database file:
 * the app's connection no longer checkpoints inside its commits, yet what it writes reaches the
 * database file; and when the worker dies, the connection checkpoints by itself again.
 */
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createKysely } from '../../src/platform/db/dialect.js';
import { startCheckpointer, type Checkpointer } from '../../src/platform/db/sqlite-checkpointer.js';
import { until } from '../helpers/wait.js';

const opened: { database: BetterSqlite3.Database; checkpointer: Checkpointer; dir: string }[] = [];

function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-checkpoint-'));
  const file = path.join(dir, 'test.db');
  const database = new BetterSqlite3(file);
  database.pragma('journal_mode = WAL');
  database.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const warnings: string[] = [];
  const checkpointer = startCheckpointer(database, file, (message) => warnings.push(message));
  opened.push({ database, checkpointer, dir });
  // 2 MB in 64 commits: far past nothing, far short of the 1,000-page automatic checkpoint.
  const write = (commits = 64) => {
    const insert = database.prepare('INSERT INTO blobs (body) VALUES (?)');
    for (let i = 0; i < commits; i++) insert.run(Buffer.alloc(32 * 1024, i));
  };
  const fileBytes = () => fs.statSync(file).size;
  const autocheckpoint = () => database.pragma('wal_autocheckpoint', { simple: true }) as number;
  return { database, checkpointer, write, fileBytes, autocheckpoint, warnings };
}

afterEach(async () => {
  for (const { database, checkpointer, dir } of opened.splice(0)) {
    checkpointer.stop();
    database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('SQLite checkpoints in a worker thread', () => {
  it('moves committed pages into the database file while the connection never checkpoints itself', async () => {
    const db = open();
    expect(db.autocheckpoint()).toBe(0);
    const before = db.fileBytes();
    db.write();
    // Only the worker can copy the WAL into the file now.
    await until('the WAL checkpointed into the file', () => db.fileBytes() >= before + 2 * 1024 * 1024);
    expect(db.database.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: 64 });
    expect(db.warnings).toEqual([]);
  });

  it('gives automatic checkpoints back to the connection when the worker dies', async () => {
    const db = open();
    expect(db.autocheckpoint()).toBe(0);
    await db.checkpointer.worker.terminate();
    await until('automatic checkpoints restored', () => db.autocheckpoint() === 1_000);
  });

  it('stops on request without handing checkpoints back (the connection is closing)', async () => {
    const db = open();
    db.checkpointer.stop();
    expect(db.autocheckpoint()).toBe(0);
  });

  it('closes last, so that once the database is closed its file alone holds every commit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-checkpoint-'));
    const file = path.join(dir, 'app.db');
    try {
      const db = createKysely<{ notes: { id: number; body: string } }>(`sqlite:${file}`);
      await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(db);
      // ~20 MB in the WAL just before closing: checkpointing it takes long enough to be seen.
      const rows = Array.from({ length: 5_000 }, (_, id) => ({ id, body: String(id).padEnd(4096, 'x') }));
      await db.transaction().execute(async (tx) => {
        for (let i = 0; i < rows.length; i += 500)
          await tx
            .insertInto('notes')
            .values(rows.slice(i, i + 500))
            .execute();
      });
      await db.destroy();
      // The app's connection closed after the worker's: its close checkpointed the WAL and removed it.
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
      const copy = path.join(dir, 'copy.db');
      fs.copyFileSync(file, copy);
      const backup = new BetterSqlite3(copy, { readonly: true });
      try {
        expect(backup.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(backup.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 5_000 });
      } finally {
        backup.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
