import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';

export const CoverSchema = Type.Object({
  type: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(3)]),
  images: Type.Array(Type.String({ format: 'uri' }), { description: 'exactly `type` absolute URLs' }),
});

/** ArticleCard (contract §1.9), the item of every app article list. */
export const ArticleCardSchema = Type.Object({
  art_id: IdOutput,
  title: Type.String(),
  aut_id: IdOutput,
  aut_name: Type.String(),
  aut_photo: Type.String(),
  comm_count: Type.Integer(),
  like_count: Type.Integer(),
  collect_count: Type.Integer(),
  pubdate: Type.String({ description: 'local time, YYYY-MM-DDTHH:mm:ss' }),
  cover: CoverSchema,
  is_top: Type.Integer({ minimum: 0, maximum: 1 }),
  ch_id: IdOutput,
});

export const ArticleParams = Type.Object({ article_id: IdPath });

export const ArticleDetailResponse = okSchema(
  Type.Object({
    art_id: IdOutput,
    title: Type.String(),
    pubdate: Type.String(),
    aut_id: IdOutput,
    aut_name: Type.String(),
    aut_photo: Type.String(),
    is_followed: Type.Boolean(),
    attitude: Type.Integer({ minimum: -1, maximum: 1, description: '-1 none, 0 disliked, 1 liked' }),
    is_collected: Type.Boolean(),
    content: Type.String(),
    recomments: Type.Array(Type.Object({ art_id: IdOutput, title: Type.String() })),
    ch_id: IdOutput,
    is_paid: Type.Boolean({ description: 'Inkstone extension: the article has a price' }),
    price: Type.Integer({ description: 'price in cents (0 = free)' }),
    purchased: Type.Boolean({ description: 'the reader bought it' }),
    preview: Type.Boolean({
      description: 'content is only the preview: buy it (POST /app/v1_0/orders) to read the rest',
    }),
  }),
);
