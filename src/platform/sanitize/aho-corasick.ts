/**
 * Aho–Corasick: every occurrence of any of N patterns in one pass over the text, whatever N is
 * (time is linear in the text plus the number of matches). Used by the sensitive-word filter.
 *
 * Works on UTF-16 code units, so Chinese, emoji (surrogate pairs match as two units) and Latin text
 * all go through the same loop, and offsets are plain JS string indexes. Before matching, each unit
 * of the patterns and of the text goes through a fold table that maps one unit to one unit
 * (offsets stay exact): Latin case (A→a, Ä→ä, Σ→σ…) and the full-width forms of ASCII letters and
 * digits (Ａ→a, ０→0), a common way to slip a word past a filter.
 *
 * Layout, chosen for throughput (typed arrays only, no hashing in the loop): states are integers;
 * the root's transitions are a dense Int32Array over all 65,536 units; every other state's
 * transitions are a run of (unit, target) pairs sorted by unit, found by binary search (almost
 * every state below the first level has one child, so that is one comparison). A unit that occurs
 * in no pattern sends the automaton straight back to the root. `fail` and `dict` (the dictionary
 * suffix link: the nearest state on the fail chain where a pattern ends) are Int32Arrays.
 */

const UNITS = 0x10000;

/** The fold table: one UTF-16 unit → one unit. */
export const FOLD: Uint16Array = (() => {
  const table = new Uint16Array(UNITS);
  for (let c = 0; c < UNITS; c++) {
    table[c] = c;
    if (c >= 0xd800 && c <= 0xdfff) continue; // lone surrogates: leave as they are
    const lower = String.fromCharCode(c).toLowerCase();
    // Only one-unit results keep offsets exact (İ → i̇ is two units: left alone).
    if (lower.length === 1) table[c] = lower.charCodeAt(0);
  }
  // Full-width ASCII letters and digits (ＡＢＣ, ａｂｃ, ０１２) read as their ASCII forms.
  for (let c = 0xff21; c <= 0xff3a; c++) table[c] = c - 0xff21 + 0x61;
  for (let c = 0xff41; c <= 0xff5a; c++) table[c] = c - 0xff41 + 0x61;
  for (let c = 0xff10; c <= 0xff19; c++) table[c] = c - 0xff10 + 0x30;
  return table;
})();

/** A pattern as the matcher compares it (folded). */
export function foldText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(FOLD[text.charCodeAt(i)]!);
  return out;
}

export interface PatternMatch {
  /** Index into `patterns`. */
  pattern: number;
  /** UTF-16 offsets into the searched text: text.slice(start, end) is the occurrence. */
  start: number;
  end: number;
}

export class AhoCorasick {
  /** The distinct patterns (first spelling of each folded form), in the order given. */
  readonly patterns: readonly string[];
  readonly #lengths: Int32Array;
  readonly #root = new Int32Array(UNITS);
  /** 1 for units that occur in some pattern. */
  readonly #alphabet = new Uint8Array(UNITS);
  /** Per state: where its sorted transitions start in #units/#targets, and how many there are. */
  readonly #edgeStart: Int32Array;
  readonly #edgeCount: Int32Array;
  readonly #units: Uint16Array;
  readonly #targets: Int32Array;
  readonly #fail: Int32Array;
  /** Pattern ending exactly at this state, or -1. */
  readonly #out: Int32Array;
  /** Nearest state on the fail chain (excluding this one) where a pattern ends, or 0 (root: none). */
  readonly #dict: Int32Array;
  /** 1 when this state or its dict chain reports something: one check per text unit. */
  readonly #reports: Uint8Array;

  constructor(patterns: Iterable<string>) {
    const kept: string[] = [];
    const seen = new Set<string>();
    for (const pattern of patterns) {
      if (typeof pattern !== 'string' || pattern.length === 0) continue;
      const folded = foldText(pattern);
      if (seen.has(folded)) continue;
      seen.add(folded);
      kept.push(pattern);
    }
    this.patterns = kept;
    this.#lengths = Int32Array.from(kept, (p) => p.length);

    // 1. The trie. State 0 is the root.
    const children: Map<number, number>[] = [new Map<number, number>()];
    const out: number[] = [-1];
    kept.forEach((pattern, index) => {
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const unit = FOLD[pattern.charCodeAt(i)]!;
        let next = children[state]!.get(unit);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          out.push(-1);
          children[state]!.set(unit, next);
        }
        state = next;
      }
      out[state] = index;
    });

    // 2. Fail and dictionary links, breadth first (a state's links only depend on shallower states).
    const size = children.length;
    const fail = new Int32Array(size);
    const dict = new Int32Array(size);
    const queue = new Int32Array(size);
    let head = 0;
    let tail = 0;
    for (const [unit, child] of children[0]!) {
      this.#root[unit] = child;
      queue[tail++] = child;
    }
    while (head < tail) {
      const state = queue[head++]!;
      for (const [unit, child] of children[state]!) {
        let f = fail[state]!;
        while (f !== 0 && !children[f]!.has(unit)) f = fail[f]!;
        const target = children[f]!.get(unit);
        fail[child] = target !== undefined && target !== child ? target : 0;
        const via = fail[child]!;
        dict[child] = out[via]! >= 0 ? via : dict[via]!;
        queue[tail++] = child;
      }
    }
    // 3. Flatten the transitions of every state but the root into sorted runs.
    const edgeStart = new Int32Array(size);
    const edgeCount = new Int32Array(size);
    let total = 0;
    for (let state = 1; state < size; state++) total += children[state]!.size;
    const units = new Uint16Array(total);
    const targets = new Int32Array(total);
    let at = 0;
    for (let state = 1; state < size; state++) {
      const sorted = [...children[state]!].sort((a, b) => a[0] - b[0]);
      edgeStart[state] = at;
      edgeCount[state] = sorted.length;
      for (const [unit, child] of sorted) {
        units[at] = unit;
        targets[at++] = child;
      }
    }
    for (const map of children) for (const unit of map.keys()) this.#alphabet[unit] = 1;
    this.#edgeStart = edgeStart;
    this.#edgeCount = edgeCount;
    this.#units = units;
    this.#targets = targets;
    this.#fail = fail;
    this.#out = Int32Array.from(out);
    this.#dict = dict;
    this.#reports = Uint8Array.from(out, (o, s) => (o >= 0 || dict[s]! !== 0 ? 1 : 0));
  }

  get size(): number {
    return this.patterns.length;
  }

  /**
   * Calls `found(pattern, end)` for every occurrence (overlapping ones included), in the order
   * their ends appear; return `false` from it to stop early.
   */
  scan(text: string, found: (pattern: number, end: number) => boolean | void): void {
    if (this.patterns.length === 0) return;
    const root = this.#root;
    const alphabet = this.#alphabet;
    const edgeStart = this.#edgeStart;
    const edgeCount = this.#edgeCount;
    const units = this.#units;
    const targets = this.#targets;
    const fail = this.#fail;
    const out = this.#out;
    const dict = this.#dict;
    const reports = this.#reports;
    const fold = FOLD;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = fold[text.charCodeAt(i)]!;
      if (alphabet[unit] === 0) {
        state = 0;
        continue;
      }
      for (;;) {
        if (state === 0) {
          state = root[unit]!;
          break;
        }
        let lo = edgeStart[state]!;
        let hi = lo + edgeCount[state]!;
        let next = -1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const u = units[mid]!;
          if (u === unit) {
            next = targets[mid]!;
            break;
          }
          if (u < unit) lo = mid + 1;
          else hi = mid;
        }
        if (next >= 0) {
          state = next;
          break;
        }
        state = fail[state]!;
      }
      if (reports[state] === 0) continue;
      let hit = out[state]! >= 0 ? state : dict[state]!;
      while (hit !== 0) {
        if (found(out[hit]!, i + 1) === false) return;
        hit = dict[hit]!;
      }
    }
  }

  /** Every occurrence, overlapping ones included, ordered by end (then longest first). */
  findAll(text: string, limit = Infinity): PatternMatch[] {
    const matches: PatternMatch[] = [];
    this.scan(text, (pattern, end) => {
      matches.push({ pattern, start: end - this.#lengths[pattern]!, end });
      return matches.length < limit;
    });
    return matches;
  }

  /** Whether any pattern occurs (stops at the first). */
  test(text: string): boolean {
    let found = false;
    this.scan(text, () => {
      found = true;
      return false;
    });
    return found;
  }
}
