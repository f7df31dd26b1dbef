import type { Kysely } from 'kysely';
import { tableSuffix } from '../dialect.js';

/** The review decision log and the articles' price and review columns (see modules/review/review.tables.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('articles')
    .addColumn('price_cents', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('articles').addColumn('review_flags', 'varchar(1024)').execute();
  // The review queue: pending articles, oldest submission first.
  await db.schema.createIndex('articles_review').on('articles').columns(['status', 'updated_at']).execute();

  await db.schema
    .createTable('moderation_decisions')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('article_id', 'bigint', (c) => c.notNull())
    // null: the automatic review policy decided.
    .addColumn('moderator_id', 'bigint')
    // approve | reject | ban
    .addColumn('decision', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(255)')
    .addColumn('from_status', 'smallint', (c) => c.notNull())
    .addColumn('to_status', 'smallint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema
    .createIndex('moderation_decisions_article')
    .on('moderation_decisions')
    .columns(['article_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('moderation_decisions_moderator')
    .on('moderation_decisions')
    .columns(['moderator_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('moderation_decisions').execute();
  try {
    await db.schema.dropIndex('articles_review').execute();
  } catch {
    // MySQL names the table of an index (and has no transactional DDL, so nothing was aborted).
    await db.schema.dropIndex('articles_review').on('articles').execute();
  }
  await db.schema.alterTable('articles').dropColumn('review_flags').execute();
  await db.schema.alterTable('articles').dropColumn('price_cents').execute();
}
