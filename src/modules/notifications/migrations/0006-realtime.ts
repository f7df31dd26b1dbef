import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/** The realtime feature's tables (see ../notification.tables.ts): stored notifications. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    // follow | like | comment
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'bigint', (c) => c.notNull())
    .addColumn('article_id', 'bigint')
    .addColumn('comment_id', 'bigint')
    .addColumn('dedupe_key', 'varchar(80)', (c) => c.notNull())
    .addColumn('is_read', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notifications_dedupe', ['user_id', 'dedupe_key'])
    .modifyEnd(tableSuffix(db))
    .execute();
  // The list (newest first) and the unread count both read by recipient.
  await db.schema
    .createIndex('notifications_user_time')
    .on('notifications')
    .columns(['user_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('notifications_user_unread')
    .on('notifications')
    .columns(['user_id', 'is_read'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
}
