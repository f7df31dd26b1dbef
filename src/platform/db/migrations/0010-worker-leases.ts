import type { Kysely } from 'kysely';
import { tableSuffix } from '../dialect.js';

/** Snowflake worker-id leases when there is no Redis (see ../tables/cluster.ts and platform/cluster/leases.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('worker_leases')
    .addColumn('worker_id', 'integer', (c) => c.primaryKey())
    .addColumn('owner', 'varchar(64)', (c) => c.notNull())
    .addColumn('node', 'varchar(64)', (c) => c.notNull())
    .addColumn('scheduler', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('beats', 'bigint', (c) => c.notNull().defaultTo(0))
    .modifyEnd(tableSuffix(db))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('worker_leases').execute();
}
