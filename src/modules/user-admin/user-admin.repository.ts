import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { Role } from '../../platform/http/access.js';
import type { UserModerationAction, UserModerationActionsTable } from './user-moderation.tables.js';

export type UserActionRow = Selectable<UserModerationActionsTable> & { moderator_name: string | null };

/** The column an action moves and its value before and after. */
export interface ActionTransition {
  column: 'status' | 'verified';
  from: number;
  to: number;
}

/** Account moderation: the status or verification change and its log row commit together. */
export function createUserAdminRepository(db: Db) {
  return {
    /**
     * Compare-and-set of the column, the log row and `alsoInTransaction` (revoking sessions) in one
     * transaction. False, with nothing written, when the column no longer holds `from`.
     */
    async apply(
      userId: bigint,
      transition: ActionTransition,
      log: {
        id: bigint;
        moderator_id: bigint;
        action: UserModerationAction;
        reason: string | null;
        created_at: number;
      },
      alsoInTransaction: (trx: Db) => Promise<bigint[]>,
    ): Promise<{ applied: false } | { applied: true; revoked: bigint[] }> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ [transition.column]: transition.to, updated_at: log.created_at })
          .where('id', '=', userId)
          .where(transition.column, '=', transition.from)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return { applied: false as const };
        await trx
          .insertInto('user_moderation_actions')
          .values({ ...log, user_id: userId })
          .execute();
        return { applied: true as const, revoked: await alsoInTransaction(trx) };
      });
    },

    /**
     * Compare-and-set of the role, with `alsoInTransaction` (the audit entry) committing with it.
     * False, with nothing written, when the role is no longer `from`.
     */
    async setRole(userId: bigint, from: Role, to: Role, at: number, alsoInTransaction: (trx: Db) => Promise<void>) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ role: to, updated_at: at })
          .where('id', '=', userId)
          .where('role', '=', from)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await alsoInTransaction(trx);
        return true;
      });
    },

    /** A user's moderation history, newest first, with the moderator's name. */
    history(userId: bigint, limit = 50): Promise<UserActionRow[]> {
      return db
        .selectFrom('user_moderation_actions as a')
        .leftJoin('users as u', 'u.id', 'a.moderator_id')
        .select([
          'a.id',
          'a.user_id',
          'a.moderator_id',
          'a.action',
          'a.reason',
          'a.created_at',
          'u.name as moderator_name',
        ])
        .where('a.user_id', '=', userId)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type UserAdminRepository = ReturnType<typeof createUserAdminRepository>;
