/**
 * How long an article takes to read, estimated from its HTML: the basis of reading progress in
 * M29 (a read's progress = its reported duration ÷ this estimate, capped at 100%).
 */

/** Chinese (and other CJK) text: characters per minute. */
export const CJK_CHARS_PER_MINUTE = 500;
/** Other scripts: words per minute. */
export const WORDS_PER_MINUTE = 200;
/** Looking at an image. */
export const SECONDS_PER_IMAGE = 5;
/** Even a near-empty article takes a few seconds to open and glance at. */
export const MIN_READING_SECONDS = 10;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const WORD = /[\p{L}\p{N}]+/gu;

export const READING_TIME_RULE =
  `estimated reading time = ${CJK_CHARS_PER_MINUTE} CJK characters or ${WORDS_PER_MINUTE} other words per minute, ` +
  `plus ${SECONDS_PER_IMAGE} s per image, at least ${MIN_READING_SECONDS} s, from the article’s current content`;

/** Whole seconds, at least MIN_READING_SECONDS. */
export function estimateReadingSeconds(html: string): number {
  const images = html.match(/<img\b/gi)?.length ?? 0;
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#?[a-z0-9]+;/gi, ' ');
  const cjk = text.match(CJK)?.length ?? 0;
  const words = text.replace(CJK, ' ').match(WORD)?.length ?? 0;
  const seconds = (cjk * 60) / CJK_CHARS_PER_MINUTE + (words * 60) / WORDS_PER_MINUTE + images * SECONDS_PER_IMAGE;
  return Math.max(MIN_READING_SECONDS, Math.ceil(seconds));
}
