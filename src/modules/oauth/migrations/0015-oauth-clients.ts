import type { Kysely } from 'kysely';
import { longTextType, tableSuffix } from '../../../platform/db/dialect.js';

/** Registered OAuth clients and the provider's signing keys (see ../oauth.tables.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('metadata_json', longTextType(db), (c) => c.notNull())
    .addColumn('owner_user_id', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('oauth_clients_owner').on('oauth_clients').columns(['owner_user_id']).execute();
  await db.schema
    .createTable('oauth_keys')
    .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('jwk_json', longTextType(db), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oauth_keys').execute();
  await db.schema.dropTable('oauth_clients').execute();
}
