/**
 * The platform's migrations: the baseline written before feature modules owned their schema
 * (0001–0004 create and extend the tables of several features at once; their names are history in
 * every database, so they stay as they are), the search index and the worker leases. Every later
 * feature migration lives in its module (`src/modules/<name>/migrations/`) and reaches the migrator
 * through the module manifests. Imported statically (not read from disk) so that the compiled build
 * and the TypeScript sources run the same set, with no file-system scanning at boot.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as accounts from './0002-accounts.js';
import * as community from './0003-community.js';
import * as mediaPlatform from './0004-media-platform.js';
import * as search from './0005-search.js';
import * as workerLeases from './0010-worker-leases.js';

export const platformMigrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-accounts': accounts,
  '0003-community': community,
  '0004-media-platform': mediaPlatform,
  '0005-search': search,
  '0010-worker-leases': workerLeases,
};

/** The platform's migrations plus the modules' (Kysely runs them in name order). */
export function migrationProvider(modules: Record<string, Migration>): MigrationProvider {
  const all: Record<string, Migration> = { ...platformMigrations };
  for (const [name, migration] of Object.entries(modules)) {
    if (all[name]) throw new Error(`two migrations are named ${name}`);
    all[name] = migration;
  }
  return {
    async getMigrations() {
      return all;
    },
  };
}
