import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/** The log of account moderation: bans, unbans, verifications (see ../user-moderation.tables.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_moderation_actions')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('moderator_id', 'bigint', (c) => c.notNull())
    // ban | unban | verify | unverify
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(255)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema
    .createIndex('user_moderation_actions_user')
    .on('user_moderation_actions')
    .columns(['user_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('user_moderation_actions').execute();
}
