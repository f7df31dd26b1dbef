import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput, IdPath } from '../../platform/http/ids.js';
import { REPORT_REMARK_MAX, REPORT_TYPE_MAX } from '../engagement/collection.service.js';

/** The reader's report of a comment: the body of the article reports (A42), aimed at a comment. */
export const CommentReportBody = Type.Object({
  target: IdInput,
  type: Type.Integer({
    minimum: 0,
    maximum: REPORT_TYPE_MAX,
    description:
      '0 其他问题, 1 标题夸张, 2 低俗色情, 3 错别字多, 4 旧闻重复, 5 广告软文, 6 内容不实, 7 涉嫌违法犯罪, 8 侵权',
  }),
  remark: Type.Optional(Type.String({ maxLength: REPORT_REMARK_MAX, description: 'kept only when type is 0' })),
});
export const CommentReportResponse = okSchema(Type.Object({ target: IdOutput, type: Type.Integer() }));

export const CommentSearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: 'a fragment of the text' })),
  article_id: Type.Optional(IdInput),
  user_id: Type.Optional(IdInput),
  before: Type.Optional(IdInput),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
});

const FoundComment = Type.Object({
  com_id: IdOutput,
  art_id: IdOutput,
  art_title: Type.String(),
  allow_comment: Type.Boolean({ description: 'whether the article takes comments' }),
  parent_id: Type.Unsafe<bigint | null>({
    type: 'integer',
    format: 'int64',
    nullable: true,
    description: 'the comment this one replies to; null for a comment on the article',
  }),
  aut_id: IdOutput,
  aut_name: Type.String(),
  content: Type.String(),
  pubdate: Type.String({ description: 'YYYY-MM-DD HH:mm:ss' }),
  report_count: Type.Integer(),
});

export const CommentSearchResponse = okSchema(
  Type.Object({
    results: Type.Array(FoundComment),
    next: Type.Unsafe<bigint | null>({
      type: 'integer',
      format: 'int64',
      nullable: true,
      description: '`before` of the next (older) page; null at the end',
    }),
  }),
);

export const ReportGroupsQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
});

const ReportGroup = Type.Object({
  com_id: IdOutput,
  art_id: IdOutput,
  art_title: Type.String(),
  aut_id: IdOutput,
  aut_name: Type.String(),
  content: Type.String(),
  pubdate: Type.String(),
  report_count: Type.Integer(),
  latest: Type.String({ description: 'the newest report, YYYY-MM-DD HH:mm:ss' }),
  types: Type.Record(Type.String(), Type.Integer(), { description: 'report type (0–8) → how many' }),
  remarks: Type.Array(Type.String(), { description: 'the remarks of type-0 reports; never who sent them' }),
});

export const ReportGroupsResponse = okSchema(Type.Object({ results: Type.Array(ReportGroup), more: Type.Boolean() }));

export const CommentTargetParams = Type.Object({ target: IdPath });
export const DismissResponse = okSchema(Type.Object({ target: IdOutput, dismissed: Type.Integer() }));

export const CommentStatusBody = Type.Object({ allow_comment: Type.Boolean() });
export const CommentStatusResponse = okSchema(Type.Object({ art_id: IdOutput, allow_comment: Type.Boolean() }));
