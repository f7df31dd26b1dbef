/**
 * Likes and dislikes of articles (A35–A38). One attitude row per user and article (1 like,
 * 0 dislike; no row = none). Every write is a single atomic statement that says whether it
 * changed something (insert-ignore, compare-and-set update, delete), and counters move only on
 * such a change, so duplicate and concurrent requests never count twice.
 *
 * Counters: the article's like_count / dislike_count, moved in the transaction of the attitude row
 * (`counters.write`), and the author's like_count (likes received), a derived counter that the same
 * transaction only marks (counters/counter.service.ts). The `article.liked` event goes out only
 * when a like really appears (new, or replacing a dislike).
 */
import { createWriteBatcher } from '../../platform/db/write-batcher.js';
import { badRequest } from '../../platform/http/errors.js';
import type { CounterChange } from '../counters/counter.service.js';
import { Attitude, type AttitudeValue, type EngagementRepository } from './engagement.repository.js';
import type { EngagementDeps } from './engagement.service.js';

export const INVALID_ARTICLE = 'Invalid article.';

/** What a set-attitude call did. */
type Outcome = 'created' | 'flipped' | 'unchanged';

/** A like to write. */
interface Like {
  userId: bigint;
  articleId: bigint;
}

/** What a like did, with the author it counts for; undefined when the article may not be liked. */
type Liked = { done: Outcome; authorId: bigint } | undefined;

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

  const changesOf = (articleId: bigint, authorId: bigint, done: Outcome): CounterChange[] => {
    if (done === 'unchanged') return [];
    const changes = likeChanges(articleId, authorId, 1);
    if (done === 'flipped') changes.push(dislikeChange(articleId, -1));
    return changes;
  };

  /** A like on its own: the article is checked, then the attitude set in a transaction. */
  async function likeAlone({ userId, articleId }: Like): Promise<Liked> {
    const article = await repo.visibleArticle(articleId);
    if (!article) return undefined;
    const done = await counters.write(async (trx) => {
      const done = await setAttitude(repo.inTransaction(trx), userId, articleId, Attitude.like);
      return { value: done, changes: changesOf(articleId, article.user_id, done) };
    });
    return { done, authorId: article.user_id };
  }

  /**
   * Likes side by side (see `writeLikes`), with the same few round trips whatever their number: one
   * SELECT finds which articles may be liked, their authors and the attitudes these readers already
   * have on them (those pairs go through setAttitude one by one); one multi-row INSERT creates the
   * rest. If it created fewer rows than asked, a pair was written since the SELECT: the batch is
   * rolled back and each like runs alone. The SELECT runs before the transaction, as likeAlone
   * reads the article: begun by a plain read, a MariaDB transaction (REPEATABLE READ) would read
   * from that snapshot, and setAttitude could not see a row committed since.
   */
  async function likeTogether(likes: Like[]): Promise<Liked[]> {
    const pair = (userId: bigint, articleId: bigint) => `${userId}:${articleId}`;
    const targets = await repo.likeTargets(
      [...new Set(likes.map((l) => l.articleId))],
      [...new Set(likes.map((l) => l.userId))],
    );
    const authors = new Map(targets.map((t) => [t.id, t.user_id]));
    const existing = new Set(
      targets.filter((t) => t.attitude_user_id !== null).map((t) => pair(t.attitude_user_id!, t.id)),
    );
    const planned = new Map<Like, Outcome>();
    const fresh: Like[] = [];
    const known: Like[] = [];
    const seen = new Set<string>();
    for (const like of likes) {
      if (!authors.has(like.articleId)) continue;
      const key = pair(like.userId, like.articleId);
      // The same like twice in one batch: the first one writes it.
      if (seen.has(key)) planned.set(like, 'unchanged');
      else if (existing.has(key)) known.push(like);
      else {
        fresh.push(like);
        planned.set(like, 'created');
      }
      seen.add(key);
    }
    return counters.write(async (trx) => {
      const inTrx = repo.inTransaction(trx);
      const outcomes = new Map(planned);
      if (fresh.length > 0 && (await inTrx.insertAttitudes(fresh, Attitude.like, clock.now())) !== fresh.length)
        throw new Error('an attitude of the batch was written meanwhile');
      for (const like of known)
        outcomes.set(like, await setAttitude(inTrx, like.userId, like.articleId, Attitude.like));
      const changes: CounterChange[] = [];
      const value = likes.map((like) => {
        const done = outcomes.get(like);
        if (done === undefined) return undefined;
        const authorId = authors.get(like.articleId)!;
        changes.push(...changesOf(like.articleId, authorId, done));
        return { done, authorId };
      });
      return { value, changes };
    });
  }

  /**
   * Likes arrive in bursts: those waiting while others are written go together
   * (platform/db/write-batcher.ts), one transaction and one pooled connection per batch, not per
   * like (measured on PostgreSQL with the author's row out of the transaction: 1,000 likes/s one by
   * one queued for the pool's 10 connections, p50 6.5 s; batched, p50 45–98 ms).
   */
  const writeLikes = deps.batchLikes ? createWriteBatcher({ writeAll: likeTogether, writeOne: likeAlone }) : likeAlone;

  return {
    /** A35: like (replacing a dislike). Idempotent. */
    async like(userId: bigint, articleId: bigint): Promise<void> {
      const liked = await writeLikes({ userId, articleId });
      if (!liked) throw badRequest(INVALID_ARTICLE);
      if (liked.done === 'unchanged') return;
      events.publish('article.liked', { actorId: userId, articleId, authorId: liked.authorId, at: clock.now() });
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
