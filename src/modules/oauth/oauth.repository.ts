import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore, onConflictUpdate } from '../../platform/db/dialect.js';
import type { OauthClientsTable, OauthGrantsTable, OauthKeysTable } from './oauth.tables.js';

export type OauthClientRow = Selectable<OauthClientsTable>;
export type OauthKeyRow = Selectable<OauthKeysTable>;
export type OauthGrantRow = Selectable<OauthGrantsTable>;
/** A reader's grant with the app it went to. */
export type GrantWithClient = OauthGrantRow & Pick<OauthClientRow, 'metadata_json' | 'owner_user_id'>;

/** More grants than a reader could read on one page: the list stops here. */
const GRANTS_LISTED = 200;

export function createOauthRepository(db: Db) {
  return {
    async findClient(clientId: string): Promise<OauthClientRow | undefined> {
      return db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    },

    /** Registration and updates (RFC 7592 would update); the owner is kept from the first write. */
    async saveClient(row: { client_id: string; metadata_json: string; owner_user_id: bigint | null; now: number }) {
      await onConflictUpdate(
        db,
        db.insertInto('oauth_clients').values({
          client_id: row.client_id,
          metadata_json: row.metadata_json,
          owner_user_id: row.owner_user_id,
          created_at: row.now,
          updated_at: row.now,
        }),
        ['client_id'],
        { metadata_json: row.metadata_json, updated_at: row.now },
      ).execute();
    },

    async deleteClient(clientId: string): Promise<void> {
      await db.deleteFrom('oauth_clients').where('client_id', '=', clientId).execute();
    },

    /** The apps a developer registered on the site, newest first. */
    async listOwnedClients(ownerUserId: bigint): Promise<OauthClientRow[]> {
      return db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('owner_user_id', '=', ownerUserId)
        .orderBy('created_at', 'desc')
        .orderBy('client_id')
        .execute();
    },

    /** A grant saved again (more scopes consented) keeps its first date; its reader and app never change. */
    async saveGrant(row: Omit<OauthGrantRow, 'created_at' | 'updated_at'> & { now: number }): Promise<void> {
      await onConflictUpdate(
        db,
        db.insertInto('oauth_grants').values({
          grant_id: row.grant_id,
          user_id: row.user_id,
          client_id: row.client_id,
          scope: row.scope,
          created_at: row.now,
          updated_at: row.now,
          expires_at: row.expires_at,
        }),
        ['grant_id'],
        { scope: row.scope, updated_at: row.now, expires_at: row.expires_at },
      ).execute();
    },

    async deleteGrant(grantId: string): Promise<void> {
      await db.deleteFrom('oauth_grants').where('grant_id', '=', grantId).execute();
    },

    /** A reader's unexpired grants to apps that still exist, newest first. */
    async listGrantsOfUser(userId: bigint, now: number): Promise<GrantWithClient[]> {
      return db
        .selectFrom('oauth_grants as g')
        .innerJoin('oauth_clients as c', 'c.client_id', 'g.client_id')
        .selectAll('g')
        .select(['c.metadata_json', 'c.owner_user_id'])
        .where('g.user_id', '=', userId)
        .where((eb) => eb.or([eb('g.expires_at', 'is', null), eb('g.expires_at', '>', now)]))
        .orderBy('g.created_at', 'desc')
        .orderBy('g.grant_id')
        .limit(GRANTS_LISTED)
        .execute();
    },

    /** The grants one reader gave one app (a reader may have several: one per browser they consented in). */
    async grantIdsOf(userId: bigint, clientId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('oauth_grants')
        .select('grant_id')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .execute();
      return rows.map((row) => row.grant_id);
    },

    /** Every grant to one app, whoever gave it (the app is being deleted). */
    async grantIdsOfClient(clientId: string): Promise<string[]> {
      const rows = await db.selectFrom('oauth_grants').select('grant_id').where('client_id', '=', clientId).execute();
      return rows.map((row) => row.grant_id);
    },

    /** Signing keys, oldest first (oauth.keys.ts decides which one signs). */
    async listKeys(): Promise<OauthKeyRow[]> {
      return db.selectFrom('oauth_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
    },

    /** Two nodes starting at once may both generate a key: the insert is a no-op on a taken kid only. */
    async insertKey(row: OauthKeyRow): Promise<void> {
      await onConflictIgnore(db, db.insertInto('oauth_keys').values(row), ['kid']).execute();
    },

    /** Retired keys (published a week past their successor's start). */
    async deleteKeys(kids: readonly string[]): Promise<void> {
      if (kids.length === 0) return;
      await db.deleteFrom('oauth_keys').where('kid', 'in', kids).execute();
    },
  };
}

export type OauthRepository = ReturnType<typeof createOauthRepository>;
