/**
 * Search for readers (A05) and authors (M16), history (A04/A06), suggestions (A07) and keeping
 * the index in step with the articles.
 *
 * Index maintenance never runs inside a request: 'article.changed' (approve, edit, delete, ban…)
 * and 'comment.created' (popularity) enqueue a `search.index-article` job, whose processor reads
 * the article as it is now and upserts or removes its document. `reindex` rebuilds everything from
 * the database while serving: idempotent upserts in batches, then a sweep that removes documents
 * whose article is gone, deleted or banned. `catchUp` (queued at every boot) does the same for
 * only the articles whose document is missing or stale, so writes that never produced a job
 * (seeds, imports, a crash before the job) become searchable without anyone running `reindex`.
 */
import type { Clock } from '../../platform/clock.js';
import type { JobQueue } from '../../platform/jobs/jobs.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { htmlToText, type SearchDocument, type SearchIndex } from '../../platform/search/index.js';
import { presentCardEntry, presentCover, type CardEntry } from '../articles/article.presenter.js';
import { createSearchHistory, DEFAULT_HISTORY_SIZE } from './search.history.js';
import { INDEXED_STATUSES, type ArticleSourceRow, type SearchRepository } from './search.repository.js';
import { createResultCache } from './search.result-cache.js';
import { createSuggestionService } from './search.suggestions.js';

export const INDEX_ARTICLE_JOB = 'search.index-article';
export interface IndexArticleJob {
  /** Decimal string: job payloads carry no bigint. */
  articleId: string;
  /**
   * Queued for popularity only (a comment): the document's text and visibility did not change,
   * so cached result pages stay (their order may lag by the cache's ≤ 60 s, as for reads and
   * likes, whose counts move ranking without any job). A removal still ends the generation.
   */
  rankOnly?: boolean;
}

/** Statuses the app's search shows (approved only). */
const APP_STATUSES = [2];

type PopularityField = 'read_count' | 'like_count' | 'comment_count' | 'collect_count' | 'share_count';

export interface SearchServiceDeps {
  index: SearchIndex;
  repository: SearchRepository;
  kv: KeyValueStore;
  jobs: JobQueue;
  clock: Clock;
  present: PresenterContext;
  /** Visible cards of these ids, in this order (the article service's cached cards). */
  cards: (ids: bigint[]) => Promise<CardEntry[]>;
  /** Adds unflushed counter deltas to rows before popularity is computed (the counter service). */
  overlay?: <R extends { id: bigint } & Record<PopularityField, number>>(rows: R[]) => Promise<R[]>;
}

export interface SearchServiceOptions {
  /** A06: keywords kept per user (contract: 4). */
  historySize?: number;
  /** Comments move popularity only: coalesce a burst into one reindex this long after the first. */
  popularityDelayMs?: number;
  /** Suggestion memory refresh (ms). */
  suggestionRefreshMs?: number;
  /** Result cache (search.result-cache.ts): bytes per process (0 turns it off) and the longest a page is kept. */
  resultCache?: { maxBytes?: number; ttlMs?: number };
}

/** Likes, comments, collections and shares weigh more than reads. */
export function popularityOf(row: Record<PopularityField, number>): number {
  return (
    row.like_count * 2 +
    row.comment_count * 3 +
    row.collect_count * 3 +
    row.share_count * 2 +
    Math.floor(row.read_count / 10)
  );
}

export function toDocument(row: ArticleSourceRow): SearchDocument {
  return {
    id: row.id,
    authorId: row.user_id,
    status: row.status,
    publishedAt: row.published_at,
    popularity: popularityOf(row),
    title: row.title,
    body: htmlToText(row.content ?? ''),
  };
}

export interface SearchRequest {
  q: string;
  page: number;
  perPage: number;
  userId: bigint | null;
}

export const CATCH_UP_JOB = 'search.catch-up';
export interface CatchUpJob {
  /** Decimal string: the highest article id when the catch-up was asked for. */
  upTo: string;
}

export interface CatchUpProgress {
  phase: 'check';
  /** Articles compared with the index so far, of `total`. */
  done: number;
  total: number;
  /** Of those, how many were missing or stale and were (re)indexed. */
  indexed: number;
}

export interface ReindexProgress {
  phase: 'index' | 'sweep' | 'vocabulary';
  done: number;
  total: number;
}

/**
 * The index as the service writes it: every write that changed something ends the result cache's
 * generation after it is done (so a search on any node recomputes from the updated index).
 */
function invalidatingIndex(raw: SearchIndex, invalidate: () => Promise<void>): SearchIndex {
  return {
    ...raw,
    async index(documents) {
      await raw.index(documents);
      if (documents.length > 0) await invalidate();
    },
    async remove(ids) {
      await raw.remove(ids);
      if (ids.length > 0) await invalidate();
    },
  };
}

/** The result cache's key: what the index's answer depends on (analysed terms, page, size). */
const resultKey = (terms: string[], page: number, perPage: number) => `${terms.join('\u0001')}\u0000${page}:${perPage}`;

export function createSearchService(deps: SearchServiceDeps, options: SearchServiceOptions = {}) {
  const { repository, kv, jobs, clock, present } = deps;
  const resultCache = createResultCache(kv, options.resultCache);
  const index = invalidatingIndex(deps.index, () => resultCache.invalidate());
  const history = createSearchHistory(kv, options.historySize ?? DEFAULT_HISTORY_SIZE);
  const suggestions = createSuggestionService(
    { index, kv },
    { refreshMs: options.suggestionRefreshMs, now: clock.now },
  );
  const popularityDelayMs = options.popularityDelayMs ?? 3_000;

  async function documents(rows: ArticleSourceRow[]): Promise<SearchDocument[]> {
    const withDeltas = deps.overlay ? await deps.overlay(rows) : rows;
    return withDeltas.map(toDocument);
  }

  /** Removes documents (ids up to `upTo`, or all) whose article is no longer indexable; returns how many. */
  async function sweep(
    upTo: bigint | null,
    expected: number,
    onProgress?: (p: ReindexProgress) => void,
  ): Promise<number> {
    let removed = 0;
    let swept = 0;
    let cursor: bigint | null = null;
    for (;;) {
      let ids = await index.documentIds(cursor, 1_000);
      if (upTo !== null) ids = ids.filter((id) => id <= upTo);
      if (ids.length === 0) break;
      const keep = await repository.indexableIds(ids);
      const gone = ids.filter((id) => !keep.has(id));
      if (gone.length) await index.remove(gone);
      removed += gone.length;
      swept += ids.length;
      cursor = ids.at(-1)!;
      onProgress?.({ phase: 'sweep', done: swept, total: Math.max(swept, expected) });
    }
    return removed;
  }

  /** After bulk changes: engine housekeeping, then the vocabulary; returns the number of terms. */
  async function finish(onProgress?: (p: ReindexProgress) => void): Promise<number> {
    onProgress?.({ phase: 'vocabulary', done: 0, total: 1 });
    await index.optimize();
    const terms = await index.rebuildVocabulary();
    onProgress?.({ phase: 'vocabulary', done: 1, total: 1 });
    return terms;
  }

  const service = {
    history,
    suggestions,
    index,
    resultCache,

    /** For health pages: one query straight to the index (no cache, no history, no suggestions). */
    async ping(): Promise<void> {
      await index.search({ text: 'inkstone', page: 1, perPage: 1, statuses: APP_STATUSES, now: clock.now() });
    },

    /** A05: approved articles only, ArticleCards with `title_highlight` and `snippet`. */
    async search(request: SearchRequest) {
      const { q, page, perPage, userId } = request;
      const run = () => index.search({ text: q, page, perPage, statuses: APP_STATUSES, now: clock.now() });
      const terms = index.analyzer.queryTerms(q);
      const result = terms.length > 0 ? await resultCache.get(resultKey(terms, page, perPage), run) : await run();
      const cards = await deps.cards(result.hits.map((h) => h.id));
      const hits = new Map(result.hits.map((h) => [h.id, h]));
      const results = cards.map((card) => ({
        ...presentCardEntry(card),
        title_highlight: hits.get(card.id)?.titleHighlight ?? '',
        snippet: hits.get(card.id)?.snippet ?? '',
      }));
      if (page === 1) {
        // Side effects of a first page (contract A05); a kv hiccup must not fail the search.
        await Promise.all([
          userId !== null ? history.record(userId, q) : undefined,
          result.total > 0 && result.mode === 'all' ? suggestions.record(q) : undefined,
        ]).catch(() => undefined);
      }
      return { total_count: result.total, page, per_page: perPage, results };
    },

    /** M16: the author's own non-deleted articles, any status, in the MP list shape. */
    async mpSearch(request: SearchRequest & { userId: bigint }) {
      const { q, page, perPage, userId } = request;
      const result = await index.search({
        text: q,
        page,
        perPage,
        statuses: INDEXED_STATUSES,
        authorId: userId,
        now: clock.now(),
        highlight: false,
      });
      const rows = new Map(
        (
          await repository.mpRows(
            result.hits.map((h) => h.id),
            userId,
          )
        ).map((r) => [r.id, r]),
      );
      const results = result.hits.flatMap((hit) => {
        const row = rows.get(hit.id);
        if (!row) return [];
        return [
          {
            id: row.id,
            title: row.title,
            status: row.status,
            pubdate: present.time.plain(row.published_at ?? row.created_at),
            cover: presentCover(present, row.cover_type, row.cover_images),
          },
        ];
      });
      return { total_count: result.total, page, per_page: perPage, results };
    },

    suggest: (q: string) => suggestions.suggest(q),

    /** The job: make the index agree with the article as it is now. */
    async indexArticle(articleId: bigint, options: { rankOnly?: boolean } = {}): Promise<void> {
      const row = await repository.source(articleId);
      if (!row) await index.remove([articleId]);
      else await (options.rankOnly ? deps.index : index).index(await documents([row]));
    },

    /** Queues an index update (what the event subscribers do). */
    async enqueueIndex(articleId: bigint, delayed = false): Promise<void> {
      const payload: IndexArticleJob = { articleId: articleId.toString() };
      if (delayed)
        await jobs.enqueue(
          INDEX_ARTICLE_JOB,
          { ...payload, rankOnly: true },
          {
            jobId: `popularity-${articleId}`,
            delayMs: popularityDelayMs,
          },
        );
      else await jobs.enqueue(INDEX_ARTICLE_JOB, payload);
    },

    /**
     * Rebuilds the index from the articles, safe while serving: upserts in batches (a reader sees
     * the old or the new document, never none), then removes documents of articles that are no
     * longer indexable, then recomputes the vocabulary.
     */
    async reindex(opts: { batchSize?: number; onProgress?: (p: ReindexProgress) => void } = {}) {
      const batchSize = opts.batchSize ?? 500;
      const started = clock.now();
      const total = await repository.countIndexable();
      let indexed = 0;
      let after: bigint | null = null;
      opts.onProgress?.({ phase: 'index', done: 0, total });
      for (;;) {
        const rows = await repository.sourcesAfter(after, batchSize);
        if (rows.length === 0) break;
        await index.index(await documents(rows));
        indexed += rows.length;
        after = rows.at(-1)!.id;
        opts.onProgress?.({ phase: 'index', done: indexed, total: Math.max(total, indexed) });
      }
      const removed = await sweep(null, indexed, opts.onProgress);
      const terms = await finish(opts.onProgress);
      return { indexed, removed, terms, ms: clock.now() - started };
    },

    /**
     * Brings the index up to date with the articles that existed when it was asked for (ids up to
     * `upTo`), for writes that bypassed the index jobs: seeds, imports, restores, a crash between
     * a write and its job. Compares each indexable article with its document (missing, another
     * status, or edited since it was indexed) and indexes only those, then sweeps out documents
     * of articles that are gone; the vocabulary is rebuilt when anything changed or it is empty.
     * Articles written after `upTo` are the jobs' business, so a catch-up never races them.
     */
    async catchUp(opts: { upTo: bigint; batchSize?: number; onProgress?: (p: CatchUpProgress) => void }) {
      const batchSize = opts.batchSize ?? 1_000;
      const started = clock.now();
      const total = await repository.countIndexable(opts.upTo);
      let checked = 0;
      let indexed = 0;
      let after: bigint | null = null;
      opts.onProgress?.({ phase: 'check', done: 0, total, indexed });
      for (;;) {
        const states = await repository.statesAfter(after, opts.upTo, batchSize);
        if (states.length === 0) break;
        const held = await index.documentStates(states.map((a) => a.id));
        const behind = states.filter((a) => {
          const doc = held.get(a.id);
          return !doc || doc.status !== a.status || doc.indexedAt < a.updated_at;
        });
        if (behind.length > 0) {
          await index.index(await documents(await repository.sourcesOf(behind.map((a) => a.id))));
          indexed += behind.length;
        }
        checked += states.length;
        after = states.at(-1)!.id;
        opts.onProgress?.({ phase: 'check', done: checked, total: Math.max(total, checked), indexed });
      }
      const removed = await sweep(opts.upTo, checked);
      const terms = indexed + removed > 0 || (await index.vocabulary()).length === 0 ? await finish() : 0;
      return { checked, indexed, removed, terms, ms: clock.now() - started };
    },

    /** Queues a catch-up up to the newest article there is now (boot); false when there are no articles. */
    async enqueueCatchUp(): Promise<boolean> {
      const upTo = await repository.maxArticleId();
      if (upTo === null) return false;
      // One catch-up at a time across processes: the nodes of a cluster booting together share it.
      await jobs.enqueue<CatchUpJob>(CATCH_UP_JOB, { upTo: upTo.toString() }, { jobId: 'catch-up' });
      return true;
    },

    /** Scheduled: vocabulary from the indexed titles, recorded queries trimmed. */
    async refreshVocabulary(): Promise<number> {
      const terms = await index.rebuildVocabulary();
      await suggestions.trim();
      return terms;
    },
  };

  return service;
}

export type SearchService = ReturnType<typeof createSearchService>;
