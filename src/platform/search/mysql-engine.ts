/**
 * MySQL / MariaDB: InnoDB FULLTEXT in boolean mode over pre-segmented, encoded terms.
 *
 * InnoDB's full-text parser would (1) drop every token shorter than innodb_ft_min_token_size (3 by
 * default) — and most Chinese words are 2 characters, single-letter terms 1 —, (2) drop its
 * built-in English stop words (`the`, `or`, `with`…), (3) split `c++`, `node.js`, `utf-8` at the
 * punctuation, and (4) skip tokens longer than innodb_ft_max_token_size (84). MariaDB has no ngram
 * parser, and the server variables are not ours to change. So each analysed term is stored and
 * queried as `t` + the hex of its UTF-8 bytes (北京 → te58c97e4baac, c++ → t632b2b): at least 3
 * characters, only [0-9a-f], never a stop word, and decodable (the vocabulary reads it back).
 * A term whose encoding would exceed 83 characters (over 41 UTF-8 bytes: 14+ Chinese characters)
 * is stored as `h` + its SHA-1 (41 characters) instead; it still matches, it only cannot be decoded.
 *
 * Boolean-mode queries are built only from these encoded words (`+t…` for all, bare for any),
 * so operators typed by a user (`"`, `*`, `-`, `+`, `(`, `~`, `@`) never reach the parser.
 */
import { createHash } from 'node:crypto';
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

const MAX_HEX = 82;

export function encodeTerm(term: string): string {
  const hex = Buffer.from(term, 'utf8').toString('hex');
  return hex.length <= MAX_HEX ? `t${hex}` : `h${createHash('sha1').update(term, 'utf8').digest('hex')}`;
}

export function decodeTerm(word: string): string | null {
  return word.startsWith('t') ? Buffer.from(word.slice(1), 'hex').toString('utf8') : null;
}

export function booleanQuery(terms: string[], mode: 'all' | 'any'): string {
  return terms.map((term) => (mode === 'all' ? `+${encodeTerm(term)}` : encodeTerm(term))).join(' ');
}

export const mysqlEngine: SearchEngine = {
  name: 'mysql-fulltext',

  async upsert(db, documents) {
    for (const chunk of chunks(documents, WRITE_CHUNK)) {
      await db
        .insertInto('search_documents')
        .values(chunk.map((d) => documentRow(d, encodeTerm)))
        .onDuplicateKeyUpdate(Object.fromEntries(UPDATED_COLUMNS.map((c) => [c, sql`VALUES(${sql.ref(c)})`])) as never)
        .execute();
    }
  },

  async rank(db, request) {
    const { FRESH_WEIGHT, FRESH_HALF_DAYS, POPULAR_WEIGHT, POPULAR_HALF, TITLE_WEIGHT, BODY_WEIGHT } = RANKING;
    const all = booleanQuery(request.terms, request.mode);
    // The weighted parts score every term that occurs, in the title index and the body index.
    const any = booleanQuery(request.terms, 'any');
    const window = sql.lit(
      request.window > 0 ? Math.max(request.window, request.offset + request.limit) : 1_000_000_000_000,
    );
    const { rows } = await sql<{ id: bigint; score: number; total: number }>`
      WITH m AS (
        SELECT d.article_id FROM search_documents d
        WHERE MATCH(d.title_terms, d.body_terms) AGAINST (${all} IN BOOLEAN MODE) AND ${filtersSql(request)}
      ),
      c AS (
        (SELECT article_id FROM m ORDER BY article_id DESC LIMIT ${window})
        UNION
        (SELECT d.article_id FROM search_documents d
         WHERE MATCH(d.title_terms) AGAINST (${all} IN BOOLEAN MODE) AND ${filtersSql(request)}
         ORDER BY d.article_id DESC LIMIT ${window})
      )
      SELECT d.article_id AS id,
        (${sql.lit(TITLE_WEIGHT)} * MATCH(d.title_terms) AGAINST (${any} IN BOOLEAN MODE)
          + ${sql.lit(BODY_WEIGHT)} * MATCH(d.body_terms) AGAINST (${any} IN BOOLEAN MODE))
          * (1 + ${sql.lit(FRESH_WEIGHT)} / (1 + GREATEST(0, ${request.now} - COALESCE(d.published_at, 0)) / ${sql.lit(DAY_MS * FRESH_HALF_DAYS)})
               + ${sql.lit(POPULAR_WEIGHT)} * d.popularity / (d.popularity + ${sql.lit(POPULAR_HALF)})) AS score,
        (SELECT COUNT(*) FROM m) AS total
      FROM search_documents d
      WHERE d.article_id IN (SELECT article_id FROM c)
      ORDER BY score DESC, d.article_id DESC
      LIMIT ${request.limit} OFFSET ${request.offset}`.execute(db);
    return rankedPage(rows);
  },

  async count(db, request) {
    const { rows } = await sql<{ n: number }>`
      SELECT COUNT(*) AS n FROM search_documents d
      WHERE MATCH(d.title_terms, d.body_terms) AGAINST (${booleanQuery(request.terms, request.mode)} IN BOOLEAN MODE) AND ${filtersSql(request)}`.execute(
      db,
    );
    return Number(rows[0]?.n ?? 0);
  },

  async optimize(db) {
    // OPTIMIZE TABLE would rebuild the whole table (FULLTEXT-only optimisation is a server setting).
    await sql`ANALYZE TABLE search_documents`.execute(db);
  },

  decodeTerms(stored) {
    const out: string[] = [];
    for (const word of stored.split(' ')) {
      const term = word ? decodeTerm(word) : null;
      if (term) out.push(term);
    }
    return out;
  },

  async sizeBytes(db) {
    try {
      const { rows } = await sql<{ bytes: number }>`
        SELECT COALESCE(SUM(data_length + index_length), 0) AS bytes FROM information_schema.tables
        WHERE table_schema = DATABASE() AND table_name IN ('search_documents', 'search_terms')`.execute(db);
      return Number(rows[0]?.bytes ?? 0);
    } catch {
      return null;
    }
  },
};
