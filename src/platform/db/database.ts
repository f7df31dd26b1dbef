import { Migrator, type Kysely, type Migration } from 'kysely';
import { createKysely, dialectFromUrl, dialectOf, type DialectName } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: DialectName;
  close(): Promise<void>;
}

export function openDatabase(
  url: string,
  options: { poolSize?: number; onIdleError?: (error: Error) => void; onWarning?: (message: string) => void } = {},
): DatabaseHandle {
  const db = createKysely<Database>(url, options);
  return { db, dialect: dialectFromUrl(url), close: () => db.destroy() };
}

/** Applies pending migrations; returns the names applied. Safe to run from several processes. */
export async function migrateToLatest(db: Db, modules: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(modules) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export { dialectOf };
