/**
 * SQLite: FTS5 over the analysed terms (external content = search_documents, synced by the
 * triggers of migration 0005). Relevance is TITLE_WEIGHT × bm25 of the title column plus the
 * bm25 of the body column: two bm25() calls with column weights (1, 0) and (0, 1), because FTS5
 * adds weighted hits of all columns *before* bm25's saturation, where a weight of 8 ends up
 * worth less than 1.5×. Every term goes into the MATCH expression as a quoted string ("c++", "near"),
 * so no user input is ever read as FTS5 syntax.
 */
import { sql } from 'kysely';
import {
  chunks,
  DAY_MS,
  documentRow,
  filtersSql,
  RANKING,
  rankedPage,
  UPDATED_COLUMNS,
  WRITE_CHUNK,
  type SearchEngine,
} from './engine.js';

export function ftsMatch(terms: string[], mode: 'all' | 'any'): string {
  return terms.map((term) => `"${term.replace(/"/g, '""')}"`).join(mode === 'all' ? ' AND ' : ' OR ');
}

/*
 * Every join from search_fts to search_documents goes through the covering index
 * search_documents_filter (article_id, status, user_id, published_at, popularity): the table's own
 * rows carry the bodies, so a lookup per match there reads a page per row (36 ms for 13 000
 * matches at 100 000 documents, against 5 ms through the index).
 */

export const sqliteEngine: SearchEngine = {
  name: 'sqlite-fts5',

  async upsert(db, documents) {
    for (const chunk of chunks(documents, WRITE_CHUNK)) {
      await db
        .insertInto('search_documents')
        .values(chunk.map((d) => documentRow(d)))
        .onConflict((oc) =>
          oc
            .column('article_id')
            .doUpdateSet(Object.fromEntries(UPDATED_COLUMNS.map((c) => [c, sql.ref(`excluded.${c}`)])) as never),
        )
        .execute();
    }
  },

  async rank(db, request) {
    const { FRESH_WEIGHT, FRESH_HALF_DAYS, POPULAR_WEIGHT, POPULAR_HALF, TITLE_WEIGHT, BODY_WEIGHT } = RANKING;
    const match = ftsMatch(request.terms, request.mode);
    const window = request.window > 0 ? Math.max(request.window, request.offset + request.limit) : -1;
    const score = sql`-(${sql.lit(TITLE_WEIGHT)} * bm25(search_fts, 1, 0) + ${sql.lit(BODY_WEIGHT)} * bm25(search_fts, 0, 1))
      * (1 + ${sql.lit(FRESH_WEIGHT)} / (1 + max(0, ${request.now} - coalesce(d.published_at, 0)) / (${sql.lit(DAY_MS * FRESH_HALF_DAYS)} * 1.0))
           + ${sql.lit(POPULAR_WEIGHT)} * d.popularity / (d.popularity + ${sql.lit(POPULAR_HALF)} * 1.0))`;
    // bm25() may not share a SELECT with window functions or sit in a flattened subquery: each
    // step is a materialised CTE. m: every match (ids only, no bm25: the exact total); c: the
    // newest `window` matches and title matches; r: bm25 × boost for the candidates only.
    const { rows } = await sql<{ id: bigint; score: number; total: number }>`
      WITH m AS MATERIALIZED (
        SELECT d.article_id AS id FROM search_fts JOIN search_documents d INDEXED BY search_documents_filter ON d.article_id = search_fts.rowid
        WHERE search_fts MATCH ${match} AND ${filtersSql(request)}
      ),
      c AS MATERIALIZED (
        SELECT id FROM (SELECT id FROM m ORDER BY id DESC LIMIT ${window})
        UNION
        SELECT id FROM (
          SELECT d.article_id AS id FROM search_fts JOIN search_documents d INDEXED BY search_documents_filter ON d.article_id = search_fts.rowid
          WHERE search_fts MATCH ${`title_terms : (${match})`} AND ${filtersSql(request)}
          ORDER BY d.article_id DESC LIMIT ${window})
      ),
      r AS MATERIALIZED (
        SELECT d.article_id AS id, ${score} AS score
        FROM search_fts JOIN search_documents d INDEXED BY search_documents_filter ON d.article_id = search_fts.rowid
        -- Unary +: a filter, not a rowid lookup. Each FTS5 lookup would be a query of its own, and
        -- bm25() rescans every phrase's doclist once per query for its IDF.
        WHERE search_fts MATCH ${match} AND +search_fts.rowid IN (SELECT id FROM c)
      )
      SELECT id, score, (SELECT count(*) FROM m) AS total FROM r
      ORDER BY score DESC, id DESC
      LIMIT ${request.limit} OFFSET ${request.offset}`.execute(db);
    return rankedPage(rows);
  },

  async count(db, request) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*) AS n FROM search_fts JOIN search_documents d INDEXED BY search_documents_filter ON d.article_id = search_fts.rowid
      WHERE search_fts MATCH ${ftsMatch(request.terms, request.mode)} AND ${filtersSql(request)}`.execute(db);
    return Number(rows[0]?.n ?? 0);
  },

  async optimize(db) {
    // Merges FTS5's b-trees into one (fewer segments to read per query), then fresh statistics.
    await sql`INSERT INTO search_fts(search_fts) VALUES ('optimize')`.execute(db);
    await sql`ANALYZE search_documents`.execute(db);
  },

  decodeTerms: (stored) => (stored ? stored.split(' ') : []),

  async sizeBytes(db) {
    // dbstat is compiled into better-sqlite3's SQLite; fall back to null where it is not.
    try {
      const { rows } = await sql<{ bytes: number }>`
        SELECT coalesce(sum(pgsize), 0) AS bytes FROM dbstat
        WHERE name LIKE 'search_fts%' OR name LIKE 'search_documents%' OR name LIKE 'sqlite_autoindex_search_documents%'`.execute(
        db,
      );
      return Number(rows[0]?.bytes ?? 0);
    } catch {
      return null;
    }
  },
};
