/**
 * Aggregates for the media-platform statistics (M28–M30), read from the tables the rest of the
 * app writes: articles (counters), article_reads (detail views with their source, and reading
 * durations), comments, follows, users (gender, birthday) and sessions (device platform).
 * Everything is counted in the database; only totals come back.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import type { TimeWindow } from './mp-statistics.window.js';

export interface ArticleCounterRow {
  id: bigint;
  read_count: number;
  comment_count: number;
  collect_count: number;
  share_count: number;
  like_count: number;
}

export interface OwnArticle {
  id: bigint;
  content: string;
}

/** Reads of one article in a window; "timed" reads are those with a reported duration. */
export interface ReadFigures {
  reads: number;
  fanReads: number;
  recommend: number;
  channel: number;
  relation: number;
  timed: number;
  timedSeconds: number;
  /** Sum over timed reads of min(duration, estimated reading time). */
  cappedSeconds: number;
  /** Timed reads above 80% of the estimated reading time, and below 20%. */
  over80: number;
  under20: number;
}

/** Age boundaries as birthday strings: age ≥ n ⇔ birthday ≤ cutoff(n) (see the service). */
export interface AgeCutoffs {
  19: string;
  24: string;
  31: string;
  41: string;
  51: string;
}

export interface FollowerProfile {
  male: number;
  female: number;
  le18: number;
  le23: number;
  le30: number;
  le40: number;
  le50: number;
  gt50: number;
}

const num = (value: unknown) => Number(value ?? 0);

/** COUNT of the rows where `condition` holds (portable: no FILTER clause). */
const countWhere = (condition: Expression<SqlBool> | ReturnType<typeof sql>) =>
  sql<number>`count(case when ${condition} then 1 end)`;

export function createStatisticsRepository(db: Db) {
  return {
    /** M28: the counter columns of the author's approved articles, optionally by channel and publish time. */
    async approvedArticleCounters(
      authorId: bigint,
      filter: { channelId?: bigint; window: TimeWindow },
    ): Promise<ArticleCounterRow[]> {
      let query = db
        .selectFrom('articles')
        .select(['id', 'read_count', 'comment_count', 'collect_count', 'share_count', 'like_count'])
        .where('user_id', '=', authorId)
        .where('status', '=', ArticleStatus.approved);
      if (filter.channelId !== undefined) query = query.where('channel_id', '=', filter.channelId);
      if (filter.window.from !== undefined) query = query.where('published_at', '>=', filter.window.from);
      if (filter.window.to !== undefined) query = query.where('published_at', '<=', filter.window.to);
      return query.execute();
    },

    async fansCount(userId: bigint): Promise<{ id: bigint; fans_count: number } | undefined> {
      return db.selectFrom('users').select(['id', 'fans_count']).where('id', '=', userId).executeTakeFirst();
    },

    /** M29: the author's article (not deleted or banned) with its content. */
    async ownArticle(authorId: bigint, articleId: bigint): Promise<OwnArticle | undefined> {
      return db
        .selectFrom('articles as a')
        .leftJoin('article_contents as c', 'c.article_id', 'a.id')
        .select(['a.id', sql<string>`coalesce(${sql.ref('c.content')}, '')`.as('content')])
        .where('a.id', '=', articleId)
        .where('a.user_id', '=', authorId)
        .where('a.status', 'not in', [ArticleStatus.deleted, ArticleStatus.banned])
        .executeTakeFirst();
    },

    /**
     * M29: one pass over the article's reads in the window. A read counts as a fan's when the
     * reader already followed the author at the time of the read.
     */
    async readFigures(
      articleId: bigint,
      authorId: bigint,
      window: TimeWindow,
      estimatedSeconds: number,
    ): Promise<ReadFigures> {
      const e = sql.lit(estimatedSeconds);
      const e4 = sql.lit(estimatedSeconds * 4);
      const duration = sql.ref('r.duration_seconds');
      const source = sql.ref('r.source');
      let query = db
        .selectFrom('article_reads as r')
        .leftJoin('follows as f', (join) =>
          join
            .onRef('f.user_id', '=', 'r.user_id')
            .on('f.target_user_id', '=', authorId)
            .onRef('f.created_at', '<=', 'r.created_at'),
        )
        .select([
          sql<number>`count(*)`.as('read_total'),
          sql<number>`count(${sql.ref('f.user_id')})`.as('fan_reads'),
          countWhere(sql`${source} = ${'recommend'}`).as('from_recommend'),
          countWhere(sql`${source} = ${'channel'}`).as('from_channel'),
          countWhere(sql`${source} = ${'relation'}`).as('from_relation'),
          countWhere(sql`${duration} > 0`).as('timed'),
          sql<number>`sum(${duration})`.as('timed_seconds'),
          sql<number>`sum(case when ${duration} > ${e} then ${e} else ${duration} end)`.as('capped_seconds'),
          countWhere(sql`${duration} > 0 and ${duration} * 5 > ${e4}`).as('over80'),
          countWhere(sql`${duration} > 0 and ${duration} * 5 < ${e}`).as('under20'),
        ])
        .where('r.article_id', '=', articleId);
      if (window.from !== undefined) query = query.where('r.created_at', '>=', window.from);
      if (window.to !== undefined) query = query.where('r.created_at', '<=', window.to);
      const row = await query.executeTakeFirstOrThrow();
      return {
        reads: num(row.read_total),
        fanReads: num(row.fan_reads),
        recommend: num(row.from_recommend),
        channel: num(row.from_channel),
        relation: num(row.from_relation),
        timed: num(row.timed),
        timedSeconds: num(row.timed_seconds),
        cappedSeconds: num(row.capped_seconds),
        over80: num(row.over80),
        under20: num(row.under20),
      };
    },

    /** M29: visible comments and replies on the article written in the window. */
    async commentCount(articleId: bigint, window: TimeWindow): Promise<number> {
      let query = db
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('article_id', '=', articleId)
        .where('status', '=', 1);
      if (window.from !== undefined) query = query.where('created_at', '>=', window.from);
      if (window.to !== undefined) query = query.where('created_at', '<=', window.to);
      const row = await query.executeTakeFirstOrThrow();
      return num(row.total);
    },

    /** M30: the author's followers by gender and by age bucket (birthdays compared as YYYY-MM-DD text). */
    async followerProfile(authorId: bigint, cutoff: AgeCutoffs): Promise<FollowerProfile> {
      const birthday = sql.ref('u.birthday');
      const gender = sql.ref('u.gender');
      const between = (younger: string, older: string) => sql`${birthday} > ${younger} and ${birthday} <= ${older}`;
      const row = await db
        .selectFrom('follows as f')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .select([
          countWhere(sql`${gender} = 0`).as('male'),
          countWhere(sql`${gender} = 1`).as('female'),
          countWhere(sql`${birthday} > ${cutoff[19]}`).as('le18'),
          countWhere(between(cutoff[24], cutoff[19])).as('le23'),
          countWhere(between(cutoff[31], cutoff[24])).as('le30'),
          countWhere(between(cutoff[41], cutoff[31])).as('le40'),
          countWhere(between(cutoff[51], cutoff[41])).as('le50'),
          countWhere(sql`${birthday} <> '' and ${birthday} <= ${cutoff[51]}`).as('gt50'),
        ])
        .where('f.target_user_id', '=', authorId)
        .executeTakeFirstOrThrow();
      return {
        male: num(row.male),
        female: num(row.female),
        le18: num(row.le18),
        le23: num(row.le23),
        le30: num(row.le30),
        le40: num(row.le40),
        le50: num(row.le50),
        gt50: num(row.gt50),
      };
    },

    /** M30: the author's followers by the platform of each follower's most recently used session. */
    async followerPlatforms(authorId: bigint): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('follows as f')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .innerJoin('sessions as s', (join) =>
          join.on((eb) =>
            eb(
              's.id',
              '=',
              eb
                .selectFrom('sessions as latest')
                .select('latest.id')
                .whereRef('latest.user_id', '=', 'f.user_id')
                .orderBy('latest.last_used_at', 'desc')
                .orderBy('latest.id', 'desc')
                .limit(1),
            ),
          ),
        )
        .select(['s.platform', (eb) => eb.fn.countAll<number>().as('total')])
        .where('f.target_user_id', '=', authorId)
        .groupBy('s.platform')
        .execute();
      return new Map(rows.map((row) => [row.platform, num(row.total)]));
    },
  };
}

export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
