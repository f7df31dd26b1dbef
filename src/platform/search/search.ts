/**
 * Search port: full-text search over documents (articles), whatever engine runs it. Features call
 * these operations and never see SQL, FTS syntax or the engine's name in their logic.
 *
 * Adapters (one per database, chosen by `createSearchIndex` from the Kysely dialect) all run on
 * the database the app already has, over the same analysed terms (analyzer.ts), so search needs
 * no extra service: SQLite FTS5 (bm25), PostgreSQL tsvector + GIN (ts_rank_cd), MySQL/MariaDB
 * InnoDB FULLTEXT in boolean mode. One contract test suite runs against all three.
 */
import type { Analyzer } from './analyzer.js';

/** What is indexed about one article. Title and body are plain text (no HTML). */
export interface SearchDocument {
  id: bigint;
  authorId: bigint;
  /** Article status (§4.3): the app sees only 2; MP search sees its author's 0–3. */
  status: number;
  /** ms; null for never published (drafts). */
  publishedAt: number | null;
  /** Engagement score (likes, comments, collections, reads), ≥ 0: the popularity part of ranking. */
  popularity: number;
  title: string;
  body: string;
}

export interface SearchQuery {
  /** The user's text, as typed; the port analyses it. */
  text: string;
  /** 1-based. */
  page: number;
  perPage: number;
  /** Only documents with one of these statuses. */
  statuses: number[];
  /** Only this author's documents (MP search). */
  authorId?: bigint;
  /** "now" for the freshness part of ranking (ms). */
  now: number;
  /** Matches ranked at most (see RANKING.WINDOW in engine.ts); 0 ranks every match. */
  rankWindow?: number;
  /** Produce `titleHighlight` and `snippet` (default true). */
  highlight?: boolean;
}

export interface SearchHit {
  id: bigint;
  /** Blended score, higher first (only comparable within one result). */
  score: number;
  /** The title, HTML-escaped, with matched terms in `<em>`. */
  titleHighlight: string;
  /** ~90 characters of body around the first match, escaped, terms in `<em>`. */
  snippet: string;
}

export interface SearchPage {
  total: number;
  hits: SearchHit[];
  /** The query's terms after analysis (empty: nothing searchable, e.g. only punctuation). */
  terms: string[];
  /** 'all': every term matched; 'any': nothing matched all terms, so documents matching some are listed. */
  mode: 'all' | 'any';
}

export interface VocabularyTerm {
  term: string;
  /** Number of visible documents whose title contains the term. */
  df: number;
  /** Toneless pinyin without separators for Han terms (北京 → beijing); '' otherwise. */
  pinyin: string;
}

export interface DocumentState {
  /** The article status the document was indexed with. */
  status: number;
  /** When the document was last written (ms). */
  indexedAt: number;
}

export interface TitleEntry {
  title: string;
  popularity: number;
}

export interface IndexStats {
  engine: SearchEngineName;
  documents: number;
  /** Bytes of the index structures (FTS tables / tsvector + GIN / FULLTEXT table); null if unknown. */
  bytes: number | null;
}

export type SearchEngineName = 'sqlite-fts5' | 'postgres-tsvector' | 'mysql-fulltext';

export interface SearchIndex {
  readonly engine: SearchEngineName;
  readonly analyzer: Analyzer;

  /** Adds or replaces documents (idempotent: running it twice leaves the same rows). */
  index(documents: SearchDocument[]): Promise<void>;
  /** Removes documents; unknown ids are ignored. */
  remove(ids: bigint[]): Promise<void>;
  /** One page of matches, best first, with highlights. Never throws on odd input: no terms → empty page. */
  search(query: SearchQuery): Promise<SearchPage>;
  /**
   * Completions of `prefix` from the index itself: vocabulary terms and titles of visible
   * documents that start with it (folded), most frequent/popular first. Served from memory.
   */
  suggest(prefix: string, limit: number): Promise<string[]>;

  /** The title vocabulary of visible documents (for spelling and pinyin correction), most frequent first. */
  vocabulary(): Promise<VocabularyTerm[]>;
  /** After bulk (re)indexing: engine housekeeping (statistics, index merges). */
  optimize(): Promise<void>;
  /** Recomputes the stored vocabulary from the indexed titles (a scheduled job and `reindex` call it). */
  rebuildVocabulary(): Promise<number>;
  /** Indexed document ids after `afterId` in id order (reindex sweeps). */
  documentIds(afterId: bigint | null, limit: number): Promise<bigint[]>;
  /** What the index holds about these documents (absent ids are not indexed): the catch-up compares it with the articles. */
  documentStates(ids: bigint[]): Promise<Map<bigint, DocumentState>>;
  stats(): Promise<IndexStats>;
}
