/**
 * The search port over the app's own database: analysis, storage of the plain text that
 * highlights are cut from, highlighting, the title vocabulary and the in-memory completion data
 * are shared; the engine (engine.ts) writes its index columns and ranks.
 */
import { pinyin } from 'pinyin-pro';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialect.js';
import { createAnalyzer, MAX_BODY_CHARS, type Analyzer, type AnalyzerOptions } from './analyzer.js';
import { chunks, RANKING, type AnalysedDocument, type RankRequest, type SearchEngine } from './engine.js';
import { highlight, snippet } from './highlight.js';
import { mysqlEngine } from './mysql-engine.js';
import { postgresEngine } from './postgres-engine.js';
import { PrefixIndex } from './prefix-index.js';
import type {
  DocumentState,
  IndexStats,
  SearchDocument,
  SearchIndex,
  SearchPage,
  SearchQuery,
  VocabularyTerm,
} from './search.js';
import { sqliteEngine } from './sqlite-engine.js';

export interface SearchIndexOptions {
  /** Defaults to one built from `analyzer` options (shared jieba, bundled dictionary). */
  analyzer?: Analyzer;
  /** Used when `analyzer` is not given: e.g. `{ userDictPath }` (config SEARCH_USER_DICT). */
  analyzerOptions?: AnalyzerOptions;
  /** Clock for `indexed_at` and memory refreshes. */
  now?: () => number;
  /** How old the in-memory completion data may get before it is reloaded in the background (ms). */
  refreshMs?: number;
  /** Vocabulary terms stored and kept in memory (most frequent first). */
  vocabularySize?: number;
  /** Most popular visible titles kept in memory for completion. */
  titleCount?: number;
}

const TITLE_CHARS = 255;
/** Documents analysed between two yields to the event loop (reindexing while serving). */
const ANALYSE_SLICE = 8;
const SCAN_BATCH = 2_000;
const TERM_INSERT_CHUNK = 500;
const LETTER = /\p{L}/u;

export function engineFor(db: Db): SearchEngine {
  const dialect = dialectOf(db);
  return dialect === 'postgres' ? postgresEngine : dialect === 'mysql' ? mysqlEngine : sqliteEngine;
}

function toPinyin(term: string): string {
  return pinyin(term, { toneType: 'none', type: 'array', v: true }).join('').toLowerCase();
}

interface Memory {
  terms: PrefixIndex;
  titles: PrefixIndex;
  vocabulary: VocabularyTerm[];
  /** Identifies the vocabulary's content: an unchanged vocabulary keeps its structures (and identity). */
  signature: string;
  loadedAt: number;
}

export function createSearchIndex(db: Db, options: SearchIndexOptions = {}): SearchIndex {
  const engine = engineFor(db);
  const analyzer = options.analyzer ?? createAnalyzer(options.analyzerOptions);
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 60_000;
  const vocabularySize = options.vocabularySize ?? 50_000;
  const titleCount = options.titleCount ?? 20_000;

  let memory: Memory | undefined;
  let loading: Promise<Memory> | undefined;
  let generation = 0;

  async function loadMemory(): Promise<Memory> {
    const started = generation;
    const [terms, titles] = await Promise.all([
      db
        .selectFrom('search_terms')
        .select(['term', 'df', 'pinyin'])
        .orderBy('df', 'desc')
        .orderBy('term')
        .limit(vocabularySize)
        .execute(),
      db
        .selectFrom('search_documents')
        .select(['title', 'popularity'])
        .where('status', '=', 2)
        .orderBy('popularity', 'desc')
        .limit(titleCount)
        .execute(),
    ]);
    // Rebuilding the term structures is the costly part of a refresh: skip it when nothing changed.
    let signature = `${terms.length}`;
    let sum = 0;
    for (const t of terms) sum = (sum * 31 + t.df + t.term.length) % 1_000_000_007;
    signature += `:${sum}:${terms[0]?.term ?? ''}:${terms.at(-1)?.term ?? ''}`;
    const same = memory && memory.signature === signature;
    const termIndex = same
      ? memory!.terms
      : new PrefixIndex(
          terms
            .filter((t) => [...t.term].length >= 2)
            .map((t) => ({ key: t.term, display: t.term, weight: 1 + Math.log1p(t.df) })),
        );
    await yieldToEventLoop();
    const titleIndex = new PrefixIndex(
      titles.map((t) => {
        const display = t.title.trim();
        return {
          key: analyzer.fold(display).replace(/\s+/g, ' '),
          display,
          weight: 0.5 + 0.5 * Math.log1p(t.popularity),
        };
      }),
    );
    const loaded: Memory = {
      terms: termIndex,
      titles: titleIndex,
      vocabulary: same ? memory!.vocabulary : terms.map((t) => ({ ...t })),
      signature,
      loadedAt: now(),
    };
    // A rebuild that finished while this was loading made it stale already: keep it, but reload next time.
    if (started !== generation) loaded.loadedAt = 0;
    return loaded;
  }

  function reload(): Promise<Memory> {
    loading ??= loadMemory()
      .then((loaded) => (memory = loaded))
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  async function currentMemory(): Promise<Memory> {
    if (!memory) return reload();
    if (now() - memory.loadedAt > refreshMs) {
      // Stale: answer from what we have, refresh in the background.
      reload().catch(() => undefined);
    }
    return memory;
  }

  async function analyse(documents: SearchDocument[]): Promise<AnalysedDocument[]> {
    const out: AnalysedDocument[] = [];
    const at = now();
    for (let i = 0; i < documents.length; i++) {
      if (i > 0 && i % ANALYSE_SLICE === 0) await yieldToEventLoop();
      const d = documents[i]!;
      const title = d.title.slice(0, TITLE_CHARS);
      const body = d.body.slice(0, MAX_BODY_CHARS);
      out.push({
        id: d.id,
        authorId: d.authorId,
        status: d.status,
        publishedAt: d.publishedAt,
        popularity: Math.max(0, Math.round(d.popularity)),
        title,
        body,
        titleTerms: analyzer.analyze(title),
        bodyTerms: analyzer.analyze(body),
        indexedAt: at,
      });
    }
    return out;
  }

  async function highlighted(
    ids: bigint[],
    terms: string[],
  ): Promise<Map<bigint, { titleHighlight: string; snippet: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('search_documents')
      .select(['article_id', 'title', 'body'])
      .where('article_id', 'in', ids)
      .execute();
    return new Map(
      rows.map(
        (r) => [r.article_id, { titleHighlight: highlight(r.title, terms), snippet: snippet(r.body, terms) }] as const,
      ),
    );
  }

  const index: SearchIndex = {
    engine: engine.name,
    analyzer,

    async index(documents) {
      if (documents.length === 0) return;
      await engine.upsert(db, await analyse(documents));
    },

    async remove(ids) {
      for (const chunk of chunks(ids, 500))
        await db.deleteFrom('search_documents').where('article_id', 'in', chunk).execute();
    },

    async search(query: SearchQuery): Promise<SearchPage> {
      const terms = analyzer.queryTerms(query.text);
      if (terms.length === 0 || query.statuses.length === 0) return { total: 0, hits: [], terms, mode: 'all' };
      const request: RankRequest = {
        terms,
        mode: 'all',
        statuses: query.statuses,
        authorId: query.authorId,
        limit: query.perPage,
        offset: (query.page - 1) * query.perPage,
        now: query.now,
        window: query.rankWindow ?? RANKING.WINDOW,
      };
      let ranked = await engine.rank(db, request);
      let total = ranked.total ?? (await engine.count(db, request));
      if (total === 0 && terms.length > 1) {
        // Nothing has every term: list what has some of them, best first.
        request.mode = 'any';
        ranked = await engine.rank(db, request);
        total = ranked.total ?? (await engine.count(db, request));
      }
      const ids = ranked.rows.map((r) => r.id);
      const marks =
        query.highlight === false
          ? new Map<bigint, { titleHighlight: string; snippet: string }>()
          : await highlighted(ids, terms);
      return {
        total,
        terms,
        mode: request.mode,
        hits: ranked.rows.map((r) => ({
          id: r.id,
          score: r.score,
          titleHighlight: marks.get(r.id)?.titleHighlight ?? '',
          snippet: marks.get(r.id)?.snippet ?? '',
        })),
      };
    },

    async suggest(prefix, limit) {
      const key = analyzer.fold(prefix).trim().replace(/\s+/g, ' ');
      if (!key) return [];
      const { terms, titles } = await currentMemory();
      return [...terms.complete(key, limit), ...titles.complete(key, limit)]
        .sort((a, b) => b.weight - a.weight)
        .slice(0, limit)
        .map((e) => e.display);
    },

    optimize: () => engine.optimize(db),

    async vocabulary() {
      return (await currentMemory()).vocabulary;
    },

    async rebuildVocabulary() {
      const df = new Map<string, number>();
      let after: bigint | null = null;
      for (;;) {
        let q = db.selectFrom('search_documents').select(['article_id', 'title_terms']).where('status', '=', 2);
        if (after !== null) q = q.where('article_id', '>', after);
        const rows = await q.orderBy('article_id').limit(SCAN_BATCH).execute();
        if (rows.length === 0) break;
        for (const row of rows) {
          for (const term of new Set(engine.decodeTerms(row.title_terms))) {
            if (term.length < 2 || term.length > 64 || !LETTER.test(term)) continue;
            df.set(term, (df.get(term) ?? 0) + 1);
          }
        }
        after = rows.at(-1)!.article_id;
        await yieldToEventLoop();
      }
      const top = [...df].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, vocabularySize);
      const known = new Map(
        (await db.selectFrom('search_terms').select(['term', 'pinyin']).execute()).map((r) => [r.term, r.pinyin]),
      );
      const rows: VocabularyTerm[] = [];
      for (let i = 0; i < top.length; i++) {
        if (i % 500 === 499) await yieldToEventLoop();
        const [term, count] = top[i]!;
        rows.push({ term, df: count, pinyin: analyzer.isHan(term) ? known.get(term) || toPinyin(term) : '' });
      }
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('search_terms').execute();
        for (const chunk of chunks(rows, TERM_INSERT_CHUNK))
          await trx.insertInto('search_terms').values(chunk).execute();
      });
      generation++;
      if (memory) memory.loadedAt = 0;
      return rows.length;
    },

    async documentIds(afterId, limit) {
      let q = db.selectFrom('search_documents').select('article_id');
      if (afterId !== null) q = q.where('article_id', '>', afterId);
      return (await q.orderBy('article_id').limit(limit).execute()).map((r) => r.article_id);
    },

    async documentStates(ids) {
      const out = new Map<bigint, DocumentState>();
      for (const chunk of chunks(ids, 500)) {
        const rows = await db
          .selectFrom('search_documents')
          .select(['article_id', 'status', 'indexed_at'])
          .where('article_id', 'in', chunk)
          .execute();
        for (const row of rows) out.set(row.article_id, { status: row.status, indexedAt: row.indexed_at });
      }
      return out;
    },

    async stats(): Promise<IndexStats> {
      const row = await db
        .selectFrom('search_documents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return { engine: engine.name, documents: Number(row?.n ?? 0), bytes: await engine.sizeBytes(db) };
    },
  };
  return index;
}
