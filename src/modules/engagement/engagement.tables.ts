/**
 * A reader's likes, collections, reports, reading history and read telemetry (migration 0003-community).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { ColumnType } from 'kysely';
import type { Counter, Pair } from '../../platform/db/schema.js';

export type CollectionsTable = Pair<'user_id', 'article_id'>;

export type AttitudesTable = Pair<'user_id', 'article_id'> & {
  /** 1 like, 0 dislike. */
  attitude: number;
  updated_at: number;
};

export type ReportsTable = Pair<'user_id', 'article_id'> & {
  type: number;
  remark: ColumnType<string, string | undefined, string>;
};

export type ReadingHistoryTable = Pair<'user_id', 'article_id'> & { read_at: number };

export interface ArticleReadsTable {
  id: bigint;
  article_id: bigint;
  user_id: bigint | null;
  /** recommend | channel | relation | search | other */
  source: ColumnType<string, string | undefined, string>;
  duration_seconds: Counter;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    attitudes: AttitudesTable;
    collections: CollectionsTable;
    reports: ReportsTable;
    reading_history: ReadingHistoryTable;
    article_reads: ArticleReadsTable;
  }
}
