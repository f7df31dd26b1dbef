/**
 * Follows and blacklists (tables from migration 0003). Writes report whether a row really
 * changed (insert-ignore, delete), so the service moves counters and publishes events only then.
 */
import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore } from '../../platform/db/dialect.js';

/** A user in a follow list, with the base (flushed) fans_count and whether the relation goes both ways. */
export interface FollowListRow {
  id: bigint;
  name: string;
  photo: string | null;
  fans_count: number;
  mutual: boolean;
}

export interface PageWindow {
  offset: number;
  limit: number;
}

/** Which side of `follows` a list is about: whom the user follows, or who follows the user. */
export type Direction = 'followings' | 'followers';

const SIDES = {
  followings: { own: 'f.user_id', other: 'f.target_user_id' },
  followers: { own: 'f.target_user_id', other: 'f.user_id' },
} as const;

/** users.status of an active account (a disabled one is not a valid target). */
const ACTIVE = 1;

/** Both relation tables have the same shape: (user_id, target_user_id) primary key, created_at. */
type RelationTable = 'follows' | 'blacklists';

export function createRelationRepository(db: Db) {
  async function insertPair(table: RelationTable, userId: bigint, targetId: bigint, at: number): Promise<boolean> {
    const result = await onConflictIgnore(
      db,
      db.insertInto(table).values({ user_id: userId, target_user_id: targetId, created_at: at }),
      ['user_id', 'target_user_id'],
    ).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async function deletePair(table: RelationTable, userId: bigint, targetId: bigint): Promise<boolean> {
    const result = await db
      .deleteFrom(table)
      .where('user_id', '=', userId)
      .where('target_user_id', '=', targetId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async function hasPair(table: RelationTable, userId: bigint, targetId: bigint): Promise<boolean> {
    const row = await db
      .selectFrom(table)
      .select('user_id')
      .where('user_id', '=', userId)
      .where('target_user_id', '=', targetId)
      .executeTakeFirst();
    return row !== undefined;
  }

  return {
    /** The same queries inside `trx` (a follow row and its counters commit together). */
    inTransaction: (trx: Db) => createRelationRepository(trx),

    async isActiveUser(id: bigint): Promise<boolean> {
      const row = await db.selectFrom('users').select('status').where('id', '=', id).executeTakeFirst();
      return row !== undefined && row.status === ACTIVE;
    },

    /** Blacklist rows between two users, in either direction. */
    async blacklistsBetween(a: bigint, b: bigint): Promise<{ user_id: bigint; target_user_id: bigint }[]> {
      return db
        .selectFrom('blacklists')
        .select(['user_id', 'target_user_id'])
        .where((eb) =>
          eb.or([
            eb.and([eb('user_id', '=', a), eb('target_user_id', '=', b)]),
            eb.and([eb('user_id', '=', b), eb('target_user_id', '=', a)]),
          ]),
        )
        .execute();
    },

    /** True when this call created the row (false: it already existed). */
    insertFollow: (userId: bigint, targetId: bigint, at: number) => insertPair('follows', userId, targetId, at),
    /** True when this call removed the row. */
    deleteFollow: (userId: bigint, targetId: bigint) => deletePair('follows', userId, targetId),
    isFollowing: (userId: bigint, targetId: bigint) => hasPair('follows', userId, targetId),

    insertBlacklist: (userId: bigint, targetId: bigint, at: number) => insertPair('blacklists', userId, targetId, at),
    deleteBlacklist: (userId: bigint, targetId: bigint) => deletePair('blacklists', userId, targetId),
    isBlacklisted: (userId: bigint, targetId: bigint) => hasPair('blacklists', userId, targetId),

    /** Users this user follows, at most `limit` (the recommender's affinity). */
    async followedBy(userId: bigint, limit: number): Promise<bigint[]> {
      const rows = await db
        .selectFrom('follows')
        .select('target_user_id')
        .where('user_id', '=', userId)
        .limit(limit)
        .execute();
      return rows.map((r) => r.target_user_id);
    },

    /** Users this user blacklisted, newest first, at most `limit`. */
    async blacklistedBy(userId: bigint, limit: number): Promise<bigint[]> {
      const rows = await db
        .selectFrom('blacklists')
        .select('target_user_id')
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('target_user_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.target_user_id);
    },

    /** How many users `userId` follows ('followings') or is followed by ('followers'). */
    async count(direction: Direction, userId: bigint): Promise<number> {
      const { own, other } = SIDES[direction];
      const row = await db
        .selectFrom('follows as f')
        .innerJoin('users as u', 'u.id', other)
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where(own, '=', userId)
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    /**
     * One page of whom `userId` follows or who follows `userId`, newest follow first. `mutual`
     * (the reverse follow exists) comes from a left join, so the whole page is one query.
     */
    async page(direction: Direction, userId: bigint, window: PageWindow): Promise<FollowListRow[]> {
      const { own, other } = SIDES[direction];
      const rows = await db
        .selectFrom('follows as f')
        .innerJoin('users as u', 'u.id', other)
        .leftJoin('follows as back', (join) =>
          join.onRef('back.user_id', '=', 'f.target_user_id').onRef('back.target_user_id', '=', 'f.user_id'),
        )
        .select(['u.id', 'u.name', 'u.photo', 'u.fans_count', 'back.created_at as back_created_at'])
        .where(own, '=', userId)
        .orderBy('f.created_at', 'desc')
        .orderBy(other, 'desc')
        .limit(window.limit)
        .offset(window.offset)
        .execute();
      return rows.map(({ back_created_at, ...row }) => ({ ...row, mutual: back_created_at !== null }));
    },
  };
}

export type RelationRepository = ReturnType<typeof createRelationRepository>;
