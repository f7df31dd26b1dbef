import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput, IdPath } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';
import { MAX_PRICE_CENTS, MP_LIST_PAGE, TITLE_MAX, TITLE_MIN } from './mp-article.service.js';

/** Inkstone extra: why a moderator rejected or banned it (status 3 or 5), for the author; null otherwise. */
const RejectReason = Type.Union([Type.String(), Type.Null()], {
  description: 'Inkstone extra: the moderator’s reason for a rejection or ban, null otherwise',
});

export const CoverSchema = Type.Object({
  type: Type.Integer({ description: '-1 automatic (0, 1 or 3 images picked from the content’s <img>s), 0, 1 or 3' }),
  images: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: 10,
      description: 'exactly `type` absolute URLs of images stored on this site (ignored for -1)',
    }),
  ),
});

export const CoverOutput = Type.Object({
  type: Type.Integer({ description: '0, 1 or 3' }),
  images: Type.Array(Type.String(), { description: 'exactly `type` absolute URLs' }),
});

/** M12 / M14. Unknown fields (the admin PUTs back `id` and more) are ignored. */
export const ArticleBody = Type.Object({
  title: Type.String({
    maxLength: 500,
    description: `plain text, ${TITLE_MIN}–${TITLE_MAX} characters after trimming`,
  }),
  content: Type.String({
    description:
      'HTML; sanitized on write (allowlist of article tags, images only from this site); must have text or an image',
  }),
  cover: Type.Optional(CoverSchema),
  channel_id: IdInput,
  price: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_PRICE_CENTS,
      description: 'Inkstone extension: price in integer cents, 0 = free (default on create; kept on edit when absent)',
    }),
  ),
});

export const DraftQuery = Type.Object({
  draft: Type.Optional(
    Type.Boolean({ description: 'true: save as draft (status 0); false (default): submit for review (status 1)' }),
  ),
});

export const ArticleParams = Type.Object({ target: IdPath });

export const WrittenResponse = okSchema(
  Type.Object({
    id: IdOutput,
    status: Type.Integer({ description: 'Inkstone extra: 0 draft, 1 pending review, 2 approved (auto review policy)' }),
  }),
);

export const ArticleResponse = okSchema(
  Type.Object({
    id: IdOutput,
    title: Type.String(),
    channel_id: IdOutput,
    content: Type.String(),
    cover: CoverOutput,
    status: Type.Integer({ description: 'Inkstone extra: 0–3' }),
    price: Type.Integer({ description: 'Inkstone extra: price in integer cents, 0 = free' }),
    reject_reason: RejectReason,
  }),
);

export const ListQuery = Type.Object({
  status: Type.Optional(
    Type.Array(Type.Integer(), { maxItems: 10, description: 'repeatable; 0–4. Absent: 0–3 (everything but deleted)' }),
  ),
  channel_id: Type.Optional(Type.Array(IdInput, { maxItems: 100, description: 'repeatable' })),
  begin_pubdate: Type.Optional(
    Type.String({ description: 'YYYY-MM-DD (site time zone), inclusive; filters on the creation time' }),
  ),
  end_pubdate: Type.Optional(
    Type.String({ description: 'YYYY-MM-DD, inclusive through 23:59:59; not before begin_pubdate' }),
  ),
  response_type: Type.Optional(
    Type.Union([Type.Literal('comment'), Type.Literal('statistic')], {
      description: 'absent: content management; comment / statistic: approved articles only',
    }),
  ),
  ...PageQuery,
});

const ContentItem = Type.Object({
  id: IdOutput,
  title: Type.String(),
  status: Type.Integer(),
  cover: CoverOutput,
  pubdate: Type.String({ description: 'YYYY-MM-DD HH:mm:ss (creation time)' }),
  reject_reason: Type.Optional(RejectReason),
});
const CommentItem = Type.Object({
  id: IdOutput,
  title: Type.String(),
  comment_status: Type.Boolean({ description: 'comments allowed' }),
  total_comment_count: Type.Integer(),
  fans_comment_count: Type.Integer({ description: 'comments and replies by the author’s followers' }),
});
const StatisticItem = Type.Object({
  id: IdOutput,
  title: Type.String(),
  comment_count: Type.Integer(),
  read_count: Type.Integer(),
  like_count: Type.Integer(),
  repost_count: Type.Integer(),
  collect_count: Type.Integer(),
});

const paged = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  okSchema(
    Type.Object({
      total_count: Type.Integer(),
      page: Type.Integer(),
      per_page: Type.Integer({ description: `clamped to ${MP_LIST_PAGE.min}–${MP_LIST_PAGE.max}` }),
      results: Type.Array(item),
    }),
  );

/**
 * One item schema for the three shapes (fast-json-stringify cannot pick a union branch for rows
 * with bigint ids): id and title always, the other fields of whichever shape `response_type` asked for.
 */
const ListItem = Type.Object(
  {
    ...ContentItem.properties,
    ...CommentItem.properties,
    ...StatisticItem.properties,
    status: Type.Optional(ContentItem.properties.status),
    cover: Type.Optional(ContentItem.properties.cover),
    pubdate: Type.Optional(ContentItem.properties.pubdate),
    comment_status: Type.Optional(CommentItem.properties.comment_status),
    total_comment_count: Type.Optional(CommentItem.properties.total_comment_count),
    fans_comment_count: Type.Optional(CommentItem.properties.fans_comment_count),
    comment_count: Type.Optional(StatisticItem.properties.comment_count),
    read_count: Type.Optional(StatisticItem.properties.read_count),
    like_count: Type.Optional(StatisticItem.properties.like_count),
    repost_count: Type.Optional(StatisticItem.properties.repost_count),
    collect_count: Type.Optional(StatisticItem.properties.collect_count),
  },
  {
    description:
      'response_type absent: {id, title, status, cover, pubdate}; comment: {id, title, comment_status, total_comment_count, ' +
      'fans_comment_count}; statistic: {id, title, comment_count, read_count, like_count, repost_count, collect_count}',
  },
);

export const ListResponse = paged(ListItem);
