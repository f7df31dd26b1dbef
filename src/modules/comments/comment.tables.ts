/**
 * Comments, replies and their likes (migration 0003-community); reports of comments (0014-comment-reports).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { ColumnType } from 'kysely';
import type { Counter, Flag, Pair } from '../../platform/db/schema.js';

export interface CommentsTable {
  id: bigint;
  article_id: bigint;
  user_id: bigint;
  /** null: a comment on the article; else the top-level comment this replies to. */
  parent_id: bigint | null;
  content: string;
  like_count: Counter;
  reply_count: Counter;
  is_top: Flag;
  /** 1 visible, 0 deleted. */
  status: ColumnType<number, number | undefined, number>;
  created_at: number;
}

export type CommentLikesTable = Pair<'user_id', 'comment_id'>;

/** A reader's report of a comment (migration 0014-comment-reports): once per user and comment. */
export type CommentReportsTable = Pair<'comment_id', 'user_id'> & {
  /** 0–8 as for articles (0 其他问题 … 8 侵权). */
  type: number;
  /** Kept for type 0 only. */
  remark: ColumnType<string, string | undefined, string>;
};

declare module '../../platform/db/schema.js' {
  interface Database {
    comments: CommentsTable;
    comment_likes: CommentLikesTable;
    comment_reports: CommentReportsTable;
  }
}
