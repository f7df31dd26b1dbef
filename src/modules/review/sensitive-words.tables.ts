/**
 * The sensitive-word list (migration 0013-sensitive-words): one row per word, who added it and
 * when. Words are stored normalised (NFKC, lower case) as the matcher compares them, so the same
 * word typed twice is one row on every dialect, whatever its collation.
 */
export interface SensitiveWordsTable {
  word: string;
  added_by: bigint | null;
  added_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    sensitive_words: SensitiveWordsTable;
  }
}

/** Longest word, as the matcher accepts (platform/sanitize/sensitive-words.ts). */
export const WORD_MAX = 64;

export function normalizeWord(word: string): string {
  return word.normalize('NFKC').trim().toLowerCase();
}
