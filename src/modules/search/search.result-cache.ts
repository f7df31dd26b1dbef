/**
 * The result cache of app search (A05): a page of results from the index (ids, scores, highlights,
 * snippets, total) kept per process, keyed by the query's analysed terms + page + per_page, so a
 * repeated query costs a Map lookup instead of a ranked full-text query. Cards are still hydrated
 * on every request (the article service's cards: visibility, titles and counts are live).
 *
 * Invalidation: every write to the index (an index job after publish, edit, delete, review, ban;
 * a comment's popularity; reindex and catch-up batches) replaces the *generation*, a random token
 * in the kv store (`search:gen`). Each entry remembers the generation it was computed under and is
 * used only while the kv store still holds that one. The generation is read from the kv store on
 * every search (one GET; Redis: shared by every node and by `inkstone reindex`), so the search
 * after an index update sees it on any node, never a stale page. The token is random (not a
 * counter), so a flushed or restarted Redis can never bring back a generation an old entry has.
 *
 * Ordering: the indexer writes the index, then replaces the generation; a search reads the
 * generation, then queries the index. A page computed from a half-updated index is stored under
 * the generation read before it, which the update replaces when it finishes.
 *
 * Bounded in bytes (an estimate of the strings held), least recently used first out, and by age
 * (ranking's freshness moves with the clock; a page is recomputed at least this often). When the
 * kv store is unavailable the cache is bypassed (and emptied: an update may have been missed),
 * and a generation that could not be replaced is replaced before the next read.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { isKvUnavailable, type KeyValueStore } from '../../platform/kv/kv.js';
import type { SearchPage } from '../../platform/search/index.js';

export const GENERATION_KEY = 'search:gen';

export const RESULT_CACHE = {
  /** Bytes of cached pages per process (estimated: UTF-16 strings + per-hit overhead). */
  maxBytes: 16 * 1024 * 1024,
  /** A page is recomputed at least this often (freshness in the ranking moves with time). */
  ttlMs: 60_000,
} as const;

export interface ResultCacheOptions {
  maxBytes?: number;
  ttlMs?: number;
}

export interface ResultCacheStats {
  hits: number;
  misses: number;
  /** Estimated bytes held now. */
  bytes: number;
  entries: number;
}

interface Entry {
  generation: string;
  page: SearchPage;
}

const HIT_OVERHEAD = 96;
const ENTRY_OVERHEAD = 160;

/** Estimated bytes of a cached page (strings are UTF-16 in V8). */
export function pageBytes(key: string, page: SearchPage): number {
  let bytes = ENTRY_OVERHEAD + key.length * 2;
  for (const term of page.terms) bytes += 16 + term.length * 2;
  for (const hit of page.hits) bytes += HIT_OVERHEAD + (hit.titleHighlight.length + hit.snippet.length) * 2;
  return bytes;
}

const token = () => randomBytes(9).toString('base64url');

export function createResultCache(kv: KeyValueStore, options: ResultCacheOptions = {}) {
  const maxBytes = options.maxBytes ?? RESULT_CACHE.maxBytes;
  const entries = new LRUCache<string, Entry>({
    maxSize: Math.max(1, maxBytes),
    // An entry bigger than the whole cache is simply not kept.
    sizeCalculation: (entry, key) => pageBytes(key, entry.page),
    ttl: options.ttlMs ?? RESULT_CACHE.ttlMs,
  });
  /** Loads in flight, by generation + key: concurrent misses of one query share one index query. */
  const loading = new Map<string, Promise<SearchPage>>();
  /** The last generation this process saw; a different one empties the cache (its entries are dead). */
  let seen: string | null = null;
  /** A replacement of the generation that could not reach the kv store. */
  let pendingBump = false;
  const stats = { hits: 0, misses: 0 };
  let enabled = maxBytes > 0;

  async function bump(): Promise<void> {
    try {
      await kv.set(GENERATION_KEY, token());
      pendingBump = false;
    } catch (error) {
      if (!isKvUnavailable(error)) throw error;
      pendingBump = true;
      entries.clear();
      throw error;
    }
  }

  /** The current generation, or null when the kv store cannot tell (bypass the cache). */
  async function generation(): Promise<string | null> {
    try {
      if (pendingBump) await bump();
      let current = await kv.get(GENERATION_KEY);
      if (current === null) {
        const fresh = token();
        current = (await kv.set(GENERATION_KEY, fresh, { onlyIfAbsent: true })) ? fresh : await kv.get(GENERATION_KEY);
      }
      if (current !== seen) {
        entries.clear();
        seen = current;
      }
      return current;
    } catch (error) {
      if (!isKvUnavailable(error)) throw error;
      entries.clear();
      seen = null;
      return null;
    }
  }

  return {
    /** The page for `key` under the current generation: cached, or `load`ed and kept. */
    async get(key: string, load: () => Promise<SearchPage>): Promise<SearchPage> {
      if (!enabled) return load();
      const current = await generation();
      if (current === null) return load();
      const entry = entries.get(key);
      if (entry && entry.generation === current) {
        stats.hits++;
        return entry.page;
      }
      const flight = `${current}\u0000${key}`;
      const running = loading.get(flight);
      if (running) {
        stats.hits++;
        return running;
      }
      stats.misses++;
      const promise = load()
        .then((page) => {
          // Kept only if no newer generation was seen meanwhile (its entries were cleared).
          if (seen === current) entries.set(key, { generation: current, page });
          return page;
        })
        .finally(() => loading.delete(flight));
      loading.set(flight, promise);
      return promise;
    },

    /** Called after every write to the index: every node's cached pages are dead from now on. */
    async invalidate(): Promise<void> {
      entries.clear();
      await bump();
    },

    stats(): ResultCacheStats {
      return { ...stats, bytes: entries.calculatedSize, entries: entries.size };
    },

    /** Turns this process' cache off (every search queries the index) or on again (benchmarks). */
    setEnabled(on: boolean): void {
      enabled = on && maxBytes > 0;
      entries.clear();
    },

    /** Empties this process' copy (tests). */
    clear(): void {
      entries.clear();
    },
  };
}

export type ResultCache = ReturnType<typeof createResultCache>;
