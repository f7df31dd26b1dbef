/**
 * Media-platform statistics (M28–M30), computed from real data only. A figure nothing in the app
 * records is 0 and documented as such (see the schema descriptions); nothing is estimated or made up
 * except the reading time of an article, whose formula is documented (mp-statistics.reading.ts).
 *
 * - M28 sums the counters of the author's approved articles (database value plus the unflushed
 *   delta, like every other count the API shows).
 * - M29 reads one article's detail views (article_reads: where the reader came from, and the
 *   duration reported by A50) and comments; only its author may see them.
 * - M30 profiles the author's followers: gender and birthday from their profiles, and the device
 *   of each follower's most recently used session.
 */
import type { Clock } from '../../platform/clock.js';
import { notFound } from '../../platform/http/errors.js';
import type { TimeFormat } from '../../platform/time.js';
import type { CounterService } from '../counters/counter.service.js';
import type { AgeCutoffs, StatisticsRepository } from './mp-statistics.repository.js';
import { estimateReadingSeconds } from './mp-statistics.reading.js';
import { timeWindow } from './mp-statistics.window.js';

export const ARTICLE_NOT_FOUND = 'The article does not exist.';

/** Ratios are rounded to this many decimal places. */
const RATIO_DECIMALS = 4;
const ratio = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10 ** RATIO_DECIMALS) / 10 ** RATIO_DECIMALS;

export interface StatisticsDeps {
  repo: StatisticsRepository;
  counters: CounterService;
  time: TimeFormat;
  clock: Clock;
  /** Writes the detail views this process still batches, so M29 counts them (see engagement). */
  beforeRead?: () => Promise<void>;
}

export interface DateFilter {
  begin_pubdate?: string;
  end_pubdate?: string;
}

export interface ArticleTotals {
  read_count: number;
  comment_count: number;
  collect_count: number;
  repost_count: number;
  like_count: number;
  fans_count: number;
}

export interface ArticleDetail {
  avg_read_proc: number;
  bounce_rate: number;
  time_spent: number;
  conversion: { reco_count: number; read_count: number; fans_read_count: number; comment_count: number };
  origin: { recommend: number; channel: number; relation: number; outter: number; other: number };
  completed: { gt80: number; lt80: number; lt20: number };
}

export interface FollowerStatistics {
  gender: { male: number; female: number };
  age: { le18: number; le23: number; le30: number; le40: number; le50: number; gt50: number };
  device: { ios: number; android: number };
}

/**
 * Birthday strings at which a follower turns n today: age ≥ n ⇔ birthday ≤ `${year − n}-${MM-DD}`.
 * Compared as text, so a 02-29 cutoff in a non-leap year still orders correctly.
 */
export function ageCutoffs(today: string): AgeCutoffs {
  const year = Number(today.slice(0, 4));
  const monthDay = today.slice(4);
  const at = (n: number) => `${String(year - n).padStart(4, '0')}${monthDay}`;
  return { 19: at(19), 24: at(24), 31: at(31), 41: at(41), 51: at(51) };
}

export function createStatisticsService(deps: StatisticsDeps) {
  const { repo, counters, time, clock } = deps;

  return {
    /** M28. */
    async articleTotals(authorId: bigint, filter: DateFilter & { channelId?: bigint }): Promise<ArticleTotals> {
      const window = timeWindow(time, filter.begin_pubdate, filter.end_pubdate);
      const rows = await counters.overlay(
        'article',
        await repo.approvedArticleCounters(authorId, { channelId: filter.channelId, window }),
        ['read_count', 'comment_count', 'collect_count', 'share_count', 'like_count'],
      );
      const author = await repo.fansCount(authorId);
      const [fans] = author ? await counters.overlay('user', [author], ['fans_count']) : [];
      const sum = (field: 'read_count' | 'comment_count' | 'collect_count' | 'share_count' | 'like_count') =>
        rows.reduce((total, row) => total + row[field], 0);
      return {
        read_count: sum('read_count'),
        comment_count: sum('comment_count'),
        collect_count: sum('collect_count'),
        repost_count: sum('share_count'),
        like_count: sum('like_count'),
        fans_count: fans?.fans_count ?? 0,
      };
    },

    /** M29: only the author's own article; anything else is "not found". */
    async articleDetail(authorId: bigint, articleId: bigint, filter: DateFilter): Promise<ArticleDetail> {
      const window = timeWindow(time, filter.begin_pubdate, filter.end_pubdate);
      await deps.beforeRead?.();
      const article = await repo.ownArticle(authorId, articleId);
      if (!article) throw notFound(ARTICLE_NOT_FOUND);
      const estimated = estimateReadingSeconds(article.content);
      const [reads, comments] = await Promise.all([
        repo.readFigures(article.id, authorId, window, estimated),
        repo.commentCount(article.id, window),
      ]);
      return {
        avg_read_proc: ratio(reads.cappedSeconds, estimated * reads.timed),
        bounce_rate: ratio(reads.under20, reads.timed),
        time_spent: reads.timed === 0 ? 0 : Math.round(reads.timedSeconds / reads.timed),
        conversion: {
          reco_count: 0,
          read_count: reads.reads,
          fans_read_count: reads.fanReads,
          comment_count: comments,
        },
        origin: {
          recommend: reads.recommend,
          channel: reads.channel,
          relation: reads.relation,
          outter: 0,
          other: reads.reads - reads.recommend - reads.channel - reads.relation,
        },
        completed: {
          gt80: reads.over80,
          lt80: reads.timed - reads.over80 - reads.under20,
          lt20: reads.under20,
        },
      };
    },

    /** M30. */
    async followers(authorId: bigint): Promise<FollowerStatistics> {
      const today = time.date(clock.now());
      const [profile, platforms] = await Promise.all([
        repo.followerProfile(authorId, ageCutoffs(today)),
        repo.followerPlatforms(authorId),
      ]);
      return {
        gender: { male: profile.male, female: profile.female },
        age: {
          le18: profile.le18,
          le23: profile.le23,
          le30: profile.le30,
          le40: profile.le40,
          le50: profile.le50,
          gt50: profile.gt50,
        },
        device: { ios: platforms.get('ios') ?? 0, android: platforms.get('android') ?? 0 },
      };
    },
  };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;
