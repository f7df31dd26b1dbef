import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore } from '../../platform/db/dialect.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import { type ArticleRow } from '../articles/article.tables.js';
import { type CommentsTable } from './comment.tables.js';

export const CommentStatus = { deleted: 0, visible: 1 } as const;

type Comment = Selectable<CommentsTable>;

/** A comment with what the Comment shape needs of its author. */
export type CommentRow = Omit<Comment, 'status'> & { aut_name: string; aut_photo: string | null };

/** What the rules need to know about the article a comment lives on. */
export type CommentArticle = Pick<
  ArticleRow,
  'id' | 'user_id' | 'title' | 'status' | 'allow_comment' | 'published_at' | 'created_at' | 'deleted_at'
>;

/** A comment as the rules see it, whatever its status. */
export type StoredComment = Pick<Comment, 'id' | 'article_id' | 'user_id' | 'parent_id' | 'is_top' | 'status'>;

/** One list: the top-level comments of an article, or the replies of a comment. */
export type CommentList = { articleId: bigint; parentId: null } | { articleId?: undefined; parentId: bigint };

/** A position in the list order (is_top desc, id desc). */
export interface ListPosition {
  isTop: number;
  id: bigint;
}

const COLUMNS = [
  'c.id',
  'c.article_id',
  'c.user_id',
  'c.parent_id',
  'c.content',
  'c.like_count',
  'c.reply_count',
  'c.is_top',
  'c.created_at',
  'u.name as aut_name',
  'u.photo as aut_photo',
] as const;

export function createCommentRepository(db: Db) {
  const inList = (list: CommentList) => {
    const q = db.selectFrom('comments as c').where('c.status', '=', CommentStatus.visible);
    return list.parentId === null
      ? q.where('c.article_id', '=', list.articleId).where('c.parent_id', 'is', null)
      : q.where('c.parent_id', '=', list.parentId);
  };

  return {
    /** The same queries inside `trx` (a comment or like row and its counters commit together). */
    inTransaction: (trx: Db) => createCommentRepository(trx),

    findArticle(id: bigint): Promise<CommentArticle | undefined> {
      return db
        .selectFrom('articles')
        .select(['id', 'user_id', 'title', 'status', 'allow_comment', 'published_at', 'created_at', 'deleted_at'])
        .where('id', '=', id)
        .executeTakeFirst();
    },

    /** A comment whatever its status. */
    find(id: bigint): Promise<StoredComment | undefined> {
      return db
        .selectFrom('comments')
        .select(['id', 'article_id', 'user_id', 'parent_id', 'is_top', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
    },

    /** The list position of `id` when it belongs to `list` (deleted items keep their place as cursors). */
    async positionIn(list: CommentList, id: bigint): Promise<ListPosition | undefined> {
      let q = db.selectFrom('comments').select(['id', 'is_top']).where('id', '=', id);
      q =
        list.parentId === null
          ? q.where('article_id', '=', list.articleId).where('parent_id', 'is', null)
          : q.where('parent_id', '=', list.parentId);
      const row = await q.executeTakeFirst();
      return row ? { isTop: row.is_top, id: row.id } : undefined;
    },

    /** Items strictly after `after` in the order pinned first, then newest first (keyset on is_top desc, id desc). */
    page(list: CommentList, after: ListPosition | null, limit: number): Promise<CommentRow[]> {
      let q = inList(list).innerJoin('users as u', 'u.id', 'c.user_id').select(COLUMNS);
      if (after) {
        q =
          after.isTop > 0
            ? q.where((eb) =>
                eb.or([eb('c.is_top', '=', 0), eb.and([eb('c.is_top', '=', 1), eb('c.id', '<', after.id)])]),
              )
            : q.where('c.is_top', '=', 0).where('c.id', '<', after.id);
      }
      return q.orderBy('c.is_top', 'desc').orderBy('c.id', 'desc').limit(limit).execute();
    },

    async count(list: CommentList): Promise<number> {
      const row = await inList(list)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** The id of the last item of the whole list. */
    async lastId(list: CommentList): Promise<bigint | null> {
      const row = await inList(list)
        .select('c.id')
        .orderBy('c.is_top', 'asc')
        .orderBy('c.id', 'asc')
        .limit(1)
        .executeTakeFirst();
      return row?.id ?? null;
    },

    async one(id: bigint): Promise<CommentRow | undefined> {
      return db
        .selectFrom('comments as c')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select(COLUMNS)
        .where('c.id', '=', id)
        .executeTakeFirst();
    },

    async insert(row: {
      id: bigint;
      article_id: bigint;
      user_id: bigint;
      parent_id: bigint | null;
      content: string;
      created_at: number;
    }): Promise<void> {
      await db.insertInto('comments').values(row).execute();
    },

    /** Which of `commentIds` the user likes. */
    async likedAmong(userId: bigint, commentIds: bigint[]): Promise<Set<bigint>> {
      if (commentIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('comment_likes')
        .select('comment_id')
        .where('user_id', '=', userId)
        .where('comment_id', 'in', commentIds)
        .execute();
      return new Set(rows.map((r) => r.comment_id));
    },

    /** True when a like row was really inserted (false: it already existed). */
    async like(userId: bigint, commentId: bigint, at: number): Promise<boolean> {
      const result = await onConflictIgnore(
        db,
        db.insertInto('comment_likes').values({ user_id: userId, comment_id: commentId, created_at: at }),
        ['user_id', 'comment_id'],
      ).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    /** True when a like row was really removed. */
    async unlike(userId: bigint, commentId: bigint): Promise<boolean> {
      const result = await db
        .deleteFrom('comment_likes')
        .where('user_id', '=', userId)
        .where('comment_id', '=', commentId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /**
     * Soft-deletes a visible comment (`id`) or the visible replies of one (`parentId`); returns how
     * many rows this call changed, so only one of two racing deletes moves the counters.
     */
    async softDelete(which: { id: bigint } | { parentId: bigint }): Promise<number> {
      const q = db
        .updateTable('comments')
        .set({ status: CommentStatus.deleted })
        .where('status', '=', CommentStatus.visible);
      const result = await (
        'id' in which ? q.where('id', '=', which.id) : q.where('parent_id', '=', which.parentId)
      ).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async setTop(id: bigint, isTop: boolean): Promise<void> {
      await db
        .updateTable('comments')
        .set({ is_top: isTop ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    },

    async setAllowComment(articleId: bigint, allow: boolean, at: number): Promise<void> {
      await db
        .updateTable('articles')
        .set({ allow_comment: allow ? 1 : 0, updated_at: at })
        .where('id', '=', articleId)
        .execute();
    },

    author(userId: bigint): Promise<{ name: string; photo: string | null } | undefined> {
      return db.selectFrom('users').select(['name', 'photo']).where('id', '=', userId).executeTakeFirst();
    },
  };
}

/** Approved and not deleted: the only articles whose comments readers see or write. */
export function isVisibleArticle(article: CommentArticle | undefined): article is CommentArticle {
  return article !== undefined && article.status === ArticleStatus.approved && article.deleted_at === null;
}

export type CommentRepository = ReturnType<typeof createCommentRepository>;
