import type { Kysely } from 'kysely';
import { longTextType, tableSuffix } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('mobile', 'varchar(20)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('photo', 'varchar(512)')
    .addColumn('intro', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('certi', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('gender', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('birthday', 'varchar(10)')
    .addColumn('is_media', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('verified', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('role', 'varchar(16)', (c) => c.notNull().defaultTo('user'))
    .addColumn('username', 'varchar(32)', (c) => c.unique())
    .addColumn('email', 'varchar(254)', (c) => c.unique())
    .addColumn('password_hash', 'varchar(255)')
    .addColumn('art_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('follow_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fans_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('read_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();

  await db.schema
    .createTable('channels')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('name', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_visible', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();

  await db.schema
    .createTable('articles')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('channel_id', 'bigint', (c) => c.notNull().references('channels.id'))
    .addColumn('title', 'varchar(128)', (c) => c.notNull())
    .addColumn('cover_type', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('cover_images', 'varchar(2048)', (c) => c.notNull().defaultTo('[]'))
    .addColumn('status', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('is_top', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('allow_comment', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('reject_reason', 'varchar(255)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('read_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dislike_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('collect_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('share_count', 'integer', (c) => c.notNull().defaultTo(0))
    .modifyEnd(tableSuffix(db))
    .execute();

  // The feed pages by (published_at, id) within a channel, and across channels for 推荐.
  await db.schema
    .createIndex('articles_channel_feed')
    .on('articles')
    .columns(['channel_id', 'status', 'published_at', 'id'])
    .execute();
  await db.schema.createIndex('articles_feed').on('articles').columns(['status', 'published_at', 'id']).execute();
  await db.schema.createIndex('articles_author').on('articles').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('article_contents')
    .addColumn('article_id', 'bigint', (c) => c.primaryKey().references('articles.id').onDelete('cascade'))
    .addColumn('content', longTextType(db), (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('article_contents').execute();
  await db.schema.dropTable('articles').execute();
  await db.schema.dropTable('channels').execute();
  await db.schema.dropTable('users').execute();
}
