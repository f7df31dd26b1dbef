import type { Transaction } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { isUniqueViolation, onConflictUpdate } from '../../platform/db/dialect.js';
import type { Database } from '../../platform/db/schema.js';

export interface ChannelSummary {
  id: bigint;
  name: string;
}

/** One entry of a user's channel set: which channel, at which position. */
export interface ChannelPlacement {
  id: bigint;
  seq: number;
}

/**
 * Serializes one user's channel writes: every write transaction first takes the row lock of the
 * user (a no-op UPDATE). On PostgreSQL and MySQL concurrent writers of the same user then queue
 * instead of interleaving (a PUT's delete and inserts never mix with another request's rows, A30's
 * "already saved?" check cannot race its insert); SQLite serializes write transactions anyway.
 */
async function lockUser(trx: Transaction<Database>, userId: bigint): Promise<void> {
  await trx
    .updateTable('users')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', userId)
    .execute();
}

async function upsert(
  trx: Transaction<Database>,
  userId: bigint,
  items: ChannelPlacement[],
  now: number,
): Promise<void> {
  for (const item of items) {
    await onConflictUpdate(
      trx,
      trx
        .insertInto('user_channels')
        .values({ user_id: userId, channel_id: item.id, sequence: item.seq, created_at: now, updated_at: now }),
      ['user_id', 'channel_id'],
      { sequence: item.seq, updated_at: now },
    ).execute();
  }
}

export function createChannelRepository(db: Db) {
  return {
    /** Visible channels by sequence, then id (A31). */
    listVisible(): Promise<ChannelSummary[]> {
      return db
        .selectFrom('channels')
        .select(['id', 'name'])
        .where('is_visible', '=', 1)
        .orderBy('sequence')
        .orderBy('id')
        .execute();
    },

    /** The admin-defined default channels that are visible, by sequence, then id (A28 anonymous). */
    listDefaults(): Promise<ChannelSummary[]> {
      return db
        .selectFrom('channels')
        .select(['id', 'name'])
        .where('is_visible', '=', 1)
        .where('is_default', '=', 1)
        .orderBy('sequence')
        .orderBy('id')
        .execute();
    },

    /** The ids of a user's saved channels (visible or not), at most `limit`. */
    async savedIds(userId: bigint, limit: number): Promise<bigint[]> {
      const rows = await db
        .selectFrom('user_channels')
        .select('channel_id')
        .where('user_id', '=', userId)
        .limit(limit)
        .execute();
      return rows.map((row) => row.channel_id);
    },

    async isVisible(id: bigint): Promise<boolean> {
      const row = await db
        .selectFrom('channels')
        .select('id')
        .where('id', '=', id)
        .where('is_visible', '=', 1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** A user's saved channels that are still visible, by the user's sequence, then channel id (A28). */
    listForUser(userId: bigint): Promise<ChannelSummary[]> {
      return db
        .selectFrom('user_channels as uc')
        .innerJoin('channels as c', 'c.id', 'uc.channel_id')
        .select(['c.id as id', 'c.name as name'])
        .where('uc.user_id', '=', userId)
        .where('c.is_visible', '=', 1)
        .orderBy('uc.sequence')
        .orderBy('uc.channel_id')
        .execute();
    },

    /** A30: inserts every entry, or none when any of them is already saved ('conflict'). */
    async insertForUser(userId: bigint, items: ChannelPlacement[], now: number): Promise<'ok' | 'conflict'> {
      try {
        return await db.transaction().execute(async (trx) => {
          await lockUser(trx, userId);
          const existing = await trx
            .selectFrom('user_channels')
            .select('channel_id')
            .where('user_id', '=', userId)
            .where(
              'channel_id',
              'in',
              items.map((item) => item.id),
            )
            .executeTakeFirst();
          if (existing) return 'conflict' as const;
          await trx
            .insertInto('user_channels')
            .values(
              items.map((item) => ({
                user_id: userId,
                channel_id: item.id,
                sequence: item.seq,
                created_at: now,
                updated_at: now,
              })),
            )
            .execute();
          return 'ok' as const;
        });
      } catch (error) {
        // Only reachable if the lock did not hold (e.g. the user row is gone): still a conflict, not a 500.
        if (isUniqueViolation(error)) return 'conflict';
        throw error;
      }
    },

    /** A16: the user's whole set becomes exactly `items`, atomically. */
    async replaceForUser(userId: bigint, items: ChannelPlacement[], now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await lockUser(trx, userId);
        await trx.deleteFrom('user_channels').where('user_id', '=', userId).execute();
        await upsert(trx, userId, items, now);
      });
    },

    /** A15 and A10: new channels are added, saved ones take the new sequence, others stay. */
    async upsertForUser(userId: bigint, items: ChannelPlacement[], now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await lockUser(trx, userId);
        await upsert(trx, userId, items, now);
      });
    },

    /** A17 and A11: removes these channels from the user's set (unknown ids are ignored). */
    async deleteForUser(userId: bigint, channelIds: bigint[]): Promise<void> {
      if (channelIds.length === 0) return;
      await db.transaction().execute(async (trx) => {
        await lockUser(trx, userId);
        await trx
          .deleteFrom('user_channels')
          .where('user_id', '=', userId)
          .where('channel_id', 'in', channelIds)
          .execute();
      });
    },
  };
}

export type ChannelRepository = ReturnType<typeof createChannelRepository>;
