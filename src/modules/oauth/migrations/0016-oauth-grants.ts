import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/** The index of readers' grants to apps (see ../oauth.tables.ts); the grants themselves stay in the kv store. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_grants')
    .addColumn('grant_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scope', 'varchar(1000)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .modifyEnd(tableSuffix(db))
    .execute();
  // A reader's list and their revocation of one app; an app's deletion.
  await db.schema.createIndex('oauth_grants_user').on('oauth_grants').columns(['user_id', 'client_id']).execute();
  await db.schema.createIndex('oauth_grants_client').on('oauth_grants').columns(['client_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oauth_grants').execute();
}
