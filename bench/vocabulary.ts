/**
 * The words the generated corpora are written with (bench/shape-data.ts, bench/search.ts): the
 * 20,000 most frequent 2–4 character Han words of jieba's dictionary, drawn by freq^0.7, and
 * 2,000 two-character words from beyond them, each of which lands in only a handful of articles.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Vocabulary {
  words: string[];
  /** Cumulative weights for drawing by frequency. */
  cumulative: Float64Array;
  rare: string[];
}

export function loadVocabulary(): Vocabulary {
  const text = fs.readFileSync(require.resolve('@node-rs/jieba/dict.txt'), 'utf8');
  const entries: [string, number][] = [];
  for (const line of text.split('\n')) {
    const [word, freq] = line.split(' ');
    if (word && freq && /^\p{Script=Han}{2,4}$/u.test(word)) entries.push([word, Number(freq)]);
  }
  // Ties broken by the word: the same corpus from the same seed whatever the sort's stability.
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = entries.slice(0, 20_000);
  const cumulative = new Float64Array(top.length);
  let sum = 0;
  top.forEach(([, f], i) => (cumulative[i] = sum += Math.pow(f, 0.7)));
  const rare = entries
    .slice(30_000)
    .filter(([w]) => w.length === 2)
    .slice(0, 2_000)
    .map(([w]) => w);
  return { words: top.map(([w]) => w), cumulative, rare };
}

/** Draws words by their weight (binary search over the cumulative weights). */
export function wordSampler(vocab: Vocabulary, random: () => number): () => string {
  const total = vocab.cumulative[vocab.cumulative.length - 1]!;
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = vocab.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (vocab.cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab.words[lo]!;
  };
}
