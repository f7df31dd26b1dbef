/**
 * Relations between users (A20, A13, A24, A25, A18, A14, M09): follows and blacklists.
 *
 * Rules:
 * - Counters (follower `follow_count`, target `fans_count`) move only by the rows this request
 *   really inserted or deleted, in the same transaction (`counters.write`), so duplicate and
 *   concurrent requests never double-count and a crash never splits a row from its count.
 * - `user.followed` is published only for a follow that this request created, after the write;
 *   the bus runs subscribers detached, so they can neither slow nor fail the request.
 * - A blacklist replaces the follows between the two users, in both directions: blacklisting
 *   someone also removes their follow of you. While the target has blacklisted you, you cannot
 *   follow them (400). Following a user you blacklisted yourself lifts that blacklist (the
 *   original backend kept one relation per pair, and the latest action won).
 * - Races between a follow and a blacklist are settled without transactions: a new follow is
 *   checked against the blacklists after its insert and withdrawn if one appeared meanwhile, and
 *   a blacklist deletes follows after its own insert, so whichever order the statements interleave
 *   in, no follow survives next to a blacklist.
 */
import type { EventBus } from '../../platform/events/events.js';
import { badRequest } from '../../platform/http/errors.js';
import type { CounterChange, CounterService } from '../counters/counter.service.js';
import type { Direction, FollowListRow, PageWindow, RelationRepository } from './relation.repository.js';

export const FOLLOW_SELF = 'User cannot follow self.';
export const BLACKLIST_SELF = 'User cannot blacklist self.';
export const INVALID_TARGET = 'Invalid target user.';
export const BLACKLISTED_BY_TARGET = 'Target user has blacklisted you.';
export const TARGET_BLACKLISTED = 'Target user is in your blacklist.';

/** The most blacklisted users `blacklistedAuthors` returns (newest first), so feed filters stay bounded. */
export const MAX_BLACKLISTED_AUTHORS = 1000;

export interface RelationDeps {
  relations: RelationRepository;
  counters: CounterService;
  events: EventBus;
  clock: { now(): number };
}

export interface ListPage<R> {
  total: number;
  rows: R[];
}

export function createRelationService(deps: RelationDeps) {
  const { relations, counters, events, clock } = deps;

  /** Counter changes for follows created (+1) or removed (-1): follower's follow_count, target's fans_count. */
  const followDelta = (followerId: bigint, targetId: bigint, by: number): CounterChange[] =>
    by === 0
      ? []
      : [
          { entity: 'user', id: followerId, field: 'follow_count', by },
          { entity: 'user', id: targetId, field: 'fans_count', by },
        ];

  /** Deletes these follows (follower, target) and their counts in one transaction; which existed. */
  function removeFollows(pairs: [bigint, bigint][]): Promise<boolean[]> {
    return counters.write(async (trx) => {
      const inTrx = relations.inTransaction(trx);
      const removed: boolean[] = [];
      const changes: CounterChange[] = [];
      for (const [followerId, targetId] of pairs) {
        const gone = await inTrx.deleteFollow(followerId, targetId);
        removed.push(gone);
        if (gone) changes.push(...followDelta(followerId, targetId, -1));
      }
      return { value: removed, changes };
    });
  }

  async function requireTarget(targetId: bigint): Promise<void> {
    if (!(await relations.isActiveUser(targetId))) throw badRequest(INVALID_TARGET);
  }

  return {
    /** A20. Idempotent; returns whether this call created the follow. */
    async follow(viewerId: bigint, targetId: bigint): Promise<{ created: boolean }> {
      if (viewerId === targetId) throw badRequest(FOLLOW_SELF);
      await requireTarget(targetId);

      const blocks = await relations.blacklistsBetween(viewerId, targetId);
      if (blocks.some((b) => b.user_id === targetId)) throw badRequest(BLACKLISTED_BY_TARGET);
      // Following a user you blacklisted lifts your blacklist (one relation per pair, latest wins).
      if (blocks.length > 0) await relations.deleteBlacklist(viewerId, targetId);

      const at = clock.now();
      const created = await counters.write(async (trx) => {
        const inserted = await relations.inTransaction(trx).insertFollow(viewerId, targetId, at);
        return { value: inserted, changes: followDelta(viewerId, targetId, inserted ? 1 : 0) };
      });
      if (!created) return { created: false };

      // A blacklist that landed between the check and the insert wins: withdraw this follow
      // (whoever deletes the row, this request or the blacklist, takes the -1 with it).
      const raced = await relations.blacklistsBetween(viewerId, targetId);
      if (raced.length > 0) {
        await removeFollows([[viewerId, targetId]]);
        throw badRequest(raced.some((b) => b.user_id === targetId) ? BLACKLISTED_BY_TARGET : TARGET_BLACKLISTED);
      }

      events.publish('user.followed', { actorId: viewerId, targetUserId: targetId, at });
      return { created: true };
    },

    /** A13. Succeeds whether or not the follow existed; returns whether one was removed. */
    async unfollow(viewerId: bigint, targetId: bigint): Promise<{ removed: boolean }> {
      const [removed] = await removeFollows([[viewerId, targetId]]);
      return { removed: removed! };
    },

    /** A18. Idempotent; removes the follows between the two users in both directions. */
    async blacklist(viewerId: bigint, targetId: bigint): Promise<{ created: boolean }> {
      if (viewerId === targetId) throw badRequest(BLACKLIST_SELF);
      await requireTarget(targetId);
      const created = await relations.insertBlacklist(viewerId, targetId, clock.now());
      await removeFollows([
        [viewerId, targetId],
        [targetId, viewerId],
      ]);
      return { created };
    },

    /** A14. Succeeds whether or not the blacklist existed. */
    async unblacklist(viewerId: bigint, targetId: bigint): Promise<{ removed: boolean }> {
      return { removed: await relations.deleteBlacklist(viewerId, targetId) };
    },

    /** A24 ('followings') and A25 ('followers'), newest first; fans_count includes unflushed deltas. */
    async list(direction: Direction, userId: bigint, window: PageWindow): Promise<ListPage<FollowListRow>> {
      const [total, rows] = await Promise.all([
        relations.count(direction, userId),
        relations.page(direction, userId, window),
      ]);
      return { total, rows: await counters.overlay('user', rows, ['fans_count']) };
    },

    /** M09: the user's fans, newest first (only id, name and photo are shown, so no counter overlay). */
    async fans(userId: bigint, window: PageWindow): Promise<ListPage<FollowListRow>> {
      const [total, rows] = await Promise.all([
        relations.count('followers', userId),
        relations.page('followers', userId, window),
      ]);
      return { total, rows };
    },

    // ---- For other modules (profiles, article detail, feeds) ----

    /** Does `viewerId` follow `targetId`? */
    isFollowing(viewerId: bigint, targetId: bigint): Promise<boolean> {
      return relations.isFollowing(viewerId, targetId);
    },

    /** Users `viewerId` follows, at most `limit` (the recommender's affinity). */
    followedAuthors(viewerId: bigint, limit: number): Promise<bigint[]> {
      return relations.followedBy(viewerId, limit);
    },

    /** Users `viewerId` blacklisted (newest first, at most MAX_BLACKLISTED_AUTHORS), to hide their content. */
    blacklistedAuthors(viewerId: bigint, limit = MAX_BLACKLISTED_AUTHORS): Promise<bigint[]> {
      return relations.blacklistedBy(viewerId, Math.min(limit, MAX_BLACKLISTED_AUTHORS));
    },

    /** Both flags of A22 (shape of `UserRelations.between` in the users module). */
    async between(viewerId: bigint, targetId: bigint): Promise<{ isFollowing: boolean; isBlacklist: boolean }> {
      const [isFollowing, isBlacklist] = await Promise.all([
        relations.isFollowing(viewerId, targetId),
        relations.isBlacklisted(viewerId, targetId),
      ]);
      return { isFollowing, isBlacklist };
    },
  };
}

export type RelationService = ReturnType<typeof createRelationService>;
