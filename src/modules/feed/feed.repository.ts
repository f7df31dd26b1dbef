/**
 * The recommender's candidates: the newest visible articles with their counters (the articles
 * module's read model; the feed owns no table). What a signed-in reader did comes from the modules
 * that own it (./reader-profile.ts).
 */
import type { Db } from '../../platform/db/database.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import type { Candidate } from './feed.scoring.js';

export function createFeedRepository(db: Db) {
  return {
    /** The newest visible articles published up to `now`, with their counters (articles_feed index). */
    async candidates(limit: number, now: number): Promise<Candidate[]> {
      const rows = await db
        .selectFrom('articles')
        .select([
          'id',
          'user_id',
          'channel_id',
          'published_at',
          'read_count',
          'like_count',
          'comment_count',
          'collect_count',
        ])
        .where('status', '=', ArticleStatus.approved)
        .where('published_at', 'is not', null)
        .where('published_at', '<=', now)
        .where('deleted_at', 'is', null)
        .orderBy('published_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows as Candidate[];
    },
  };
}

export type FeedRepository = ReturnType<typeof createFeedRepository>;
