import { Type, type TSchema } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput, IdPath } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';
import { ArticleCardSchema } from '../articles/article.schema.js';
import { REPORT_REMARK_MAX, REPORT_TYPE_MAX } from './collection.service.js';
import { MAX_READ_SECONDS } from './history.service.js';

/** A35, A37, A39: `{target}` is the article id (integer or digit string). */
export const TargetBody = Type.Object({ target: IdInput });
export const TargetParams = Type.Object({ target: IdPath });
export const TargetResponse = okSchema(Type.Object({ target: IdOutput }));

/** The recommender's tracking string (§1.8): accepted everywhere, required nowhere. */
export const TraceHeaders = Type.Object({
  trace: Type.Optional(Type.String({ description: 'recommender trace (collect/read); optional, ignored' })),
});

export const ReportBody = Type.Object({
  target: IdInput,
  type: Type.Integer({
    minimum: 0,
    maximum: REPORT_TYPE_MAX,
    description:
      '0 其他问题, 1 标题夸张, 2 低俗色情, 3 错别字多, 4 旧闻重复, 5 广告软文, 6 内容不实, 7 涉嫌违法犯罪, 8 侵权',
  }),
  remark: Type.Optional(Type.String({ maxLength: REPORT_REMARK_MAX, description: 'kept only when type is 0' })),
});
export const ReportResponse = okSchema(Type.Object({ target: IdOutput, type: Type.Integer() }));

export const ListQuery = Type.Object(PageQuery);
export const UserArticlesParams = Type.Object({ user_id: IdPath });

/** ArticleCard plus whether the signed-in viewer likes the article. */
export const LikedCardSchema = Type.Object({
  ...ArticleCardSchema.properties,
  is_liking: Type.Boolean({ description: 'the signed-in user likes this article' }),
});

const pageOf = <T extends TSchema>(item: T) =>
  okSchema(
    Type.Object({
      total_count: Type.Integer(),
      page: Type.Integer(),
      per_page: Type.Integer(),
      results: Type.Array(item),
    }),
  );

/** A41, A47, A49. */
export const LikedCardPage = pageOf(LikedCardSchema);
/** A48 (public and cacheable, so nothing about the viewer). */
export const CardPage = pageOf(ArticleCardSchema);

export const DurationBody = Type.Object({
  duration: Type.Integer({ minimum: 0, description: `seconds read; stored up to ${MAX_READ_SECONDS}` }),
  art_id: IdInput,
});
/** A50 answers with the bare `{"message":"OK"}`, no `data` (§1.3). */
export const BareOk = Type.Object({ message: Type.Literal('OK') });
