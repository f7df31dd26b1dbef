/**
 * Everything the ranking needs to know about one reader, asked of the modules that own it: saved
 * channels (channels), follows and blacklist (relations), likes, dislikes and reads (engagement).
 * Five bounded queries in parallel, each served by a primary key or an index of migrations 0001/0003.
 */
import type { ReaderProfile } from './feed.scoring.js';

/** How far back a reader's likes and reads count for affinity (and reads for exclusion). */
export const INTERACTIONS = 300;
export const RELATIONS = 1000;

export interface ReaderSignals {
  savedChannelIds(userId: bigint, limit: number): Promise<bigint[]>;
  followedAuthors(userId: bigint, limit: number): Promise<bigint[]>;
  blockedAuthors(userId: bigint, limit: number): Promise<bigint[]>;
  /** Newest first; `attitude` 1 like, 0 dislike; with the article's channel and author. */
  recentAttitudes(
    userId: bigint,
    limit: number,
  ): Promise<{ article_id: bigint; attitude: number; channel_id: bigint; user_id: bigint }[]>;
  /** Newest first, with the article's channel and author. */
  recentReads(userId: bigint, limit: number): Promise<{ article_id: bigint; channel_id: bigint; user_id: bigint }[]>;
}

export async function loadReaderProfile(signals: ReaderSignals, userId: bigint): Promise<ReaderProfile> {
  const [channels, attitudes, reads, followed, blocked] = await Promise.all([
    signals.savedChannelIds(userId, RELATIONS),
    signals.recentAttitudes(userId, INTERACTIONS),
    signals.recentReads(userId, INTERACTIONS),
    signals.followedAuthors(userId, RELATIONS),
    signals.blockedAuthors(userId, RELATIONS),
  ]);
  const liked = attitudes.filter((a) => a.attitude === 1);
  return {
    channels,
    followed,
    interactions: [
      ...liked.map((a) => ({ channel_id: a.channel_id, user_id: a.user_id, liked: true })),
      ...reads.map((r) => ({ channel_id: r.channel_id, user_id: r.user_id, liked: false })),
    ],
    excludedArticles: [
      ...attitudes.filter((a) => a.attitude === 0).map((a) => a.article_id),
      ...reads.map((r) => r.article_id),
    ],
    blockedAuthors: blocked,
  };
}
