/**
 * Likes and dislikes of articles (A35–A38). One attitude row per user and article (1 like,
 * 0 dislike; no row = none). Every write is a single atomic statement that says whether it
 * changed something (insert-ignore, compare-and-set update, delete), and counters move only on
 * such a change, so duplicate and concurrent requests never count twice.
 *
 * Counters: the article's like_count / dislike_count, and the author's like_count (likes
 * received), moved in the transaction of the attitude row (`counters.write`). The `article.liked` event goes out only when a like really appears (new, or
 * replacing a dislike).
 */
import { badRequest } from '../../platform/http/errors.js';
import type { CounterChange } from '../counters/counter.service.js';
import { Attitude, type AttitudeValue, type EngagementRepository } from './engagement.repository.js';
import type { EngagementDeps } from './engagement.service.js';

export const INVALID_ARTICLE = 'Invalid article.';

/** What a set-attitude call did. */
type Outcome = 'created' | 'flipped' | 'unchanged';

/** Optimistic retries when a concurrent delete removes the row between two steps. */
const SET_ATTEMPTS = 3;

export function createAttitudeService(deps: EngagementDeps) {
  const { repo, counters, events, clock } = deps;

  /** Insert the attitude, else flip the opposite one, else it is already there. */
  async function setAttitude(
    repo: EngagementRepository,
    userId: bigint,
    articleId: bigint,
    wanted: AttitudeValue,
  ): Promise<Outcome> {
    const opposite = wanted === Attitude.like ? Attitude.dislike : Attitude.like;
    for (let attempt = 0; attempt < SET_ATTEMPTS; attempt++) {
      const at = clock.now();
      if (await repo.insertAttitude(userId, articleId, wanted, at)) return 'created';
      if (await repo.flipAttitude(userId, articleId, opposite, wanted, at)) return 'flipped';
      if ((await repo.attitudeOf(userId, articleId)) === wanted) return 'unchanged';
      // The row vanished between the steps (a concurrent DELETE): try again.
    }
    throw new Error(`attitude of user ${userId} on article ${articleId} kept changing`);
  }

  async function visibleArticle(articleId: bigint) {
    const article = await repo.visibleArticle(articleId);
    if (!article) throw badRequest(INVALID_ARTICLE);
    return article;
  }

  const likeChanges = (articleId: bigint, authorId: bigint | undefined, by: number): CounterChange[] => {
    const changes: CounterChange[] = [{ entity: 'article', id: articleId, field: 'like_count', by }];
    if (authorId !== undefined) changes.push({ entity: 'user', id: authorId, field: 'like_count', by });
    return changes;
  };
  const dislikeChange = (articleId: bigint, by: number): CounterChange => ({
    entity: 'article',
    id: articleId,
    field: 'dislike_count',
    by,
  });

  return {
    /** A35: like (replacing a dislike). Idempotent. */
    async like(userId: bigint, articleId: bigint): Promise<void> {
      const article = await visibleArticle(articleId);
      const outcome = await counters.write(async (trx) => {
        const done = await setAttitude(repo.inTransaction(trx), userId, articleId, Attitude.like);
        const changes = done === 'unchanged' ? [] : likeChanges(articleId, article.user_id, 1);
        if (done === 'flipped') changes.push(dislikeChange(articleId, -1));
        return { value: done, changes };
      });
      if (outcome === 'unchanged') return;
      events.publish('article.liked', { actorId: userId, articleId, authorId: article.user_id, at: clock.now() });
    },

    /** A36: clears a like; nothing happens when there is none. */
    async unlike(userId: bigint, articleId: bigint): Promise<void> {
      await counters.write(async (trx) => {
        const inTrx = repo.inTransaction(trx);
        if (!(await inTrx.deleteAttitude(userId, articleId, Attitude.like))) return { value: null, changes: [] };
        return { value: null, changes: likeChanges(articleId, await inTrx.authorOf(articleId), -1) };
      });
    },

    /** A37: dislike (replacing a like). Idempotent. */
    async dislike(userId: bigint, articleId: bigint): Promise<void> {
      const article = await visibleArticle(articleId);
      await counters.write(async (trx) => {
        const done = await setAttitude(repo.inTransaction(trx), userId, articleId, Attitude.dislike);
        const changes = done === 'unchanged' ? [] : [dislikeChange(articleId, 1)];
        if (done === 'flipped') changes.push(...likeChanges(articleId, article.user_id, -1));
        return { value: done, changes };
      });
    },

    /** A38: clears a dislike; nothing happens when there is none. */
    async undislike(userId: bigint, articleId: bigint): Promise<void> {
      await counters.write(async (trx) => {
        const removed = await repo.inTransaction(trx).deleteAttitude(userId, articleId, Attitude.dislike);
        return { value: null, changes: removed ? [dislikeChange(articleId, -1)] : [] };
      });
    },

    /** The contract's `attitude` (A34): -1 none, 0 disliked, 1 liked. */
    async attitudeOf(userId: bigint, articleId: bigint): Promise<-1 | 0 | 1> {
      const attitude = await repo.attitudeOf(userId, articleId);
      return attitude === undefined ? -1 : attitude;
    },

    /** A34's is_followed, attitude and is_collected for a signed-in reader, in one query. */
    async viewerFlags(
      userId: bigint,
      article: { id: bigint; user_id: bigint },
    ): Promise<{ isFollowed: boolean; attitude: -1 | 0 | 1; isCollected: boolean }> {
      const flags = await repo.viewerFlags(userId, article.id, article.user_id);
      return { isFollowed: flags.followed, attitude: flags.attitude ?? -1, isCollected: flags.collected };
    },

    /** The reader's newest likes and dislikes with the article's channel and author (the recommender). */
    recentAttitudes: (userId: bigint, limit: number) => repo.recentAttitudes(userId, limit),
  };
}

export type AttitudeService = ReturnType<typeof createAttitudeService>;
