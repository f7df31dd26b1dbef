/**
 * The recommender's read model. The feed module owns no table: it reads articles and, for a
 * signed-in reader, the engagement and relation tables other modules write (attitudes,
 * reading_history, user_channels, follows, blacklists; collections count through the articles'
 * collect_count) with its own queries, so ranking never calls into those modules. Every query is
 * bounded and served by a primary key or an index of migrations 0001/0003.
 */
import type { Db } from '../../platform/db/database.js';
import { ArticleStatus } from '../../platform/db/schema.js';
import type { Candidate, ReaderProfile } from './feed.scoring.js';

/** How far back a reader's likes and reads count for affinity (and reads for exclusion). */
const INTERACTIONS = 300;
const RELATIONS = 1000;

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

    /** Everything the ranking needs to know about one reader. */
    async profile(userId: bigint): Promise<ReaderProfile> {
      const [channels, attitudes, reads, follows, blacklist] = await Promise.all([
        db.selectFrom('user_channels').select('channel_id').where('user_id', '=', userId).limit(RELATIONS).execute(),
        db
          .selectFrom('attitudes as x')
          .innerJoin('articles as a', 'a.id', 'x.article_id')
          .select(['x.article_id', 'x.attitude', 'a.channel_id', 'a.user_id'])
          .where('x.user_id', '=', userId)
          .orderBy('x.updated_at', 'desc')
          .limit(INTERACTIONS)
          .execute(),
        db
          .selectFrom('reading_history as h')
          .innerJoin('articles as a', 'a.id', 'h.article_id')
          .select(['h.article_id', 'a.channel_id', 'a.user_id'])
          .where('h.user_id', '=', userId)
          .orderBy('h.read_at', 'desc')
          .limit(INTERACTIONS)
          .execute(),
        db.selectFrom('follows').select('target_user_id').where('user_id', '=', userId).limit(RELATIONS).execute(),
        db.selectFrom('blacklists').select('target_user_id').where('user_id', '=', userId).limit(RELATIONS).execute(),
      ]);
      const liked = attitudes.filter((a) => a.attitude === 1);
      return {
        channels: channels.map((c) => c.channel_id),
        followed: follows.map((f) => f.target_user_id),
        interactions: [
          ...liked.map((a) => ({ channel_id: a.channel_id, user_id: a.user_id, liked: true })),
          ...reads.map((r) => ({ channel_id: r.channel_id, user_id: r.user_id, liked: false })),
        ],
        excludedArticles: [
          ...attitudes.filter((a) => a.attitude === 0).map((a) => a.article_id),
          ...reads.map((r) => r.article_id),
        ],
        blockedAuthors: blacklist.map((b) => b.target_user_id),
      };
    },
  };
}

export type FeedRepository = ReturnType<typeof createFeedRepository>;
