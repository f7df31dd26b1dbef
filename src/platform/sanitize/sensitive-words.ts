/**
 * The sensitive-word filter: a configurable word list, matched with Aho–Corasick over plain text
 * (strip HTML first: see html.ts `SanitizedHtml.text`). Chinese and English alike; Latin letters
 * match case-insensitively and full-width letters and digits as their ASCII forms (aho-corasick.ts).
 *
 * The list comes from `words`, from a `file` (UTF-8, one word per line, `#` starts a comment), or
 * else the small demo list. `reload()` swaps in a new automaton atomically: matching in progress
 * finishes on the old one. With `file` and `watchMs`, the file is polled and reloaded on change.
 */
import fs from 'node:fs';
import { AhoCorasick } from './aho-corasick.js';
import { DEFAULT_SENSITIVE_WORDS } from './default-sensitive-words.js';

export interface SensitiveWordOptions {
  /** The list itself (wins over `file`). */
  words?: readonly string[];
  /** A word-list file: one word per line, blank lines and `#` comments ignored. */
  file?: string;
  /** Poll `file` this often (ms) and reload it when it changed; 0 or absent = never. */
  watchMs?: number;
}

export interface WordMatch {
  word: string;
  start: number;
  end: number;
}

export interface SensitiveWordFilter {
  /** Number of distinct words in the current list. */
  readonly size: number;
  /** The distinct words found, in the order of their first occurrence; at most `limit`. */
  match(text: string, limit?: number): string[];
  /** Every occurrence, overlapping ones included. */
  findAll(text: string, limit?: number): WordMatch[];
  /** Whether any word occurs. */
  test(text: string): boolean;
  /** Replaces the list with `words`, or re-reads the configured file (or the default list). Returns the new size. */
  reload(words?: readonly string[]): Promise<number>;
  /** Stops watching the file. */
  close(): void;
}

/** Longest accepted word, in UTF-16 units: a line longer than this is not a word. */
const MAX_WORD_LENGTH = 64;

/** One word per line; trims; skips blank lines and `#` comments. */
export function parseWordList(text: string): string[] {
  const words: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const word = line.trim();
    if (word === '' || word.startsWith('#') || word.length > MAX_WORD_LENGTH) continue;
    words.push(word);
  }
  return words;
}

function cleanWords(words: readonly string[]): string[] {
  return words
    .map((w) => (typeof w === 'string' ? w.trim() : ''))
    .filter((w) => w !== '' && w.length <= MAX_WORD_LENGTH);
}

export function createSensitiveWordFilter(options: SensitiveWordOptions = {}): SensitiveWordFilter {
  const { file } = options;
  const initial = options.words
    ? cleanWords(options.words)
    : file
      ? parseWordList(fs.readFileSync(file, 'utf8'))
      : [...DEFAULT_SENSITIVE_WORDS];
  let automaton = new AhoCorasick(initial);

  const watching = file && options.watchMs && options.watchMs > 0 && !options.words;
  const onChange = (current: fs.Stats, previous: fs.Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) void filter.reload().catch(() => {});
  };
  if (watching) fs.watchFile(file, { interval: options.watchMs, persistent: false }, onChange);

  const filter: SensitiveWordFilter = {
    get size() {
      return automaton.size;
    },
    match(text, limit = Infinity) {
      const current = automaton;
      const seen = new Set<number>();
      const found: { pattern: number; start: number }[] = [];
      current.scan(text, (pattern, end) => {
        if (!seen.has(pattern)) {
          seen.add(pattern);
          found.push({ pattern, start: end - current.patterns[pattern]!.length });
        }
      });
      // Ends arrive in order; a longer word can start before a shorter one that ended first.
      found.sort((a, b) => a.start - b.start || a.pattern - b.pattern);
      return found.slice(0, limit).map((f) => current.patterns[f.pattern]!);
    },
    findAll(text, limit) {
      const current = automaton;
      return current
        .findAll(text, limit)
        .map((m) => ({ word: current.patterns[m.pattern]!, start: m.start, end: m.end }));
    },
    test(text) {
      return automaton.test(text);
    },
    async reload(words) {
      const next = words
        ? cleanWords(words)
        : options.words
          ? cleanWords(options.words)
          : file
            ? parseWordList(await fs.promises.readFile(file, 'utf8'))
            : [...DEFAULT_SENSITIVE_WORDS];
      automaton = new AhoCorasick(next);
      return automaton.size;
    },
    close() {
      if (watching) fs.unwatchFile(file, onChange);
    },
  };
  return filter;
}
