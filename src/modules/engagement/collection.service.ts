/**
 * Collections (A39, A40) and reports (A42). A collection is one row per user and article;
 * collecting again while collected changes nothing (idempotent), and collecting after a removal
 * inserts a fresh row, so the article comes back at the top of the list with a new time. The
 * article's collect_count moves only when a row really appeared or disappeared, in its transaction.
 */
import { badRequest, conflict } from '../../platform/http/errors.js';
import { INVALID_ARTICLE } from './attitude.service.js';
import type { EngagementDeps } from './engagement.service.js';

/** Report types 0–8 (0 其他问题 … 8 侵权); only "other" keeps the free-text remark. */
export const REPORT_TYPE_OTHER = 0;
export const REPORT_TYPE_MAX = 8;
export const REPORT_REMARK_MAX = 200;

export function createCollectionService(deps: EngagementDeps) {
  const { repo, counters, clock } = deps;

  async function requireVisible(articleId: bigint): Promise<void> {
    if (!(await repo.visibleArticle(articleId))) throw badRequest(INVALID_ARTICLE);
  }

  return {
    /** A39. Idempotent. */
    async collect(userId: bigint, articleId: bigint): Promise<void> {
      await requireVisible(articleId);
      await counters.write(async (trx) => {
        const created = await repo.inTransaction(trx).insertCollection(userId, articleId, clock.now());
        return {
          value: null,
          changes: created ? [{ entity: 'article', id: articleId, field: 'collect_count', by: 1 }] : [],
        };
      });
    },

    /** A40: nothing happens when the article was not collected. */
    async uncollect(userId: bigint, articleId: bigint): Promise<void> {
      await counters.write(async (trx) => {
        const removed = await repo.inTransaction(trx).deleteCollection(userId, articleId);
        return {
          value: null,
          changes: removed ? [{ entity: 'article', id: articleId, field: 'collect_count', by: -1 }] : [],
        };
      });
    },

    /** `is_collected` of article detail (A34). */
    isCollected(userId: bigint, articleId: bigint): Promise<boolean> {
      return repo.isCollected(userId, articleId);
    },

    /** Staff dismiss an article's reports (nothing wrong with it); the count they dismissed, audited. */
    async dismissReports(actorId: bigint, articleId: bigint): Promise<number> {
      const dismissed = await repo.deleteReports(articleId);
      if (dismissed > 0)
        await deps.audit.record({
          actorId,
          action: 'article.dismiss-reports',
          targetType: 'article',
          targetId: articleId,
          before: { reports: dismissed },
          after: { reports: 0 },
        });
      return dismissed;
    },

    /** A42: one report per user and article (409 on the second); the remark is kept for type 0 only. */
    async report(userId: bigint, articleId: bigint, type: number, remark: string | undefined): Promise<void> {
      await requireVisible(articleId);
      const kept = type === REPORT_TYPE_OTHER ? (remark ?? '').trim().slice(0, REPORT_REMARK_MAX) : '';
      if (!(await repo.insertReport(userId, articleId, type, kept, clock.now()))) {
        throw conflict('User has reported this article.');
      }
    },
  };
}

export type CollectionService = ReturnType<typeof createCollectionService>;
