import { sql, type Kysely } from 'kysely';
import { dialectOf, longTextType, tableSuffix } from '../dialect.js';

/**
 * The search feature's tables (see ../tables/search.ts) and each database's own full-text index
 * over the analysed terms:
 * - SQLite: an FTS5 external-content table (no second copy of the text) kept in sync by triggers;
 *   `tokenchars` keeps c++, c#, node.js, utf-8 whole (terms are already split by our analyzer).
 * - PostgreSQL: a `tsv` column (title terms weight A, body terms weight B, with positions for
 *   ts_rank_cd) and a `tsv_title` column (title terms only), written by the adapter, each with a
 *   GIN index.
 * - MySQL/MariaDB: FULLTEXT indexes on the hex-encoded terms: (title), (body) for the weighted
 *   relevance and (title, body) for the match itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const dialect = dialectOf(db);
  await db.schema
    .createTable('search_documents')
    // On SQLite an INTEGER PRIMARY KEY is the rowid, which FTS5's content_rowid must be.
    .addColumn('article_id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('status', 'smallint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('popularity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('title', 'varchar(255)', (c) => c.notNull())
    .addColumn('body', longTextType(db), (c) => c.notNull())
    .addColumn('title_terms', 'text', (c) => c.notNull())
    .addColumn('body_terms', longTextType(db), (c) => c.notNull())
    .addColumn('indexed_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema
    .createIndex('search_documents_author')
    .on('search_documents')
    .columns(['user_id', 'status'])
    .execute();
  // Suggestions load the most popular visible titles.
  await db.schema
    .createIndex('search_documents_popular')
    .on('search_documents')
    .columns(['status', 'popularity'])
    .execute();

  await db.schema
    .createTable('search_terms')
    // Binary collation on MySQL: distinct terms must stay distinct (unicode_ci would merge some).
    .addColumn(
      'term',
      dialect === 'mysql' ? sql`varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin` : 'varchar(64)',
      (c) => c.primaryKey(),
    )
    .addColumn('df', 'integer', (c) => c.notNull())
    .addColumn('pinyin', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .modifyEnd(tableSuffix(db))
    .execute();

  if (dialect === 'sqlite') {
    // Matches are filtered and ranked by these columns: a covering index keeps those lookups off
    // the wide rows (bodies) of the table itself (see platform/search/sqlite-engine.ts).
    await sql`CREATE INDEX search_documents_filter ON search_documents (article_id, status, user_id, published_at, popularity)`.execute(
      db,
    );
    await sql`CREATE VIRTUAL TABLE search_fts USING fts5(
      title_terms, body_terms,
      content='search_documents', content_rowid='article_id',
      tokenize="unicode61 remove_diacritics 0 tokenchars '+#._-'"
    )`.execute(db);
    await sql`CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
      INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.article_id, new.title_terms, new.body_terms);
    END`.execute(db);
    await sql`CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
      INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) VALUES ('delete', old.article_id, old.title_terms, old.body_terms);
    END`.execute(db);
    // Popularity-only updates (comment counts) leave the full-text index alone.
    await sql`CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents
      WHEN old.title_terms IS NOT new.title_terms OR old.body_terms IS NOT new.body_terms BEGIN
      INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) VALUES ('delete', old.article_id, old.title_terms, old.body_terms);
      INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.article_id, new.title_terms, new.body_terms);
    END`.execute(db);
  } else if (dialect === 'postgres') {
    // Keep heap rows narrow (ids, status, popularity, TOAST pointers): matching reads the heap row
    // of every hit for its status, and with bodies inline that is a page per hit.
    await sql`ALTER TABLE search_documents SET (toast_tuple_target = 128)`.execute(db);
    await sql`ALTER TABLE search_documents ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector`.execute(db);
    await sql`CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv)`.execute(db);
    // Title terms alone: finds title matches (the ranking window's second source) without reading bodies.
    await sql`ALTER TABLE search_documents ADD COLUMN tsv_title tsvector NOT NULL DEFAULT ''::tsvector`.execute(db);
    await sql`CREATE INDEX search_documents_tsv_title ON search_documents USING GIN (tsv_title)`.execute(db);
  } else {
    await sql`CREATE FULLTEXT INDEX search_documents_ft ON search_documents (title_terms, body_terms)`.execute(db);
    await sql`CREATE FULLTEXT INDEX search_documents_ft_title ON search_documents (title_terms)`.execute(db);
    await sql`CREATE FULLTEXT INDEX search_documents_ft_body ON search_documents (body_terms)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    await sql`DROP TABLE IF EXISTS search_fts`.execute(db);
  }
  await db.schema.dropTable('search_terms').execute();
  await db.schema.dropTable('search_documents').execute();
}
