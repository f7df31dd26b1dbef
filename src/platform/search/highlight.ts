/**
 * Highlighting done once, outside the engines, so that every engine marks the same words: the
 * matched query terms are wrapped in `<em>` in the title and in a short snippet of the body, and
 * everything else is HTML-escaped (the only markup in the output is our `<em>`).
 *
 * Matching runs on folded text (the analyzer's `fold`) mapped back to the original characters, so
 * `Node.JS` in a title is marked for the query `node.js`. Latin terms must stand on word
 * boundaries (`java` is not marked inside `javascript`); Han terms need none.
 */
import { escapeHtml } from '../web/html.js';
import { foldText } from './analyzer.js';

/** Characters of body text in a snippet. */
export const SNIPPET_CHARS = 90;
/** How much of the snippet comes before the first match. */
const SNIPPET_LEAD = 24;

export { escapeHtml } from '../web/html.js';

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/** Article HTML → plain text (tags, scripts and styles dropped, entities decoded, spaces collapsed). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return safeCodePoint(parseInt(lower.slice(2), 16), whole);
      if (lower.startsWith('#')) return safeCodePoint(parseInt(lower.slice(1), 10), whole);
      return NAMED_ENTITIES[lower] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

function safeCodePoint(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}

interface Folded {
  text: string;
  /** For each UTF-16 index of `text`, the index in the original string it came from (+ one past the end). */
  origin: number[];
}

function foldWithMap(original: string): Folded {
  // Fast path: folding nearly always keeps every UTF-16 unit in place (case, width, accents on
  // precomposed letters); then the map is the identity.
  const whole = foldText(original);
  if (whole.length === original.length) {
    const origin = new Array<number>(original.length + 1);
    for (let k = 0; k <= original.length; k++) origin[k] = k;
    return { text: whole, origin };
  }
  let text = '';
  const origin: number[] = [];
  let i = 0;
  for (const char of original) {
    const folded = foldText(char);
    for (let k = 0; k < folded.length; k++) origin.push(i);
    text += folded;
    i += char.length;
  }
  origin.push(original.length);
  return { text, origin };
}

const WORDISH = /[\p{L}\p{N}]/u;
const HAN = /\p{Script=Han}/u;

function isBoundary(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return true;
  const before = text[index - 1]!;
  const after = text[index]!;
  // A boundary unless both sides are non-Han letters/digits.
  return !(WORDISH.test(before) && !HAN.test(before) && WORDISH.test(after) && !HAN.test(after));
}

function needsBoundary(term: string): boolean {
  return !HAN.test(term);
}

type Span = [start: number, end: number];

/** Matched spans in folded coordinates, longest term first at each position, non-overlapping. */
function findSpans(folded: string, terms: string[], from = 0, to = folded.length): Span[] {
  const sorted = [...new Set(terms.filter(Boolean))].sort((a, b) => b.length - a.length);
  const spans: Span[] = [];
  if (sorted.length === 0) return spans;
  let i = from;
  outer: while (i < to) {
    for (const term of sorted) {
      if (i + term.length <= folded.length && folded.startsWith(term, i)) {
        if (needsBoundary(term) && !(isBoundary(folded, i) && isBoundary(folded, i + term.length))) continue;
        const last = spans.at(-1);
        if (last && last[1] === i) last[1] = i + term.length;
        else spans.push([i, i + term.length]);
        i += term.length;
        continue outer;
      }
    }
    i++;
  }
  return spans;
}

/** First matched position (folded coordinates), or -1. */
function firstMatch(folded: string, terms: string[]): number {
  let best = -1;
  for (const term of terms) {
    if (!term) continue;
    let at = folded.indexOf(term);
    while (at !== -1 && (best === -1 || at < best)) {
      if (!needsBoundary(term) || (isBoundary(folded, at) && isBoundary(folded, at + term.length))) {
        best = at;
        break;
      }
      at = folded.indexOf(term, at + 1);
    }
  }
  return best;
}

function render(original: string, map: Folded, spans: Span[], start: number, end: number): string {
  let html = '';
  let cursor = start;
  for (const [fs, fe] of spans) {
    const s = Math.max(map.origin[fs]!, start);
    const e = Math.min(map.origin[fe]!, end);
    if (e <= s) continue;
    html += escapeHtml(original.slice(cursor, s)) + '<em>' + escapeHtml(original.slice(s, e)) + '</em>';
    cursor = e;
  }
  return html + escapeHtml(original.slice(cursor, end));
}

/** The whole text, escaped, with the terms marked. */
export function highlight(text: string, terms: string[]): string {
  const map = foldWithMap(text);
  return render(text, map, findSpans(map.text, terms), 0, text.length);
}

/** Moves an index off the low half of a surrogate pair. */
function codePointStart(text: string, index: number): number {
  if (index > 0 && index < text.length) {
    const code = text.charCodeAt(index);
    if (code >= 0xdc00 && code <= 0xdfff) return index - 1;
  }
  return index;
}

/**
 * About SNIPPET_CHARS of body text around the first match (the start of the body when no term
 * occurs in it), escaped, with the terms marked and `…` where text was cut.
 */
export function snippet(body: string, terms: string[], size = SNIPPET_CHARS): string {
  if (!body) return '';
  const map = foldWithMap(body);
  const first = firstMatch(map.text, terms);
  let start = first <= 0 ? 0 : Math.max(0, map.origin[first]! - SNIPPET_LEAD);
  if (start > 0) {
    // Prefer starting just after a sentence or word break close before the cut.
    const window = body.slice(Math.max(0, start - 12), start);
    const brk = Math.max(
      window.lastIndexOf('。'),
      window.lastIndexOf('. '),
      window.lastIndexOf('，'),
      window.lastIndexOf(' '),
    );
    if (brk !== -1) start = Math.max(0, start - 12) + brk + 1;
  }
  start = codePointStart(body, start);
  let end = codePointStart(body, Math.min(body.length, start + size));
  if (end < body.length && end > start && /[\p{L}\p{N}]/u.test(body[end] ?? '') && !HAN.test(body[end] ?? '')) {
    // Do not cut a Latin word in half.
    const space = body.lastIndexOf(' ', end);
    if (space > start + size / 2) end = space;
  }
  // Spans are searched only in the window (folded coordinates of start..end).
  const fStart = map.origin.findIndex((o) => o >= start);
  let fEnd = map.origin.findIndex((o) => o >= end);
  if (fEnd === -1) fEnd = map.text.length;
  const spans = findSpans(map.text, terms, Math.max(0, fStart), fEnd).filter(([s, e]) => s < fEnd && e <= fEnd);
  const html = render(body, map, spans, start, end);
  return `${start > 0 ? '…' : ''}${html.trim()}${end < body.length ? '…' : ''}`;
}
