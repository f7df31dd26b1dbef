import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/** The media platform's image library and statistics tables (see ../mp-image.tables.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_images')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('image_key', 'varchar(200)', (c) => c.notNull())
    .addColumn('thumbnail_key', 'varchar(200)', (c) => c.notNull())
    .addColumn('content_sha256', 'char(64)', (c) => c.notNull())
    .addColumn('upload_sha256', 'char(64)', (c) => c.notNull())
    .addColumn('is_collected', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    // De-duplication per user (M18): the same content is one library entry, deleted or not.
    .addUniqueConstraint('user_images_content', ['user_id', 'content_sha256'])
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('user_images_upload').on('user_images').columns(['user_id', 'upload_sha256']).execute();
  // M17: a user's live images, collected first, newest first.
  await db.schema
    .createIndex('user_images_list')
    .on('user_images')
    .columns(['user_id', 'deleted_at', 'is_collected', 'created_at'])
    .execute();

  // M30: the latest session of each follower (device split).
  await db.schema.createIndex('sessions_user_last_used').on('sessions').columns(['user_id', 'last_used_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_user_last_used').on('sessions').execute();
  await db.schema.dropTable('user_images').execute();
}
