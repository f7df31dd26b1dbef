import { Type, type TSchema } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput, IdPath } from '../../platform/http/ids.js';
import { COMMENT_MAX_CHARS } from './comment.service.js';

const commentFields = <L extends TSchema>(isLiking: L) =>
  Type.Object({
    com_id: IdOutput,
    aut_id: IdOutput,
    aut_name: Type.String(),
    aut_photo: Type.String({ description: 'absolute URL; the default avatar when none is set' }),
    like_count: Type.Integer(),
    reply_count: Type.Integer(),
    pubdate: Type.String({ description: 'local time, YYYY-MM-DDTHH:mm:ss' }),
    content: Type.String({ description: 'plain text exactly as typed; never HTML' }),
    is_top: Type.Integer({ minimum: 0, maximum: 1 }),
    is_liking: isLiking,
  });

/** Comment (contract §1.9) as the app sees it: `is_liking` is a boolean. */
export const CommentSchema = commentFields(
  Type.Boolean({ description: 'liked by the signed-in user; false when anonymous' }),
);
/** The MP form (M22): `is_liking` is 0/1. */
export const MpCommentSchema = commentFields(Type.Integer({ minimum: 0, maximum: 1 }));

/**
 * A cursor: a com_id, or anything the apps' helpers send instead (page numbers 1, 2…). Digits of
 * any length are accepted; an unknown value reads as a position, never as an error (A43).
 */
const Cursor = Type.Union([Type.String({ pattern: '^[0-9]{1,40}$' }), Type.Integer({ minimum: 0 })], {
  description: 'com_id of the last item already shown (`last_id` of the previous page); absent = from the start',
});

export const CommentListQuery = Type.Object({
  type: Type.Optional(
    Type.String({ description: '`a`: comments of article `source`; `c`: replies of comment `source`' }),
  ),
  source: IdInput,
  offset: Type.Optional(Cursor),
  limit: Type.Optional(Type.Integer({ description: 'page size, 10–50 (clamped), default 10' })),
});

/** A cursor in a response: an exact JSON integer, or null. */
const NullableId = (description: string) =>
  Type.Unsafe<bigint | null>({ type: 'integer', nullable: true, format: 'int64', description });

const pageFields = <C extends TSchema>(comment: C) => ({
  total_count: Type.Integer({
    description: 'how many items the whole list has (top-level comments for type=a, replies for type=c)',
  }),
  end_id: NullableId('cursor of the last item of the whole list; null when empty'),
  last_id: NullableId('cursor of the last item of this page (next `offset`); null when empty'),
  results: Type.Array(comment),
});

export const CommentListResponse = okSchema(Type.Object(pageFields(CommentSchema)));

export const MpCommentListResponse = okSchema(
  Type.Object({
    ...pageFields(MpCommentSchema),
    art_id: Type.Optional(IdOutput),
    art_title: Type.Optional(Type.String()),
    art_pubdate: Type.Optional(Type.String()),
  }),
);

const content = Type.String({
  description: `plain text, 1–${COMMENT_MAX_CHARS} characters after trimming; stored exactly as sent`,
});

export const CreateCommentBody = Type.Object({
  target: IdInput,
  content,
  art_id: Type.Optional(IdInput),
});

export const MpReplyBody = Type.Object({ target: IdInput, content, art_id: IdInput });

export const CreatedCommentResponse = okSchema(
  Type.Object({ com_id: IdOutput, target: IdOutput, art_id: IdOutput, new_obj: CommentSchema }),
);

export const LikeBody = Type.Object({ target: IdInput });
export const TargetParams = Type.Object({ target: IdPath });
export const TargetResponse = okSchema(Type.Object({ target: IdOutput }));

export const AllowCommentQuery = Type.Object({ article_id: IdInput });
export const AllowCommentBody = Type.Object({ allow_comment: Type.Boolean() });
export const AllowCommentResponse = okSchema(Type.Object({ article_id: IdOutput, allow_comment: Type.Boolean() }));

export const StickyBody = Type.Object({ sticky: Type.Boolean() });
export const StickyResponse = okSchema(Type.Object({ target: IdOutput, sticky: Type.Boolean() }));
