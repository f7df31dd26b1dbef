/**
 * PostgreSQL: a tsvector per document (title terms weight A, body terms weight B, with positions)
 * in `search_documents.tsv`, a GIN index on it, ranked with ts_rank_cd.
 *
 * This is the `simple` configuration's behaviour (no stemming, no stop words: every term is its
 * own lexeme), but the vector and the query are built from our analysed terms as tsvector /
 * tsquery literals instead of `to_tsvector('simple', …)` / `to_tsquery('simple', …)`: those run
 * PostgreSQL's default parser again, which splits `c++` into `c` and treats `node.js` as a host.
 * Each lexeme is single-quoted with quotes and backslashes doubled and the whole query is a bound
 * parameter cast to tsquery, so no input can reach the tsquery syntax (`!`, `&`, `:*`, `<->`…).
 */
import { sql } from 'kysely';
import { chunks, DAY_MS, filtersSql, RANKING, rankedPage, WRITE_CHUNK, type SearchEngine } from './engine.js';

/** tsvector limits: positions 1…16383, at most 256 positions per lexeme. */
const MAX_POSITION = 16_383;
const MAX_POSITIONS_PER_LEXEME = 256;

export function quoteLexeme(term: string): string {
  return `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export function tsvectorLiteral(titleTerms: string[], bodyTerms: string[]): string {
  const positions = new Map<string, string[]>();
  let position = 0;
  const add = (terms: string[], weight: 'A' | 'B') => {
    for (const term of terms) {
      position = Math.min(position + 1, MAX_POSITION);
      let list = positions.get(term);
      if (!list) positions.set(term, (list = []));
      const entry = `${position}${weight}`;
      if (
        list.length < MAX_POSITIONS_PER_LEXEME &&
        list.at(-1) !== entry &&
        !(position === MAX_POSITION && list.at(-1)?.startsWith(`${MAX_POSITION}`))
      )
        list.push(entry);
    }
  };
  add(titleTerms, 'A');
  add(bodyTerms, 'B');
  return [...positions].map(([term, list]) => `${quoteLexeme(term)}:${list.join(',')}`).join(' ');
}

export function tsqueryLiteral(terms: string[], mode: 'all' | 'any'): string {
  return terms.map(quoteLexeme).join(mode === 'all' ? ' & ' : ' | ');
}

/** ts_rank_cd weights for {D, C, B, A}: a title (A) occurrence counts TITLE_WEIGHT body (B) ones. */
const WEIGHTS = `{0.1,0.1,${RANKING.BODY_WEIGHT / RANKING.TITLE_WEIGHT},1.0}`;

export const postgresEngine: SearchEngine = {
  name: 'postgres-tsvector',

  async upsert(db, documents) {
    for (const chunk of chunks(documents, WRITE_CHUNK)) {
      const rows = chunk.map(
        (d) =>
          sql`(${d.id}, ${d.authorId}, ${d.status}, ${d.publishedAt}, ${d.popularity}, ${d.title}, ${d.body}, ${d.titleTerms.join(' ')}, ${d.bodyTerms.join(' ')}, ${d.indexedAt}, CAST(${tsvectorLiteral(d.titleTerms, d.bodyTerms)} AS tsvector), CAST(${tsvectorLiteral(d.titleTerms, [])} AS tsvector))`,
      );
      await sql`
        INSERT INTO search_documents (article_id, user_id, status, published_at, popularity, title, body, title_terms, body_terms, indexed_at, tsv, tsv_title)
        VALUES ${sql.join(rows)}
        ON CONFLICT (article_id) DO UPDATE SET
          user_id = excluded.user_id, status = excluded.status, published_at = excluded.published_at,
          popularity = excluded.popularity, title = excluded.title, body = excluded.body,
          title_terms = excluded.title_terms, body_terms = excluded.body_terms,
          indexed_at = excluded.indexed_at, tsv = excluded.tsv, tsv_title = excluded.tsv_title`.execute(db);
    }
  },

  async rank(db, request) {
    const { FRESH_WEIGHT, FRESH_HALF_DAYS, POPULAR_WEIGHT, POPULAR_HALF } = RANKING;
    const window = request.window > 0 ? Math.max(request.window, request.offset + request.limit) : null;
    // m (materialised: the GIN bitmap, never a backwards primary-key walk that would detoast every
    // row it tests) gives the exact total; c the newest `window` matches and title matches (via the
    // small tsv_title); only those are ranked, so only their tsvectors are read.
    const { rows } = await sql<{ id: bigint; score: number; total: number }>`
      WITH q AS MATERIALIZED (SELECT CAST(${tsqueryLiteral(request.terms, request.mode)} AS tsquery) AS q),
      m AS MATERIALIZED (SELECT d.article_id FROM search_documents d, q WHERE d.tsv @@ q.q AND ${filtersSql(request)}),
      c AS MATERIALIZED (
        (SELECT article_id FROM m ORDER BY article_id DESC LIMIT ${window})
        UNION
        (SELECT d.article_id FROM search_documents d, q WHERE d.tsv_title @@ q.q AND ${filtersSql(request)} ORDER BY d.article_id DESC LIMIT ${window})
      )
      SELECT d.article_id AS id,
        ts_rank_cd(CAST(${WEIGHTS} AS float4[]), d.tsv, q.q)::float8
          * (1 + ${sql.lit(FRESH_WEIGHT)} / (1 + greatest(0, CAST(${request.now} AS float8) - coalesce(d.published_at, 0)) / ${sql.lit(DAY_MS * FRESH_HALF_DAYS)}::float8)
               + ${sql.lit(POPULAR_WEIGHT)} * d.popularity / (d.popularity + ${sql.lit(POPULAR_HALF)}::float8)) AS score,
        (SELECT count(*) FROM m) AS total
      FROM search_documents d, q
      WHERE d.article_id IN (SELECT article_id FROM c)
      ORDER BY score DESC, d.article_id DESC
      LIMIT ${request.limit} OFFSET ${request.offset}`.execute(db);
    return rankedPage(rows);
  },

  async count(db, request) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*) AS n FROM search_documents d
      WHERE d.tsv @@ CAST(${tsqueryLiteral(request.terms, request.mode)} AS tsquery) AND ${filtersSql(request)}`.execute(
      db,
    );
    return Number(rows[0]?.n ?? 0);
  },

  async optimize(db) {
    // Without statistics after a bulk load the planner picks the status index over GIN.
    await sql`ANALYZE search_documents`.execute(db);
  },

  decodeTerms: (stored) => (stored ? stored.split(' ') : []),

  async sizeBytes(db) {
    const { rows } = await sql<{ bytes: number }>`
      SELECT pg_total_relation_size('search_documents') + pg_total_relation_size('search_terms') AS bytes`.execute(db);
    return Number(rows[0]?.bytes ?? 0);
  },
};
