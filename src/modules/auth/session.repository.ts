import type { Db } from '../../platform/db/database.js';
import type { SessionRow, SessionsTable } from './session.tables.js';
import type { Insertable } from 'kysely';

export function createSessionRepository(db: Db) {
  return {
    async insert(session: Insertable<SessionsTable>): Promise<void> {
      await db.insertInto('sessions').values(session).execute();
    },

    find(id: bigint): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /**
     * Compare-and-set rotation: only the request that still sees `expectedJti` as current wins,
     * so two parallel refreshes cannot both mint a new token and orphan one of them.
     */
    async rotate(
      id: bigint,
      expectedJti: string,
      next: { jti: string; previousValidUntil: number; expiresAt: number; now: number },
    ): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({
          refresh_jti: next.jti,
          previous_jti: expectedJti,
          previous_valid_until: next.previousValidUntil,
          expires_at: next.expiresAt,
          last_used_at: next.now,
        })
        .where('id', '=', id)
        .where('refresh_jti', '=', expectedJti)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async touch(id: bigint, now: number): Promise<void> {
      await db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', id).execute();
    },

    async revoke(id: bigint, now: number): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /**
     * Revokes the user's live sessions (all, or one client's, but `keep`); returns the ids revoked.
     * `executor` lets a caller revoke inside its own transaction (a ban and its record commit together).
     */
    async revokeAllForUser(
      userId: bigint,
      now: number,
      options: { keep?: bigint; client?: string } = {},
      executor: Db = db,
    ): Promise<bigint[]> {
      let query = executor
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (options.keep !== undefined) query = query.where('id', '!=', options.keep);
      if (options.client !== undefined) query = query.where('client', '=', options.client);
      const ids = (await query.execute()).map((r) => r.id);
      if (ids.length > 0)
        await executor
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('id', 'in', ids)
          .where('revoked_at', 'is', null)
          .execute();
      return ids;
    },

    listActive(userId: bigint, now: number): Promise<SessionRow[]> {
      return db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('last_used_at', 'desc')
        .execute();
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
