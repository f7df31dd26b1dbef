/**
 * Tables added by the search feature (migration 0005-search). Kept in their own file so each
 * feature's schema changes stay in one place; `Database` in ../schema.ts extends this.
 */
import type { ColumnType } from 'kysely';

/**
 * One row per indexed article (every status except deleted and banned: MP search sees its author's
 * drafts too; app search filters on status 2). `title_terms` / `body_terms` hold the analysed terms
 * joined by single spaces, in the form the database's full-text index reads them: the terms
 * themselves on SQLite (FTS5 external-content table `search_fts` over these two columns) and
 * PostgreSQL (plus a `tsv tsvector` column with a GIN index, written by the adapter), and
 * hex-encoded terms on MySQL/MariaDB (FULLTEXT indexes; see platform/search/mysql-engine.ts).
 */
export interface SearchDocumentsTable {
  article_id: bigint;
  user_id: bigint;
  status: number;
  published_at: number | null;
  popularity: ColumnType<number, number | undefined, number>;
  /** Plain-text title and body (body cut at MAX_BODY_CHARS): what highlights and snippets are cut from. */
  title: string;
  body: string;
  title_terms: string;
  body_terms: string;
  /** ms, when the row was last written. */
  indexed_at: number;
}

/**
 * The title vocabulary of visible articles, rebuilt by a scheduled job: spelling correction
 * (edit distance) and pinyin correction (北京 ← beijing) read it into memory.
 */
export interface SearchTermsTable {
  term: string;
  /** Visible articles whose title has the term. */
  df: number;
  /** Toneless pinyin without separators for Han terms, '' for others. */
  pinyin: ColumnType<string, string | undefined, string>;
}

export interface SearchTables {
  search_documents: SearchDocumentsTable;
  search_terms: SearchTermsTable;
}
