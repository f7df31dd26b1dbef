import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { MAX_BATCH } from './sensitive-words.service.js';

export const WordsBody = Type.Object({
  words: Type.Array(Type.String({ maxLength: 200 }), {
    maxItems: MAX_BATCH,
    description: 'compared case-insensitively (stored in lower case, NFKC); at most 64 characters each',
  }),
});

export const WordsQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

export const WordListResponse = okSchema(
  Type.Object({
    total_count: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(
      Type.Object({
        word: Type.String(),
        added_by: Type.Union([Type.String(), Type.Null()], { description: 'user id; null for the shipped seed' }),
        added_by_name: Type.Union([Type.String(), Type.Null()]),
        added_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss' }),
      }),
    ),
  }),
);

export const WordChangeResponse = okSchema(
  Type.Object({
    added: Type.Array(Type.String()),
    removed: Type.Array(Type.String()),
    size: Type.Integer({ description: 'words in the list afterwards' }),
  }),
);
