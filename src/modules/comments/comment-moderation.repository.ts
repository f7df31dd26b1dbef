/**
 * The staff's queries over comments: the search (newest first, keyset on id) and readers' reports
 * of comments (table comment_reports, migration 0014-comment-reports). Who reported is stored for
 * the once-per-reader rule only: nothing here returns it.
 */
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore } from '../../platform/db/dialect.js';
import { CommentStatus } from './comment.repository.js';

export interface CommentSearch {
  /** A fragment of the text (LIKE wildcards are taken literally: they are removed). */
  text?: string;
  articleId?: bigint;
  authorId?: bigint;
  /** Keyset: comments older than this id (ids are time-ordered). */
  before?: bigint;
}

export interface FoundComment {
  id: bigint;
  article_id: bigint;
  parent_id: bigint | null;
  user_id: bigint;
  content: string;
  created_at: number;
  article_title: string;
  allow_comment: number;
  aut_name: string;
  reports: number;
}

export interface ReportGroupRow {
  comment_id: bigint;
  reports: number;
  latest: number;
  article_id: bigint;
  article_title: string;
  user_id: bigint;
  aut_name: string;
  content: string;
  created_at: number;
}

export interface ReportReason {
  comment_id: bigint;
  type: number;
  remark: string;
}

/** A fragment with LIKE's wildcards and escape removed (as the console's user search does). */
export const likeFragment = (text: string) => text.replace(/[\\%_]/g, '');

export function createCommentModerationRepository(db: Db) {
  return {
    /**
     * Visible comments matching every filter given, newest first, `limit` + 1 rows (the caller
     * learns whether there is more). By article or by author the `comments_article_time` and
     * `comments_author_time` indexes give the order; a text-only search walks the primary key
     * from the newest comment and stops at the page's size.
     */
    search(filter: CommentSearch, limit: number): Promise<FoundComment[]> {
      let q = db
        .selectFrom('comments as c')
        .innerJoin('articles as a', 'a.id', 'c.article_id')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select((eb) => [
          'c.id',
          'c.article_id',
          'c.parent_id',
          'c.user_id',
          'c.content',
          'c.created_at',
          'a.title as article_title',
          'a.allow_comment',
          'u.name as aut_name',
          eb
            .selectFrom('comment_reports as r')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('r.comment_id', '=', 'c.id')
            .as('reports'),
        ])
        .where('c.status', '=', CommentStatus.visible);
      const text = filter.text === undefined ? '' : likeFragment(filter.text);
      if (text !== '') q = q.where('c.content', 'like', `%${text}%`);
      if (filter.articleId !== undefined) q = q.where('c.article_id', '=', filter.articleId);
      if (filter.authorId !== undefined) q = q.where('c.user_id', '=', filter.authorId);
      if (filter.before !== undefined) q = q.where('c.id', '<', filter.before);
      return q
        .orderBy('c.id', 'desc')
        .limit(limit + 1)
        .execute()
        .then((rows) => rows.map((row) => ({ ...row, reports: Number(row.reports ?? 0) })));
    },

    /**
     * Reported comments, one row per comment, most reported first: `limit` + 1 rows from `offset`.
     * Reports are pending work (a deletion or a dismissal removes them), so the table stays small.
     */
    async reportGroups(offset: number, limit: number): Promise<ReportGroupRow[]> {
      const rows = await db
        .selectFrom('comment_reports as r')
        .innerJoin('comments as c', 'c.id', 'r.comment_id')
        .innerJoin('articles as a', 'a.id', 'c.article_id')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select([
          'r.comment_id',
          sql<number>`count(*)`.as('reports'),
          sql<number>`max(r.created_at)`.as('latest'),
          'c.article_id',
          'a.title as article_title',
          'c.user_id',
          'u.name as aut_name',
          'c.content',
          'c.created_at',
        ])
        .groupBy(['r.comment_id', 'c.article_id', 'a.title', 'c.user_id', 'u.name', 'c.content', 'c.created_at'])
        .orderBy(sql`count(*)`, 'desc')
        .orderBy('r.comment_id', 'desc')
        .offset(offset)
        .limit(limit + 1)
        .execute();
      return rows.map((row) => ({ ...row, reports: Number(row.reports), latest: Number(row.latest) }));
    },

    /** The types and remarks of these comments' reports (never who sent them). */
    reasons(commentIds: bigint[]): Promise<ReportReason[]> {
      if (commentIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('comment_reports')
        .select(['comment_id', 'type', 'remark'])
        .where('comment_id', 'in', commentIds)
        .execute();
    },

    /** True when the report was really stored (false: this reader had reported the comment). */
    async insertReport(userId: bigint, commentId: bigint, type: number, remark: string, at: number): Promise<boolean> {
      const result = await onConflictIgnore(
        db,
        db
          .insertInto('comment_reports')
          .values({ comment_id: commentId, user_id: userId, type, remark, created_at: at }),
        ['comment_id', 'user_id'],
      ).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    /** Removes a comment's reports (dismissed, or the comment deleted); how many there were. */
    async deleteReports(commentId: bigint, executor: Db = db): Promise<number> {
      const result = await executor
        .deleteFrom('comment_reports')
        .where('comment_id', '=', commentId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type CommentModerationRepository = ReturnType<typeof createCommentModerationRepository>;
