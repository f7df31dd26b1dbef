/**
 * What differs between the databases' full-text engines, behind one small interface. The shared
 * part (search-index.ts) analyses text, stores plain title/body for highlighting, highlights,
 * keeps the vocabulary and the suggestion memory; an engine only writes its index columns and ranks.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { SearchDocument, SearchEngineName } from './search.js';

export interface AnalysedDocument extends SearchDocument {
  titleTerms: string[];
  bodyTerms: string[];
  indexedAt: number;
}

export interface RankRequest {
  /** Analysed, distinct, non-empty. */
  terms: string[];
  /** 'all': a document must contain every term (in title or body); 'any': at least one. */
  mode: 'all' | 'any';
  statuses: number[];
  authorId?: bigint;
  limit: number;
  offset: number;
  now: number;
  /**
   * Rank at most this many newest matches plus this many newest title matches (0: rank every
   * match). Widened to offset + limit for deep pages. The total is always exact.
   */
  window: number;
}

export interface RankedPage {
  /** null when the page was empty and the engine could not tell the total from it (ask `count`). */
  total: number | null;
  rows: { id: bigint; score: number }[];
}

export interface SearchEngine {
  readonly name: SearchEngineName;
  /** Inserts or replaces rows of search_documents with this engine's index columns. */
  upsert(db: Db, documents: AnalysedDocument[]): Promise<void>;
  /** Best first: relevance (title above body) × freshness and popularity boost. */
  rank(db: Db, request: RankRequest): Promise<RankedPage>;
  count(db: Db, request: RankRequest): Promise<number>;
  /** title_terms as stored → the analysed terms (MySQL stores them encoded). */
  decodeTerms(stored: string): string[];
  /** After a bulk load: refresh planner statistics, merge index segments (each engine its own way). */
  optimize(db: Db): Promise<void>;
  /** Bytes used by the full-text structures (and the documents table), when the database can tell. */
  sizeBytes(db: Db): Promise<number | null>;
}

/**
 * The ranking formula, the same on every engine (only `relevance` is the engine's own):
 *
 *   score = relevance × (1 + FRESH_WEIGHT × freshness + POPULAR_WEIGHT × popularity)
 *   freshness  = 1 / (1 + age_days / FRESH_HALF_DAYS)      1 today, ½ after 30 days, → 0
 *   popularity = p / (p + POPULAR_HALF)                      0 … 1, ½ at p = 50
 *
 * so relevance decides and the boost (×1 … ×1.6) orders comparable matches: the new and the
 * popular first. Relevance counts a title hit TITLE_WEIGHT times a body hit on every engine.
 *
 * Ranking window: computing relevance is the expensive part (bm25 position lists, PostgreSQL
 * detoasting every matching tsvector), so a query matching more than WINDOW documents ranks the
 * union of its WINDOW newest matches (ids grow with time) and its WINDOW newest title matches
 * — the candidates that can reach the first pages — instead of all of them. Queries with fewer
 * matches (nearly all real ones) are ranked exactly; total_count is always exact.
 */
export const RANKING = {
  FRESH_WEIGHT: 0.3,
  FRESH_HALF_DAYS: 30,
  POPULAR_WEIGHT: 0.3,
  POPULAR_HALF: 50,
  WINDOW: 500,
  /** Title relevance × TITLE_WEIGHT + body relevance × BODY_WEIGHT (ts_rank_cd weights A : B on PostgreSQL). */
  TITLE_WEIGHT: 8,
  BODY_WEIGHT: 1,
} as const;

export const DAY_MS = 86_400_000;

/** Rows per INSERT: far below every database's placeholder limit with ~11 columns. */
export const WRITE_CHUNK = 200;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The shared WHERE part: statuses and, for MP search, the author. */
export function filtersSql(request: RankRequest) {
  const parts = [sql`d.status IN (${sql.join(request.statuses)})`];
  if (request.authorId !== undefined) parts.push(sql`d.user_id = ${request.authorId}`);
  return sql.join(parts, sql` AND `);
}

/** Columns an upsert overwrites (all but the key). */
export const UPDATED_COLUMNS = [
  'user_id',
  'status',
  'published_at',
  'popularity',
  'title',
  'body',
  'title_terms',
  'body_terms',
  'indexed_at',
] as const;

/** A search_documents row; `encode` turns each term into what the engine's index reads. */
export function documentRow(d: AnalysedDocument, encode: (term: string) => string = (term) => term) {
  return {
    article_id: d.id,
    user_id: d.authorId,
    status: d.status,
    published_at: d.publishedAt,
    popularity: d.popularity,
    title: d.title,
    body: d.body,
    title_terms: d.titleTerms.map(encode).join(' '),
    body_terms: d.bodyTerms.map(encode).join(' '),
    indexed_at: d.indexedAt,
  };
}

/** Rank rows → RankedPage: every row carries the same total; an empty page cannot tell it. */
export function rankedPage(rows: { id: bigint; score: number; total: number }[]): RankedPage {
  return {
    total: rows.length > 0 ? Number(rows[0]!.total) : null,
    rows: rows.map((r) => ({ id: r.id, score: Number(r.score) })),
  };
}
