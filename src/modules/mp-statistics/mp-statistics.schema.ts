import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdPath } from '../../platform/http/ids.js';
import { READING_TIME_RULE } from './mp-statistics.reading.js';

const day = (what: string) =>
  Type.Optional(
    Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: `YYYY-MM-DD (service time zone); ${what}` }),
  );
const count = (description: string) => Type.Integer({ minimum: 0, description });
const share = (description: string) =>
  Type.Number({ minimum: 0, maximum: 1, description: `${description}; rounded to 4 decimals` });

/** M28. */
export const TotalsQuery = Type.Object({
  channel_id: Type.Optional(IdInput),
  begin_pubdate: day('only articles published on or after this day'),
  end_pubdate: day('only articles published on or before this day (inclusive); not before begin_pubdate (else 400)'),
});

export const TotalsResponse = okSchema(
  Type.Object({
    read_count: count('detail views of the articles (their read counters)'),
    comment_count: count('comments and replies on the articles (their comment counters)'),
    collect_count: count('times the articles are collected'),
    repost_count: count(
      'shares of the articles (their share counters); no endpoint records shares, so 0 unless imported or seeded',
    ),
    like_count: count('Inkstone extra: likes of the articles'),
    fans_count: count('Inkstone extra: the author’s followers now (not filtered by channel or date)'),
  }),
);

/** M29. */
export const ArticleParams = Type.Object({ article_id: IdPath });

export const DetailQuery = Type.Object({
  begin_pubdate: day('only reads and comments from this day on'),
  end_pubdate: day('only reads and comments up to this day (inclusive); not before begin_pubdate (else 400)'),
});

export const DetailResponse = okSchema(
  Type.Object({
    avg_read_proc: share(
      'average reading progress of the timed reads (those with a duration reported through A50): ' +
        'min(duration ÷ estimated reading time, 1); 0 without timed reads',
    ),
    bounce_rate: share(
      'share of the timed reads that ended before 20% of the estimated reading time (completed.lt20 ÷ timed reads)',
    ),
    time_spent: Type.Integer({
      minimum: 0,
      description: 'average reported reading duration of the timed reads, in whole seconds',
    }),
    conversion: Type.Object({
      reco_count: count('times the article was recommended in feeds: not recorded by this service, always 0'),
      read_count: count('reads in the window: detail views, plus durations reported without a matching view'),
      fans_read_count: count('reads by signed-in readers who already followed the author at the time'),
      comment_count: count('visible comments and replies written in the window'),
    }),
    origin: Type.Object(
      {
        recommend: count('reads from the recommendation feed'),
        channel: count('reads from a channel feed'),
        relation: count('reads from followed authors / related articles'),
        outter: count('reads from outside the app (spelling as in the contract): not recorded, always 0'),
        other: count('all other reads, including search and reads whose source is unknown'),
      },
      { description: 'where the reads came from; the five add up to conversion.read_count' },
    ),
    completed: Type.Object(
      {
        gt80: count('timed reads past 80% of the estimated reading time'),
        lt80: count('timed reads from 20% to 80%'),
        lt20: count('timed reads below 20%'),
      },
      { description: 'timed reads by progress; reads without a reported duration are in none of them' },
    ),
  }),
);

export const DETAIL_DESCRIPTION =
  'Only the article’s author (another author’s, unknown or deleted article: 404). ' +
  'Built from the article’s reads (article_reads: one row per detail view with the source the reader came from, ' +
  'and the duration reported through A50) and comments. Progress figures use the timed reads only (the mobile ' +
  `app does not report durations, so they are often 0); ${READING_TIME_RULE}. ` +
  'reco_count and origin.outter are always 0: no feed impressions or outside referrers are recorded. ' +
  'begin_pubdate/end_pubdate restrict the reads and comments to those days.';

/** M30. */
export const FollowersResponse = okSchema(
  Type.Object({
    gender: Type.Object(
      { male: count('followers with gender 0'), female: count('followers with gender 1') },
      { description: 'from the followers’ profiles; a profile that never set a gender has the default 0 (male)' },
    ),
    age: Type.Object(
      {
        le18: count('aged 0–18'),
        le23: count('aged 19–23'),
        le30: count('aged 24–30'),
        le40: count('aged 31–40'),
        le50: count('aged 41–50'),
        gt50: count('aged 51 and over'),
      },
      {
        description:
          'age today (service time zone) from the profile birthday; followers without a birthday are left out',
      },
    ),
    device: Type.Object(
      { ios: count('iOS'), android: count('Android') },
      {
        description:
          'platform of each follower’s most recently used session (recorded from the User-Agent at sign-in); ' +
          'followers whose latest session is web/other, or who have none, are left out',
      },
    ),
  }),
);
