import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/**
 * Readers' reports of comments (see ../comment.tables.ts), and the two indexes the console's
 * comment search needs to page newest first by article or by author without sorting every
 * comment of either (the older `comments_article` index puts parent_id and is_top before id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('comment_reports')
    .addColumn('comment_id', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    // 0–8, the article reports' types (0 其他问题 … 8 侵权).
    .addColumn('type', 'smallint', (c) => c.notNull())
    .addColumn('remark', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // Comment first: the console groups and dismisses by comment; once per user and comment.
    .addPrimaryKeyConstraint('comment_reports_pk', ['comment_id', 'user_id'])
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('comments_author_time').on('comments').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('comments_article_time').on('comments').columns(['article_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('comments_article_time').on('comments').execute();
  await db.schema.dropIndex('comments_author_time').on('comments').execute();
  await db.schema.dropTable('comment_reports').execute();
}
