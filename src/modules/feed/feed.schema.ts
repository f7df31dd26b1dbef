import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { ArticleCardSchema } from '../articles/article.schema.js';

export const FeedQuerySchema = Type.Object({
  channel_id: Type.Integer({ minimum: 0, description: '0 = 推荐 (the recommender), else a channel id' }),
  timestamp: Type.Integer({
    minimum: 1,
    description:
      'unix ms: articles published before this instant; Date.now() for a first or refresh page, then the previous pre_timestamp',
  }),
  with_top: Type.String({
    pattern: '^(0|1|true|false)$',
    description: '1/true puts the channel’s pinned articles first on a first or refresh page',
  }),
});

export const FeedResponse = okSchema(
  Type.Object({
    pre_timestamp: Type.Integer({
      description: 'pass back as `timestamp` for the next page (channel 0: an opaque session cursor, not a time)',
    }),
    results: Type.Array(ArticleCardSchema),
  }),
);
