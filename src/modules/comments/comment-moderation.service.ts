/**
 * Comments as staff see them (issue 15): search, delete, close or open an article's comments, and
 * readers' reports of comments with their dismissal. Every staff change writes an audit entry in
 * the change's own transaction, so the log and the data never disagree. The admin API
 * (comment-moderation.routes.ts) and the console both come here.
 */
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { badRequest, conflict, notFound } from '../../platform/http/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CounterService } from '../counters/counter.service.js';
import { REPORT_REMARK_MAX, REPORT_TYPE_OTHER } from '../engagement/collection.service.js';
import type { CommentModerationRepository, CommentSearch, FoundComment } from './comment-moderation.repository.js';
import { CommentStatus, isVisibleArticle, type CommentRepository } from './comment.repository.js';
import { deleteThread } from './comment.service.js';

const INVALID_TARGET = 'Invalid target comment id.';
const UNKNOWN_COMMENT = 'Unknown comment.';
const UNKNOWN_ARTICLE = 'Unknown article.';

export interface SearchPage {
  rows: FoundComment[];
  /** The keyset of the next (older) page, or null at the end. */
  next: bigint | null;
}

export interface ReportGroup {
  commentId: bigint;
  articleId: bigint;
  articleTitle: string;
  authorId: bigint;
  authorName: string;
  content: string;
  createdAt: number;
  count: number;
  latest: number;
  /** How many reports of each type (0–8). */
  types: Record<number, number>;
  /** The type-0 remarks that are not empty. */
  remarks: string[];
}

export function createCommentModerationService(deps: {
  db: Db;
  comments: CommentRepository;
  moderation: CommentModerationRepository;
  counters: CounterService;
  audit: AuditService;
  clock: Clock;
}) {
  const { db, comments, moderation, counters, audit, clock } = deps;

  return {
    async search(filter: CommentSearch, perPage: number): Promise<SearchPage> {
      const rows = await moderation.search(filter, perPage);
      const more = rows.length > perPage;
      if (more) rows.length = perPage;
      return { rows, next: more ? rows[rows.length - 1]!.id : null };
    },

    /** Reported comments grouped by comment, most reported first; `more` when a next page exists. */
    async reported(offset: number, perPage: number): Promise<{ rows: ReportGroup[]; more: boolean }> {
      const groups = await moderation.reportGroups(offset, perPage);
      const more = groups.length > perPage;
      if (more) groups.length = perPage;
      const reasons = await moderation.reasons(groups.map((g) => g.comment_id));
      const rows = groups.map((g) => {
        const mine = reasons.filter((r) => r.comment_id === g.comment_id);
        const types: Record<number, number> = {};
        for (const r of mine) types[r.type] = (types[r.type] ?? 0) + 1;
        return {
          commentId: g.comment_id,
          articleId: g.article_id,
          articleTitle: g.article_title,
          authorId: g.user_id,
          authorName: g.aut_name,
          content: g.content,
          createdAt: g.created_at,
          count: g.reports,
          latest: g.latest,
          types,
          remarks: mine.map((r) => r.remark).filter(Boolean),
        };
      });
      return { rows, more };
    },

    /**
     * A reader reports a visible comment on a visible article: once per reader and comment (409
     * on the second), the remark kept for type 0 only, as article reports (A42).
     */
    async report(userId: bigint, commentId: bigint, type: number, remark: string | undefined): Promise<void> {
      const comment = await comments.find(commentId);
      if (!comment || comment.status !== CommentStatus.visible) throw badRequest({ target: INVALID_TARGET });
      if (!isVisibleArticle(await comments.findArticle(comment.article_id))) {
        throw badRequest({ target: INVALID_TARGET });
      }
      const kept = type === REPORT_TYPE_OTHER ? (remark ?? '').trim().slice(0, REPORT_REMARK_MAX) : '';
      if (!(await moderation.insertReport(userId, commentId, type, kept, clock.now()))) {
        throw conflict('User has reported this comment.');
      }
    },

    /**
     * Staff delete a comment (soft, with its replies for a top-level one, counters moved as the
     * author's delete moves them); its reports go too, being answered. Deleting a deleted comment
     * changes nothing and logs nothing; an unknown one is a 404.
     */
    async remove(actorId: bigint, commentId: bigint): Promise<{ removed: number }> {
      const comment = await comments.find(commentId);
      if (!comment) throw notFound(UNKNOWN_COMMENT);
      return counters.write(async (trx) => {
        const { removed, changes } = await deleteThread(comments.inTransaction(trx), comment);
        if (removed === 0) return { value: { removed }, changes };
        const reports = await moderation.deleteReports(commentId, trx);
        await audit.record(
          {
            actorId,
            action: 'comment.delete',
            targetType: 'comment',
            targetId: commentId,
            before: { status: 'visible', articleId: comment.article_id, authorId: comment.user_id, reports },
            after: { status: 'deleted', replies: removed - 1 },
          },
          trx,
        );
        return { value: { removed }, changes };
      });
    },

    /** Staff open or close comments on any article (the author's own switch is M21). */
    async setAllowComment(actorId: bigint, articleId: bigint, allow: boolean): Promise<void> {
      const article = await comments.findArticle(articleId);
      if (!article || article.deleted_at !== null) throw notFound(UNKNOWN_ARTICLE);
      const was = article.allow_comment === 1;
      if (was === allow) return;
      await db.transaction().execute(async (trx) => {
        await comments.inTransaction(trx).setAllowComment(articleId, allow, clock.now());
        await audit.record(
          {
            actorId,
            action: allow ? 'article.comments-open' : 'article.comments-close',
            targetType: 'article',
            targetId: articleId,
            before: { allowComment: was },
            after: { allowComment: allow },
          },
          trx,
        );
      });
    },

    /** Staff found nothing wrong: the comment's reports are removed; how many there were. */
    async dismissReports(actorId: bigint, commentId: bigint): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const dismissed = await moderation.deleteReports(commentId, trx);
        if (dismissed > 0) {
          await audit.record(
            {
              actorId,
              action: 'comment.dismiss-reports',
              targetType: 'comment',
              targetId: commentId,
              before: { reports: dismissed },
              after: { reports: 0 },
            },
            trx,
          );
        }
        return dismissed;
      });
    },
  };
}

export type CommentModerationService = ReturnType<typeof createCommentModerationService>;
