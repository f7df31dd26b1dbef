import { Type, type TSchema } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';
import { ArticleCardSchema, CoverSchema } from '../articles/article.schema.js';

/** A05/A07/M16 `q`: required, 1–50 characters (a missing, empty or longer one is a 400). */
const Q = Type.String({ minLength: 1, maxLength: 50, description: 'what was typed, 1–50 characters' });

export const SearchQuerystring = Type.Object({ q: Q, ...PageQuery });
export const SuggestionQuerystring = Type.Object({ q: Q });

/** ArticleCard plus highlights the app ignores (HTML-escaped, matched terms in `<em>`). */
export const SearchResultSchema = Type.Object({
  ...ArticleCardSchema.properties,
  title_highlight: Type.String({ description: 'the title, HTML-escaped, matched terms wrapped in <em>' }),
  snippet: Type.String({ description: 'a short piece of the body around the first match, escaped, terms in <em>' }),
});

/** M16 items: the MP article-list shape. */
export const MpSearchResultSchema = Type.Object({
  id: IdOutput,
  title: Type.String(),
  status: Type.Integer({ description: '0 draft, 1 pending, 2 approved, 3 rejected' }),
  pubdate: Type.String({ description: 'YYYY-MM-DD HH:mm:ss (publish time, or creation time when never published)' }),
  cover: CoverSchema,
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

export const SearchResponse = pageOf(SearchResultSchema);
export const MpSearchResponse = pageOf(MpSearchResultSchema);
export const SuggestionResponse = okSchema(Type.Object({ options: Type.Array(Type.String(), { maxItems: 10 }) }));
export const HistoriesResponse = okSchema(Type.Object({ keywords: Type.Array(Type.String()) }));
