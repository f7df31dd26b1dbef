/**
 * The review pipeline's decision log (migration 0004-media-platform, which also adds `price_cents` and
 * `review_flags` to `articles`; those columns are declared in ../articles/article.tables.ts).
 */

/** What a moderator (or the automatic policy, moderator_id null) decided about an article. */
export type ModerationDecision = 'approve' | 'reject' | 'ban';

export interface ModerationDecisionsTable {
  id: bigint;
  article_id: bigint;
  /** null: the automatic review policy. */
  moderator_id: bigint | null;
  decision: ModerationDecision;
  reason: string | null;
  /** Status before and after, so the history reads without replaying it. */
  from_status: number;
  to_status: number;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    moderation_decisions: ModerationDecisionsTable;
  }
}
