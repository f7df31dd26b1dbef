/**
 * The ordered list of migrations. Imported statically (not read from disk) so that the compiled
 * build and the TypeScript sources run the same set, with no file-system scanning at boot.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as accounts from './0002-accounts.js';
import * as community from './0003-community.js';
import * as mediaPlatform from './0004-media-platform.js';
import * as search from './0005-search.js';
import * as realtime from './0006-realtime.js';
import * as payments from './0007-payments.js';
import * as mediaAssets from './0008-media-assets.js';
import * as workerLeases from './0010-worker-leases.js';
import * as userModeration from './0011-user-moderation.js';

const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-accounts': accounts,
  '0003-community': community,
  '0004-media-platform': mediaPlatform,
  '0005-search': search,
  '0006-realtime': realtime,
  '0007-payments': payments,
  '0008-media-assets': mediaAssets,
  '0010-worker-leases': workerLeases,
  '0011-user-moderation': userModeration,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
