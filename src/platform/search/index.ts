/**
 * The search port (search.ts) and its factory. `createSearchIndex(db)` picks the adapter for the
 * database the app runs on: SQLite FTS5, PostgreSQL tsvector, MySQL/MariaDB FULLTEXT.
 *
 * Not here: an Elasticsearch/OpenSearch adapter. The port is shaped so one can be added (index,
 * remove, search with highlights, suggest, vocabulary), but no such server is available to build
 * and test it against.
 */
export type {
  DocumentState,
  IndexStats,
  SearchDocument,
  SearchEngineName,
  SearchHit,
  SearchIndex,
  SearchPage,
  SearchQuery,
  TitleEntry,
  VocabularyTerm,
} from './search.js';
export {
  createAnalyzer,
  foldText,
  warmUp,
  MAX_BODY_CHARS,
  MAX_TERM_LENGTH,
  type Analyzer,
  type AnalyzerOptions,
} from './analyzer.js';
export { escapeHtml, highlight, htmlToText, snippet } from './highlight.js';
export { PrefixIndex, type PrefixEntry } from './prefix-index.js';
export { RANKING } from './engine.js';
export { createSearchIndex, type SearchIndexOptions } from './search-index.js';
