import type { Kysely } from 'kysely';
import { tableSuffix } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  // Real-name verification material (A09/A21); images are storage keys.
  await db.schema.alterTable('users').addColumn('real_name', 'varchar(32)').execute();
  await db.schema.alterTable('users').addColumn('id_number', 'varchar(18)').execute();
  await db.schema.alterTable('users').addColumn('id_card_front', 'varchar(512)').execute();
  await db.schema.alterTable('users').addColumn('id_card_back', 'varchar(512)').execute();
  await db.schema.alterTable('users').addColumn('id_card_handheld', 'varchar(512)').execute();

  // One row per signed-in device: every refresh token belongs to a session, so signing out and
  // revoking a device are real. In rotation mode the current and previous refresh token ids live here.
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client', 'varchar(8)', (c) => c.notNull())
    .addColumn('verified', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('rotation', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('refresh_jti', 'varchar(64)', (c) => c.notNull())
    .addColumn('previous_jti', 'varchar(64)')
    .addColumn('previous_valid_until', 'bigint')
    .addColumn('platform', 'varchar(16)', (c) => c.notNull().defaultTo('other'))
    .addColumn('user_agent', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'revoked_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sessions').execute();
  for (const column of ['real_name', 'id_number', 'id_card_front', 'id_card_back', 'id_card_handheld']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
