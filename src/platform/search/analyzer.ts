/**
 * Text analysis shared by indexing and querying: the same function turns an article and a query
 * into terms, so whatever was indexed can be found by typing it.
 *
 * 1. Fold: NFKC (full-width ｃ＋＋ → c++, ＮＯＤＥ → NODE), lower case, and accents off Latin,
 *    Greek and Cyrillic letters (café → cafe).
 * 2. Split into runs: Han text goes to jieba in search mode (北京大学 → 北京, 大学, 北京大学), with
 *    its bundled dictionary plus an optional user dictionary; every other run of letters and
 *    digits is one term, kept whole with its inner `.`/`-`/`_` and trailing `+`/`#` (c++, c#,
 *    node.js, html5, vue3.0, 3.14, utf-8), plus its parts in the spirit of search mode (node.js →
 *    node, js; html5 → html), so `node` finds `node.js`.
 * 3. Terms longer than MAX_TERM_LENGTH characters are cut to that length (index and query alike).
 *
 * jieba's dictionary takes ~200 ms (more on a busy machine) to load: it is loaded on first use and
 * shared by every analyzer of the process with the same user dictionary.
 */
import fs from 'node:fs';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/** Longest term kept (characters); longer tokens are truncated, the same way at query time. */
export const MAX_TERM_LENGTH = 32;
/** Characters of an article body analysed (the rest is neither indexed nor highlighted). */
export const MAX_BODY_CHARS = 20_000;
/** Terms of one query used; a query is at most 50 characters, so this is generous. */
export const MAX_QUERY_TERMS = 16;

/**
 * Words dropped from a query when it has other terms (they are still indexed, so a query made of
 * nothing else still works): they would only narrow an AND query to the same documents.
 */
const QUERY_STOPWORDS = new Set([
  '的',
  '了',
  '是',
  '在',
  '和',
  '与',
  '及',
  '或',
  '也',
  '就',
  '都',
  '而',
  '把',
  '被',
  '让',
  '给',
  '对',
  '从',
  '之',
  '着',
  '过',
  '吗',
  '呢',
  '吧',
  '啊',
  '呀',
  '我',
  '你',
  '他',
  '她',
  '它',
  '这',
  '那',
  '有',
  '个',
  '一个',
  '怎么',
  '如何',
  '什么',
  '为什么',
  'a',
  'an',
  'the',
  'of',
  'to',
  'in',
  'on',
  'at',
  'for',
  'and',
  'or',
  'is',
  'are',
  'be',
  'with',
  'by',
  'from',
  'as',
  'it',
  'this',
  'that',
  'how',
  'what',
]);

export interface AnalyzerOptions {
  /**
   * A jieba user dictionary (one `word [freq [tag]]` per line) added to the bundled one. Meant to
   * come from configuration (`SEARCH_USER_DICT`); words are folded like any text before loading.
   */
  userDictPath?: string;
  /** Extra words, same effect as lines of a user dictionary (tests, embedding). */
  userWords?: string[];
}

export interface Analyzer {
  /** The folding applied before splitting (suggestions and highlighting compare folded text). */
  fold(text: string): string;
  /** Terms in text order, repeated as they occur (positions matter to the engines). */
  analyze(text: string): string[];
  /** A query's terms: distinct, stop words dropped when other terms remain, at most MAX_QUERY_TERMS. */
  queryTerms(text: string): string[];
  /** True when a folded term is made of Han characters only. */
  isHan(term: string): boolean;
}

const jiebas = new Map<string, Jieba>();

function loadJieba(options: AnalyzerOptions): Jieba {
  const extra: string[] = [];
  if (options.userDictPath) extra.push(fs.readFileSync(options.userDictPath, 'utf8'));
  if (options.userWords?.length) extra.push(options.userWords.join('\n'));
  const key = extra.join('\n');
  let jieba = jiebas.get(key);
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    if (key) {
      // User dictionaries are written by people: fold their words as documents will be folded.
      const lines = key
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => {
          const [word, ...rest] = line.split(/\s+/);
          return [foldText(word!), ...(rest.length ? rest : ['10000'])].join(' ');
        });
      if (lines.length) jieba.loadDict(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
    }
    jiebas.set(key, jieba);
  }
  return jieba;
}

const ACCENTED = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;

export function foldText(text: string): string {
  let folded = text.normalize('NFKC').toLowerCase();
  // Only pay for NFD when there is something non-ASCII that could carry an accent.
  if (/[\u00c0-\u04ff\u1e00-\u1fff]/.test(folded))
    folded = folded.normalize('NFD').replace(ACCENTED, '$1').normalize('NFC');
  return folded;
}

/**
 * Han runs, or runs of other letters/digits with inner `.`, `-`, `_` (between alphanumerics) and
 * trailing `+`/`#` (c++, c#, f#). Built from a string because TypeScript checks literal flags.
 */
const RUNS = new RegExp(
  String.raw`(\p{Script=Han}+)|((?:(?!\p{Script=Han})[\p{L}\p{N}])(?:(?!\p{Script=Han})[\p{L}\p{N}\p{M}]|[._\-](?=(?!\p{Script=Han})[\p{L}\p{N}]))*[+#]*)`,
  'gu',
);
const HAN_ONLY = /^\p{Script=Han}+$/u;
const HAS_WORD = /[\p{L}\p{N}]/u;
const LETTERS_THEN_DIGITS = /^(\p{L}{2,})\p{N}/u;

function cap(term: string): string {
  if (term.length <= MAX_TERM_LENGTH) return term;
  // Cut on a code point boundary.
  return Array.from(term).slice(0, MAX_TERM_LENGTH).join('');
}

/** The parts a compound Latin term also contributes (node.js → node, js; html5 → html). */
function parts(term: string, out: string[]): void {
  const pieces = /[._-]/.test(term) ? term.split(/[._-]+/).filter(Boolean) : [term];
  for (const piece of pieces) {
    const bare = piece.replace(/[+#]+$/, '');
    if (pieces.length > 1 && bare === piece && /\p{L}/u.test(piece)) out.push(cap(piece));
    const alpha = LETTERS_THEN_DIGITS.exec(bare);
    if (alpha) out.push(cap(alpha[1]!));
  }
}

export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  let jieba: Jieba | undefined;
  const segmenter = () => (jieba ??= loadJieba(options));

  function analyze(text: string): string[] {
    const out: string[] = [];
    if (!text) return out;
    for (const match of foldText(text).matchAll(RUNS)) {
      if (match[1] !== undefined) {
        for (const word of segmenter().cutForSearch(match[1], true)) if (HAS_WORD.test(word)) out.push(cap(word));
      } else {
        const term = match[2]!;
        out.push(cap(term));
        parts(term, out);
      }
    }
    return out;
  }

  return {
    fold: foldText,
    analyze,
    queryTerms(text) {
      const distinct = [...new Set(analyze(text))];
      const content = distinct.filter((term) => !QUERY_STOPWORDS.has(term));
      return (content.length > 0 ? content : distinct).slice(0, MAX_QUERY_TERMS);
    },
    isHan: (term) => HAN_ONLY.test(term),
  };
}

/** Loads jieba now (a server calls this at boot so that the first search does not pay for it). */
export function warmUp(analyzer: Analyzer): void {
  analyzer.analyze('预热');
}
