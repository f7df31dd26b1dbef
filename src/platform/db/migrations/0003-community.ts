import type { Kysely } from 'kysely';
import { longTextType, tableSuffix } from '../dialect.js';

/** The reader side of the app: relations, attitudes, collections, reports, comments, channels, history, telemetry, announcements. */
export async function up(db: Kysely<any>): Promise<void> {
  const pair = (name: string, left: string, right: string, extra?: (t: any) => any) => {
    let table = db.schema
      .createTable(name)
      .addColumn(left, 'bigint', (c) => c.notNull())
      .addColumn(right, 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull());
    if (extra) table = extra(table);
    return table
      .addPrimaryKeyConstraint(`${name}_pk`, [left, right] as never)
      .modifyEnd(tableSuffix(db))
      .execute();
  };

  // Who follows whom; listing a user's fans reads by target.
  await pair('follows', 'user_id', 'target_user_id');
  await db.schema.createIndex('follows_target').on('follows').columns(['target_user_id', 'created_at']).execute();
  await db.schema.createIndex('follows_user_time').on('follows').columns(['user_id', 'created_at']).execute();
  await pair('blacklists', 'user_id', 'target_user_id');

  // 1 like, 0 dislike; no row = no attitude.
  await pair('attitudes', 'user_id', 'article_id', (t) =>
    t
      .addColumn('attitude', 'smallint', (c: any) => c.notNull())
      .addColumn('updated_at', 'bigint', (c: any) => c.notNull()),
  );
  await db.schema.createIndex('attitudes_article').on('attitudes').columns(['article_id', 'attitude']).execute();
  await pair('collections', 'user_id', 'article_id');
  await db.schema.createIndex('collections_user_time').on('collections').columns(['user_id', 'created_at']).execute();
  await pair('reports', 'user_id', 'article_id', (t) =>
    t
      .addColumn('type', 'smallint', (c: any) => c.notNull())
      .addColumn('remark', 'varchar(255)', (c: any) => c.notNull().defaultTo('')),
  );

  await db.schema
    .createTable('comments')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('article_id', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    // null for a comment on the article; the top-level comment's id for a reply.
    .addColumn('parent_id', 'bigint')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reply_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_top', 'smallint', (c) => c.notNull().defaultTo(0))
    // 1 visible, 0 deleted.
    .addColumn('status', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema
    .createIndex('comments_article')
    .on('comments')
    .columns(['article_id', 'parent_id', 'is_top', 'id'])
    .execute();
  await db.schema.createIndex('comments_parent').on('comments').columns(['parent_id', 'is_top', 'id']).execute();
  await pair('comment_likes', 'user_id', 'comment_id');

  await pair('user_channels', 'user_id', 'channel_id', (t) =>
    t
      .addColumn('sequence', 'integer', (c: any) => c.notNull())
      .addColumn('updated_at', 'bigint', (c: any) => c.notNull()),
  );

  // Reading history (A49): one row per user and article, newest read_at first, trimmed to a cap.
  await pair('reading_history', 'user_id', 'article_id', (t) =>
    t.addColumn('read_at', 'bigint', (c: any) => c.notNull()),
  );
  await db.schema
    .createIndex('reading_history_user_time')
    .on('reading_history')
    .columns(['user_id', 'read_at'])
    .execute();

  // Detail views with where the reader came from, and reading-duration telemetry (A50): the MP statistics read these.
  await db.schema
    .createTable('article_reads')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('article_id', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'bigint')
    // recommend | channel | relation | search | other
    .addColumn('source', 'varchar(16)', (c) => c.notNull().defaultTo('other'))
    .addColumn('duration_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema
    .createIndex('article_reads_article')
    .on('article_reads')
    .columns(['article_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('announcements')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('title', 'varchar(128)', (c) => c.notNull())
    .addColumn('content', longTextType(db), (c) => c.notNull())
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('announcements_time').on('announcements').columns(['published_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'announcements',
    'article_reads',
    'reading_history',
    'user_channels',
    'comment_likes',
    'comments',
    'reports',
    'collections',
    'attitudes',
    'blacklists',
    'follows',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
