import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { ModerationDecisionsTable } from './review.tables.js';

export type DecisionRow = Selectable<ModerationDecisionsTable>;

export type NewDecision = Insertable<ModerationDecisionsTable>;

/** The decision log: append-only, one row per decision, written in the transaction of the status change. */
export function createModerationRepository(db: Db) {
  return {
    /** `executor`: the transaction of the status change (the log and the status commit together). */
    async insert(executor: Db, row: NewDecision): Promise<void> {
      await executor.insertInto('moderation_decisions').values(row).execute();
    },

    /** An article's decisions, newest first, with the moderator's name (null for the automatic policy). */
    async forArticle(articleId: bigint, limit = 50): Promise<(DecisionRow & { moderator_name: string | null })[]> {
      return db
        .selectFrom('moderation_decisions as d')
        .leftJoin('users as u', 'u.id', 'd.moderator_id')
        .select([
          'd.id',
          'd.article_id',
          'd.moderator_id',
          'd.decision',
          'd.reason',
          'd.from_status',
          'd.to_status',
          'd.created_at',
          'u.name as moderator_name',
        ])
        .where('d.article_id', '=', articleId)
        .orderBy('d.created_at', 'desc')
        .orderBy('d.id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type ModerationRepository = ReturnType<typeof createModerationRepository>;
