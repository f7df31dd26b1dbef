/**
 * Tables added by the media-platform feature (migration 0004-media-platform). Kept in their own file so each
 * feature's schema changes stay in one place; `Database` in ../schema.ts extends this.
 *
 * Besides its own table (moderation_decisions) the feature adds two columns to `articles`; they are
 * declared here by augmenting `ArticlesTable`, so schema.ts stays untouched.
 */
import type { ColumnType } from 'kysely';

declare module '../schema.js' {
  interface ArticlesTable {
    /** Price in integer cents; 0 = free (the payments feature reads it). */
    price_cents: ColumnType<number, number | undefined, number>;
    /**
     * JSON array of the sensitive words found in the title and text when the article was last
     * written; null when none. Moderators see it; the auto review policy holds flagged articles.
     */
    review_flags: ColumnType<string | null, string | null | undefined, string | null>;
  }
}

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

export interface MediaPlatformTables {
  moderation_decisions: ModerationDecisionsTable;
}
