/**
 * Who follows and who blocks whom (migration 0003-community).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { Pair } from '../../platform/db/schema.js';

export type FollowsTable = Pair<'user_id', 'target_user_id'>;

export type BlacklistsTable = Pair<'user_id', 'target_user_id'>;

declare module '../../platform/db/schema.js' {
  interface Database {
    follows: FollowsTable;
    blacklists: BlacklistsTable;
  }
}
