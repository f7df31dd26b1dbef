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
import type { AuditService } from '../audit/audit.service.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import type { ModerationDecision } from '../review/review.tables.js';
import { AppError, invalidField } from '../../platform/http/errors.js';
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
  audit: AuditService;
}) {
  const { articles, decisions, ids, audit } = deps;

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
        record: async (trx, fromStatus, when) => {
          at = when;
          await audit.record(
            {
              actorId: moderatorId,
              action: `article.${decision}`,
              targetType: 'article',
              targetId: articleId,
              before: { status: fromStatus },
              after: { status: transition.to, reason },
            },
            trx,
          );
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

    /**
     * One decision on many articles (the console's bulk actions): each is decided on its own, as
     * `decide` would, so one article that moved meanwhile (409) or is gone (404) does not stop the
     * others; it is reported beside them. The reason is checked once, before anything is written.
     */
    async decideMany(
      moderatorId: bigint,
      articleIds: readonly bigint[],
      decision: ModerationDecision,
      rawReason: string | undefined,
    ): Promise<BulkOutcome[]> {
      if (articleIds.length === 0 || articleIds.length > BULK_MAX)
        throw invalidField('targets', `must list 1 to ${BULK_MAX} articles`);
      if (decision === 'reject' && !rawReason?.trim()) throw invalidField('reason', 'is required to reject an article');
      const outcomes: BulkOutcome[] = [];
      for (const articleId of new Set(articleIds)) {
        try {
          const result = await this.decide(moderatorId, articleId, decision, rawReason);
          outcomes.push({ articleId, ok: true, status: result.status, message: null });
        } catch (error) {
          if (!(error instanceof AppError) || (error.statusCode !== 404 && error.statusCode !== 409)) throw error;
          outcomes.push({ articleId, ok: false, status: null, message: error.message });
        }
      }
      return outcomes;
    },
  };
}

/** At most this many articles per bulk decision: a page of the queue and then some. */
export const BULK_MAX = 100;

export interface BulkOutcome {
  articleId: bigint;
  ok: boolean;
  /** The article's status after the decision, when it applied. */
  status: number | null;
  /** Why it did not apply (the 404 or 409 message). */
  message: string | null;
}

export type ModerationService = ReturnType<typeof createModerationService>;
