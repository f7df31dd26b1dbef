import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';
import { BULK_MAX, REASON_MAX } from './moderation.service.js';

const Cover = Type.Object({ type: Type.Integer(), images: Type.Array(Type.String()) });

export const QueueQuery = Type.Object({
  status: Type.Optional(
    Type.Array(Type.Integer(), {
      maxItems: 5,
      description: 'repeatable: 1 pending (default), 2 approved, 3 rejected, 5 banned',
    }),
  ),
  ...PageQuery,
});

const QueueItem = Type.Object({
  id: IdOutput,
  title: Type.String(),
  aut_id: IdOutput,
  aut_name: Type.String(),
  channel_id: IdOutput,
  status: Type.Integer(),
  cover: Cover,
  flags: Type.Array(Type.String(), { description: 'sensitive words found in the title and text' }),
  reject_reason: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss' }),
  updated_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss: the submission (or the last change)' }),
});

export const QueueResponse = okSchema(
  Type.Object({
    total_count: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(QueueItem),
  }),
);

export const ArticleParams = Type.Object({ target: IdPath });

const Decision = Type.Object({
  id: IdOutput,
  // `nullable` rather than a union: the serializer cannot match a bigint against a union branch.
  moderator_id: Type.Unsafe<bigint | null>({
    type: 'integer',
    format: 'int64',
    nullable: true,
    description: 'null: the automatic review policy',
  }),
  moderator_name: Type.Union([Type.String(), Type.Null()]),
  decision: Type.String({ description: 'approve | reject | ban' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  from_status: Type.Integer(),
  to_status: Type.Integer(),
  created_at: Type.String(),
});

export const ReviewArticleResponse = okSchema(
  Type.Object({
    ...QueueItem.properties,
    content: Type.String(),
    price: Type.Integer(),
    version: Type.Integer({ description: 'changes with every write; send it back with the decision' }),
    published_at: Type.Union([Type.String(), Type.Null()]),
    decisions: Type.Array(Decision, { description: 'newest first' }),
  }),
);

export const DecisionBody = Type.Object({
  decision: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('ban')]),
  reason: Type.Optional(
    Type.String({ maxLength: 1000, description: `required to reject; at most ${REASON_MAX} characters` }),
  ),
  version: Type.Optional(
    Type.Integer({
      description: 'the `version` of the article the moderator reviewed: 409 when it has changed since (recommended)',
    }),
  ),
});

export const DecisionResponse = okSchema(
  Type.Object({
    id: IdOutput,
    article_id: IdOutput,
    decision: Type.String(),
    reason: Type.Union([Type.String(), Type.Null()]),
    from_status: Type.Integer(),
    status: Type.Integer({ description: 'the article’s status now' }),
    created_at: Type.String(),
  }),
);

export const BulkDecisionBody = Type.Object({
  targets: Type.Array(Type.String({ pattern: '^[0-9]{1,19}$' }), {
    minItems: 1,
    maxItems: BULK_MAX,
    description: `article ids, at most ${BULK_MAX}`,
  }),
  decision: DecisionBody.properties.decision,
  reason: DecisionBody.properties.reason,
});

export const BulkDecisionResponse = okSchema(
  Type.Object({
    results: Type.Array(
      Type.Object({
        article_id: IdOutput,
        ok: Type.Boolean(),
        status: Type.Union([Type.Integer(), Type.Null()], { description: 'the article’s status now, when it applied' }),
        message: Type.Union([Type.String(), Type.Null()], { description: 'why it did not apply (404 or 409)' }),
      }),
    ),
  }),
);
