/**
 * Articles and their bodies (migration 0001-foundation; 0004-media-platform adds review and price columns, see ../review/review.tables.ts).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { Counter, Flag } from '../../platform/db/schema.js';

export interface ArticlesTable {
  id: bigint;
  user_id: bigint;
  channel_id: bigint;
  title: string;
  /** 0, 1 or 3 (contract §1.9); -1 (auto) is resolved before storing. */
  cover_type: number;
  /** JSON array of storage keys or absolute URLs, exactly cover_type long. */
  cover_images: string;
  status: number;
  is_top: Flag;
  allow_comment: ColumnType<number, number | undefined, number>;
  reject_reason: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
  deleted_at: number | null;
  read_count: Counter;
  like_count: Counter;
  dislike_count: Counter;
  comment_count: Counter;
  collect_count: Counter;
  share_count: Counter;
  // Added by migration 0004-media-platform:
  /** Price in integer cents; 0 = free (the payments feature reads it). */
  price_cents: ColumnType<number, number | undefined, number>;
  /**
   * JSON array of the sensitive words found in the title and text when the article was last
   * written; null when none. Moderators see it; the auto review policy holds flagged articles.
   */
  review_flags: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ArticleContentsTable {
  article_id: bigint;
  content: string;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    articles: ArticlesTable;
    article_contents: ArticleContentsTable;
  }
}

export type ArticleRow = Selectable<ArticlesTable>;
export type NewArticle = Insertable<ArticlesTable>;
