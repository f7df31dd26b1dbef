/**
 * Comments and replies (A43–A46 for the app, M21–M25 for the media platform). Two levels: a
 * comment belongs to an article (`parent_id` null), a reply to a top-level comment; a reply to a
 * reply is stored under the top-level comment it was made in.
 *
 * Counters: an article's `comment_count` counts visible comments and replies; a comment's
 * `reply_count` its visible replies, `like_count` its likes. They move through the counter
 * service only when a row really changed (an insert, a like row inserted or deleted, a soft delete
 * that affected the row), so retries and races never double-count.
 *
 * Content is plain text: stored exactly as typed and returned as a JSON string. Nothing here
 * produces HTML; whoever renders comments into HTML must escape them there.
 */
import type { Clock } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/events.js';
import { assertOwner } from '../../platform/http/access.js';
import { badRequest, forbidden, invalidField } from '../../platform/http/errors.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { CounterChange, CounterService } from '../counters/counter.service.js';
import {
  CommentStatus,
  isVisibleArticle,
  type CommentArticle,
  type CommentList,
  type CommentRepository,
  type CommentRow,
  type ListPosition,
  type StoredComment,
} from './comment.repository.js';

/** Longest comment, in characters (code points). The app itself stops at 50. */
export const COMMENT_MAX_CHARS = 500;
/** Contract §1.6: limit 10–50, default 10; out-of-range values are clamped. */
export const COMMENT_PAGE = { min: 10, max: 50, fallback: 10 } as const;

const INVALID_ARTICLE = 'Invalid article.';
const INVALID_TARGET = 'Invalid target comment id.';
const DENIED = 'Article denied comment.';
const MAX_ID = (1n << 63n) - 1n;

export interface CommentView extends CommentRow {
  isLiking: boolean;
}

export interface ListRequest {
  /** `a`: the comments of article `source`; `c`: the replies of comment `source`. Anything else is a 400. */
  type: string | undefined;
  source: bigint;
  /** The cursor (`last_id` of the previous page); undefined = from the start. */
  offset?: bigint;
  limit?: number;
  /** Signed-in reader, for `is_liking`. */
  viewerId?: bigint;
  /**
   * MP (M22): the list must belong to one of this user's articles (403 otherwise), and an unknown
   * source is a 400 instead of an empty list.
   */
  ownerId?: bigint;
}

export interface CommentPage {
  totalCount: number;
  endId: bigint | null;
  lastId: bigint | null;
  rows: CommentView[];
  /** The article the list belongs to; null when the source is unknown or not visible. */
  article: CommentArticle | null;
}

export interface CreateRequest {
  userId: bigint;
  /** The article id (comment) or the comment id (reply). */
  target: bigint;
  /** Absent: a comment on article `target`; present: a reply to comment `target` in this article. */
  articleId?: bigint;
  content: string;
  /** MP (M23): only the article's author may write here (403 otherwise). */
  ownerOnly?: boolean;
}

export interface Created {
  comment: CommentView;
  target: bigint;
  articleId: bigint;
}

/** Rejects what can never be a comment; returns nothing because the text is stored as typed. */
export function checkContent(content: string): void {
  if (content.trim() === '') throw badRequest('Empty content.');
  if ([...content].length > COMMENT_MAX_CHARS)
    throw invalidField('content', `must be at most ${COMMENT_MAX_CHARS} characters`);
  // PostgreSQL text cannot hold NUL; refusing it everywhere keeps the three databases alike.
  if (content.includes('\u0000')) throw invalidField('content', 'must not contain NUL characters');
}

export function clampLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? COMMENT_PAGE.fallback, COMMENT_PAGE.min), COMMENT_PAGE.max);
}

/** A cursor as sent (digits of any length, or an integer); values past the id range read as the largest id. */
export function parseCursor(value: string | number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const n = BigInt(value);
  return n > MAX_ID ? MAX_ID : n;
}

/**
 * Soft-deletes a comment inside the caller's transaction; a top-level comment takes its replies
 * with it, since nobody could reach them any more. Returns how many rows this call deleted (0 when
 * the comment was deleted already, so only one of two racing deletes moves the counters) and the
 * counter changes that go with them. Shared by the author's delete (M24) and the staff's.
 */
export async function deleteThread(
  repo: CommentRepository,
  comment: Pick<StoredComment, 'id' | 'article_id' | 'parent_id'>,
): Promise<{ removed: number; changes: CounterChange[] }> {
  if ((await repo.softDelete({ id: comment.id })) === 0) return { removed: 0, changes: [] };
  const changes: CounterChange[] = [];
  let removed = 1;
  if (comment.parent_id === null) removed += await repo.softDelete({ parentId: comment.id });
  else changes.push({ entity: 'comment', id: comment.parent_id, field: 'reply_count', by: -1 });
  changes.push({ entity: 'article', id: comment.article_id, field: 'comment_count', by: -removed });
  return { removed, changes };
}

export function createCommentService(deps: {
  comments: CommentRepository;
  counters: CounterService;
  events: EventBus;
  ids: IdGenerators;
  clock: Clock;
}) {
  const { comments, counters, events, ids, clock } = deps;

  const withCounts = (rows: CommentRow[]) => counters.overlay('comment', rows, ['like_count', 'reply_count']);

  async function withLikes(rows: CommentRow[], viewerId: bigint | undefined): Promise<CommentView[]> {
    const liked =
      viewerId === undefined
        ? new Set<bigint>()
        : await comments.likedAmong(
            viewerId,
            rows.map((r) => r.id),
          );
    return rows.map((row) => ({ ...row, isLiking: liked.has(row.id) }));
  }

  /** The list a request denotes and its article, or null when either is unknown or not visible. */
  async function resolveList(
    type: 'a' | 'c',
    source: bigint,
  ): Promise<{ list: CommentList; article: CommentArticle } | null> {
    if (type === 'a') {
      const article = await comments.findArticle(source);
      return isVisibleArticle(article) ? { list: { articleId: source, parentId: null }, article } : null;
    }
    const parent = await comments.find(source);
    if (!parent || parent.status !== CommentStatus.visible || parent.parent_id !== null) return null;
    const article = await comments.findArticle(parent.article_id);
    return isVisibleArticle(article) ? { list: { parentId: source }, article } : null;
  }

  /** A visible comment on a visible article, or a 400 naming the target. */
  async function visibleComment(id: bigint, message: string | Record<string, string> = INVALID_TARGET) {
    const comment = await comments.find(id);
    if (!comment || comment.status !== CommentStatus.visible) throw badRequest(message);
    const article = await comments.findArticle(comment.article_id);
    if (!isVisibleArticle(article)) throw badRequest(message);
    return { comment, article };
  }

  /** A comment on one of `ownerId`'s articles (MP). Deleted comments only when `allowDeleted`. */
  async function ownedComment(
    id: bigint,
    ownerId: bigint,
    allowDeleted = false,
  ): Promise<{ comment: StoredComment; article: CommentArticle }> {
    const comment = await comments.find(id);
    if (!comment || (!allowDeleted && comment.status !== CommentStatus.visible)) throw badRequest(INVALID_TARGET);
    const article = await comments.findArticle(comment.article_id);
    assertOwner(article, ownerId);
    return { comment, article };
  }

  return {
    /**
     * A43 / M22. Order: pinned first, then newest first, i.e. (is_top desc, id desc). The cursor is
     * a com_id: the page holds the items strictly after it. A cursor that is not an item of this
     * list (the apps' helpers send page numbers 1, 2…) reads as an unpinned position with that id,
     * so small numbers give an empty page and a huge one the unpinned tail; it is never an error.
     * `total_count` counts what the list holds: visible top-level comments (type a) or visible
     * replies (type c).
     */
    async list(request: ListRequest): Promise<CommentPage> {
      const { type } = request;
      if (type !== 'a' && type !== 'c') throw invalidField('type', 'Invalid type param.');
      const limit = clampLimit(request.limit);
      const resolved = await resolveList(type, request.source);
      if (request.ownerId !== undefined) {
        if (!resolved) throw badRequest(type === 'a' ? INVALID_ARTICLE : INVALID_TARGET);
        assertOwner(resolved.article, request.ownerId);
      }
      if (!resolved) return { totalCount: 0, endId: null, lastId: null, rows: [], article: null };

      const { list, article } = resolved;
      let after: ListPosition | null = null;
      if (request.offset !== undefined) {
        after = (await comments.positionIn(list, request.offset)) ?? { isTop: 0, id: request.offset };
      }
      const [rows, totalCount, endId] = await Promise.all([
        comments.page(list, after, limit),
        comments.count(list),
        comments.lastId(list),
      ]);
      const views = await withLikes(await withCounts(rows), request.viewerId);
      return { totalCount, endId, lastId: views.at(-1)?.id ?? null, rows: views, article };
    },

    /** A visible top-level comment with its counts (the head of a page of its replies), or null. */
    async topLevel(commentId: bigint, viewerId?: bigint): Promise<CommentView | null> {
      const target = await comments.find(commentId);
      if (!target || target.status !== CommentStatus.visible || target.parent_id !== null) return null;
      const row = await comments.one(commentId);
      if (!row) return null;
      const [view] = await withLikes(await withCounts([row]), viewerId);
      return view ?? null;
    },

    /**
     * A44 / M23. A comment on an article, or (with `articleId`) a reply to comment `target` of that
     * article; a reply to a reply goes under its top-level comment. Comments are not idempotent:
     * the same text twice is two comments.
     */
    async create(request: CreateRequest): Promise<Created> {
      checkContent(request.content);
      const articleId = request.articleId ?? request.target;
      const article = await comments.findArticle(articleId);
      if (!isVisibleArticle(article)) throw badRequest(INVALID_ARTICLE);
      if (request.ownerOnly) assertOwner(article, request.userId);
      if (article.allow_comment !== 1) throw forbidden(DENIED, 'comments_closed');

      let parentId: bigint | null = null;
      if (request.articleId !== undefined) {
        const target = await comments.find(request.target);
        if (!target || target.status !== CommentStatus.visible || target.article_id !== articleId)
          throw badRequest(INVALID_TARGET);
        parentId = target.parent_id ?? target.id;
        if (target.parent_id !== null) {
          const top = await comments.find(target.parent_id);
          if (!top || top.status !== CommentStatus.visible) throw badRequest(INVALID_TARGET);
        }
      }

      const id = ids.content();
      const at = clock.now();
      await counters.write(async (trx) => {
        await comments.inTransaction(trx).insert({
          id,
          article_id: articleId,
          user_id: request.userId,
          parent_id: parentId,
          content: request.content,
          created_at: at,
        });
        const changes: CounterChange[] = [{ entity: 'article', id: articleId, field: 'comment_count', by: 1 }];
        if (parentId !== null) changes.push({ entity: 'comment', id: parentId, field: 'reply_count', by: 1 });
        return { value: null, changes };
      });
      events.publish('comment.created', {
        actorId: request.userId,
        articleId,
        authorId: article.user_id,
        commentId: id,
        parentId,
        at,
      });

      const row = await comments.one(id);
      if (!row) throw new Error(`comment ${id} not found right after its insert`);
      return { comment: { ...row, isLiking: false }, target: request.target, articleId };
    },

    /** A45 / M26. Idempotent: like_count moves only when the like row is new. */
    async like(userId: bigint, commentId: bigint): Promise<void> {
      await visibleComment(commentId, { target: INVALID_TARGET });
      await counters.write(async (trx) => {
        const liked = await comments.inTransaction(trx).like(userId, commentId, clock.now());
        return { value: null, changes: [{ entity: 'comment', id: commentId, field: 'like_count', by: liked ? 1 : 0 }] };
      });
    },

    /** A46 / M27. Idempotent: unliking what is not liked (or unknown) changes nothing. */
    async unlike(userId: bigint, commentId: bigint): Promise<void> {
      await counters.write(async (trx) => {
        const unliked = await comments.inTransaction(trx).unlike(userId, commentId);
        return {
          value: null,
          changes: [{ entity: 'comment', id: commentId, field: 'like_count', by: unliked ? -1 : 0 }],
        };
      });
    },

    /**
     * M24: the article's author deletes a comment or a reply (soft delete; deleting again is a
     * no-op). Deleting a top-level comment also deletes its replies, since nobody could reach them
     * any more; the article's comment_count drops by all of them. Deleting a reply lowers its
     * parent's reply_count.
     */
    async remove(ownerId: bigint, commentId: bigint): Promise<void> {
      const { comment } = await ownedComment(commentId, ownerId, true);
      await counters.write(async (trx) => ({
        value: null,
        changes: (await deleteThread(comments.inTransaction(trx), comment)).changes,
      }));
    },

    /** M25: pin or unpin a comment (or a reply within its list). */
    async setSticky(ownerId: bigint, commentId: bigint, sticky: boolean): Promise<void> {
      await ownedComment(commentId, ownerId);
      await comments.setTop(commentId, sticky);
    },

    /** M21: open or close comments on one of the caller's approved articles. */
    async setAllowComment(ownerId: bigint, articleId: bigint, allow: boolean): Promise<void> {
      const article = await comments.findArticle(articleId);
      if (!isVisibleArticle(article) || article.user_id !== ownerId) throw badRequest('Invalid article status.');
      await comments.setAllowComment(articleId, allow, clock.now());
    },
  };
}

export type CommentService = ReturnType<typeof createCommentService>;
