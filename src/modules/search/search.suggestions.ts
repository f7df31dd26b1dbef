/**
 * A07 suggestions, answered from memory on every keystroke:
 *
 * 1. Completion: what starts with the typed text (folded: case and width do not matter), from
 *    earlier successful queries (kv sorted set, recorded when a page-1 search had hits; weighted
 *    by how often) first, then from the index (title vocabulary by document frequency, titles by
 *    popularity). Every completion contains what was typed.
 * 2. When nothing completes, "did you mean": Latin text typed as pinyin (beijing → 北京,
 *    qianduan → 前端; exact pinyin first, then pinyin starting with it) and spelling correction by
 *    edit distance (optimal string alignment, so a swap counts 1: pyhton → python) over the Latin
 *    vocabulary, searched by length buckets. These options cannot contain the typed text.
 *
 * Memory per process: prefix arrays, a pinyin prefix array and length buckets, rebuilt when the
 * index's vocabulary changes and when recorded queries are reloaded (every `refreshMs`, in the
 * background; a request never waits for a refresh once something is loaded). Answers are memoised
 * until the next rebuild.
 */
import type { KeyValueStore } from '../../platform/kv/kv.js';
import { PrefixIndex, type PrefixEntry, type SearchIndex, type VocabularyTerm } from '../../platform/search/index.js';

export const SUGGESTION_LIMIT = 10;
const QUERIES_KEY = 'search:suggest:queries';
/** Recorded queries kept in the sorted set (trimmed by the scheduled job) and loaded into memory. */
export const MAX_RECORDED_QUERIES = 10_000;
const MEMO_SIZE = 5_000;
/** Corrections offered at most (the rest of the 10 are completions of the best correction). */
const MAX_CORRECTIONS = 5;

const LATIN_QUERY = /^[a-z0-9+#._\- ]+$/;
const PINYIN_QUERY = /^[a-z' ]+$/;
const LATIN_TERM = /^[a-z][a-z0-9+#._-]*$/;

export interface SuggestionOptions {
  /** How old recorded queries in memory may get (ms); default 30 s. */
  refreshMs?: number;
  now?: () => number;
}

/** Optimal string alignment distance, or `max + 1` as soon as it must exceed `max`. */
export function osaDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** Latin vocabulary grouped by length, each bucket most frequent first. */
class LengthBuckets {
  private readonly buckets = new Map<number, { term: string; df: number }[]>();

  constructor(terms: { term: string; df: number }[]) {
    for (const t of terms) {
      let bucket = this.buckets.get(t.term.length);
      if (!bucket) this.buckets.set(t.term.length, (bucket = []));
      bucket.push(t);
    }
    for (const bucket of this.buckets.values()) bucket.sort((a, b) => b.df - a.df);
  }

  has(word: string): boolean {
    return this.buckets.get(word.length)?.some((t) => t.term === word) ?? false;
  }

  /** Closest terms (distance ≤ 1 for words up to 4 letters, ≤ 2 beyond; none under 3), closest then most frequent first. */
  closest(word: string, limit: number): string[] {
    if (word.length < 3) return [];
    const max = word.length <= 4 ? 1 : 2;
    const found: { term: string; d: number; df: number }[] = [];
    for (let len = word.length - max; len <= word.length + max; len++) {
      for (const t of this.buckets.get(len) ?? []) {
        const d = osaDistance(word, t.term, max);
        if (d > 0 && d <= max) found.push({ term: t.term, d, df: t.df });
      }
    }
    return found
      .sort((a, b) => a.d - b.d || b.df - a.df)
      .slice(0, limit)
      .map((f) => f.term);
  }
}

interface Derived {
  vocabulary: VocabularyTerm[];
  pinyin: PrefixIndex;
  latin: LengthBuckets;
}

interface Queries {
  completions: PrefixIndex;
  loadedAt: number;
}

export function createSuggestionService(
  deps: { index: SearchIndex; kv: KeyValueStore },
  options: SuggestionOptions = {},
) {
  const { index, kv } = deps;
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 30_000;
  const fold = (text: string) => index.analyzer.fold(text).trim().replace(/\s+/g, ' ');

  let queries: Queries | undefined;
  let loadingQueries: Promise<Queries> | undefined;
  /** Queries recorded by this process since the last load (so they show at once here). */
  let recent = new Map<string, number>();
  let derived: Derived | undefined;
  let memo = new Map<string, string[]>();

  function loadQueries(): Promise<Queries> {
    loadingQueries ??= kv
      .zrevrange(QUERIES_KEY, 0, MAX_RECORDED_QUERIES - 1)
      .then((members) => {
        queries = {
          completions: new PrefixIndex(
            members.map((m) => ({ key: m.member, display: m.member, weight: 3 + Math.log1p(m.score) })),
          ),
          loadedAt: now(),
        };
        recent = new Map();
        memo = new Map();
        return queries;
      })
      .finally(() => {
        loadingQueries = undefined;
      });
    return loadingQueries;
  }

  async function currentQueries(): Promise<Queries> {
    if (!queries) return loadQueries();
    if (now() - queries.loadedAt > refreshMs) loadQueries().catch(() => undefined);
    return queries;
  }

  async function currentDerived(): Promise<Derived> {
    const vocabulary = await index.vocabulary();
    if (derived?.vocabulary !== vocabulary) {
      const pinyinEntries: PrefixEntry[] = [];
      const latin: { term: string; df: number }[] = [];
      for (const t of vocabulary) {
        if (t.pinyin)
          pinyinEntries.push({
            key: `${t.pinyin}\u0000${t.term}`,
            display: t.term,
            weight: Math.log1p(t.df) + (t.term.length >= 2 ? 1 : 0),
          });
        else if (LATIN_TERM.test(t.term)) latin.push({ term: t.term, df: t.df });
      }
      derived = { vocabulary, pinyin: new PrefixIndex(pinyinEntries), latin: new LengthBuckets(latin) };
      memo = new Map();
    }
    return derived;
  }

  async function complete(key: string): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    const push = (display: string) => {
      const k = fold(display);
      if (out.length < SUGGESTION_LIMIT && !seen.has(k)) {
        seen.add(k);
        out.push(display);
      }
    };
    const fromQueries = (await currentQueries()).completions.complete(key, SUGGESTION_LIMIT);
    const fresh = [...recent].filter(([q]) => q.startsWith(key)).sort((a, b) => b[1] - a[1]);
    for (const [q] of fresh) push(q);
    for (const entry of fromQueries) push(entry.display);
    if (out.length < SUGGESTION_LIMIT) for (const display of await index.suggest(key, SUGGESTION_LIMIT)) push(display);
    return out;
  }

  async function correct(key: string): Promise<string[]> {
    const { pinyin, latin } = await currentDerived();
    const out: string[] = [];
    const add = (option: string) => {
      if (out.length < SUGGESTION_LIMIT && !out.includes(option)) out.push(option);
    };
    const compact = key.replace(/[' ]/g, '');
    const isPinyin = PINYIN_QUERY.test(key) && compact.length >= 2;
    if (isPinyin) {
      for (const e of pinyin.complete(`${compact}\u0000`, MAX_CORRECTIONS)) add(e.display);
    }
    if (LATIN_QUERY.test(key)) {
      const words = key.split(' ');
      if (words.length === 1) {
        for (const term of latin.closest(key, MAX_CORRECTIONS)) add(term);
      } else {
        // Correct each unknown word; one option with the whole phrase corrected.
        const fixed = words.map((w) => (latin.has(w) || w.length < 3 ? w : (latin.closest(w, 1)[0] ?? w)));
        const phrase = fixed.join(' ');
        if (phrase !== key) add(phrase);
      }
    }
    if (isPinyin && compact.length >= 3) {
      for (const e of pinyin.complete(compact, MAX_CORRECTIONS)) add(e.display);
    }
    // Fill up with completions of the best correction (pyhton → python, python教程…).
    if (out.length > 0 && out.length < SUGGESTION_LIMIT)
      for (const option of await complete(fold(out[0]!))) add(option);
    return out;
  }

  return {
    /** Up to 10 options for what was typed (A07). */
    async suggest(text: string): Promise<string[]> {
      const key = fold(text);
      if (!key) return [];
      await currentQueries();
      await currentDerived();
      const known = memo.get(key);
      if (known) return known;
      let options = await complete(key);
      if (options.length === 0) options = await correct(key);
      if (memo.size >= MEMO_SIZE) memo.clear();
      memo.set(key, options);
      return options;
    },

    /** A page-1 search had hits: the query becomes a completion (weighted by how often). */
    async record(text: string): Promise<void> {
      const key = fold(text).slice(0, 50);
      if (!key) return;
      await kv.zincr(QUERIES_KEY, key, 1);
      recent.set(key, (recent.get(key) ?? 0) + 1);
      memo.clear();
    },

    /** Keeps the recorded queries bounded (scheduled). */
    async trim(): Promise<void> {
      await kv.ztrim(QUERIES_KEY, MAX_RECORDED_QUERIES);
    },

    /** Reloads recorded queries now (tests, after a rebuild). */
    async refresh(): Promise<void> {
      await loadQueries();
      await currentDerived();
    },
  };
}

export type SuggestionService = ReturnType<typeof createSuggestionService>;
