/**
 * Moderation (Inkstone's own /admin/v1_0 paths): users whose role is moderator or admin review
 * what authors submit. Every decision is logged (who, when, from which status to which, why) in
 * the transaction that changes the article, and the article module's effects follow: the app's
 * caches drop it (the 'article.changed' event) and the author's art_count moves when it enters or
 * leaves the approved status.
 *
 * Decisions and the statuses they apply to (anything else is a 409):
 * - approve: pending, rejected (overturn) or banned (lift) → approved. published_at is set on the
 *   first approval only: re-approving keeps the original date.
 * - reject (a reason is required): pending, or approved (take down) → rejected.
 * - ban (reason optional): draft, pending, approved or rejected → banned (5; hidden from the author).
 * Deleted articles (4) are the author's; they are not moderated.
 */
import { ArticleStatus } from '../articles/article.read-model.js';
import type { ModerationDecision } from '../review/review.tables.js';
import { invalidField } from '../../platform/http/errors.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { MpArticleService } from '../mp-articles/mp-article.service.js';
import type { DecisionRow, ModerationRepository } from '../review/review.repository.js';

export const REASON_MAX = 255;

export const TRANSITIONS: Record<ModerationDecision, { from: readonly number[]; to: number }> = {
  approve: { from: [ArticleStatus.pending, ArticleStatus.rejected, ArticleStatus.banned], to: ArticleStatus.approved },
  reject: { from: [ArticleStatus.pending, ArticleStatus.approved], to: ArticleStatus.rejected },
  ban: {
    from: [ArticleStatus.draft, ArticleStatus.pending, ArticleStatus.approved, ArticleStatus.rejected],
    to: ArticleStatus.banned,
  },
};

/** What a moderator may list: everything submitted (drafts and deleted articles are the author's). */
export const QUEUE_STATUSES = new Set<number>([
  ArticleStatus.pending,
  ArticleStatus.approved,
  ArticleStatus.rejected,
  ArticleStatus.banned,
]);

export interface DecisionResult {
  id: bigint;
  articleId: bigint;
  decision: ModerationDecision;
  reason: string | null;
  fromStatus: number;
  status: number;
  at: number;
}

export function createModerationService(deps: {
  articles: MpArticleService;
  decisions: ModerationRepository;
  ids: IdGenerators;
}) {
  const { articles, decisions, ids } = deps;

  return {
    /** The review queue (default: pending), oldest submission first. */
    async queue(query: { statuses?: number[]; page?: number; perPage?: number }) {
      const statuses =
        query.statuses && query.statuses.length > 0 ? [...new Set(query.statuses)] : [ArticleStatus.pending];
      if (statuses.some((s) => !QUEUE_STATUSES.has(s)))
        throw invalidField('status', 'must be 1 pending, 2 approved, 3 rejected or 5 banned');
      return articles.reviewQueue(statuses, query);
    },

    /** One article as a moderator reviews it: content, flags and the decision history. */
    async detail(articleId: bigint): Promise<{
      article: Awaited<ReturnType<MpArticleService['forReview']>>;
      history: (DecisionRow & { moderator_name: string | null })[];
    }> {
      const article = await articles.forReview(articleId);
      return { article, history: await decisions.forArticle(articleId) };
    },

    /**
     * Approve, reject or ban; the decision is logged with the status change. With `version` (the
     * article's `version` from the detail), a decision about content that changed since is a 409,
     * so nobody approves an edit they have not seen.
     */
    async decide(
      moderatorId: bigint,
      articleId: bigint,
      decision: ModerationDecision,
      rawReason: string | undefined,
      version?: number,
    ): Promise<DecisionResult> {
      const transition = TRANSITIONS[decision];
      if (!transition) throw invalidField('decision', 'must be approve, reject or ban');
      const reason = rawReason?.trim() || null;
      if (decision === 'reject' && reason === null) throw invalidField('reason', 'is required to reject an article');
      if (reason !== null && [...reason].length > REASON_MAX)
        throw invalidField('reason', `must be at most ${REASON_MAX} characters`);

      const id = ids.content();
      let at = 0;
      const result = await articles.moderate(articleId, {
        from: transition.from,
        to: transition.to,
        reason,
        version,
        record: (trx, fromStatus, when) => {
          at = when;
          return decisions.insert(trx, {
            id,
            article_id: articleId,
            moderator_id: moderatorId,
            decision,
            reason,
            from_status: fromStatus,
            to_status: transition.to,
            created_at: when,
          });
        },
      });
      return { id, articleId, decision, reason, fromStatus: result.from, status: result.to, at };
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
