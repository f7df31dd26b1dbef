/**
 * The `recomments` of A34: related articles by channel and content, with a heuristic cheap enough
 * to run once per article per cache lifetime. Candidates are the newest articles of the same
 * channel (one pool per channel, shared by its articles); each is scored by how many title terms it shares with the article (Latin words of two
 * or more letters, Chinese character bigrams, minus a few stop words), ties broken by engagement
 * and then recency. When fewer than `count` share a term, the most engaged of the channel fill up.
 */
import type { RelatedCandidate } from './article.repository.js';

const LATIN_STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'by',
  'do',
  'for',
  'from',
  'how',
  'in',
  'into',
  'is',
  'it',
  'its',
  'of',
  'on',
  'or',
  'the',
  'to',
  'vs',
  'what',
  'when',
  'why',
  'with',
  'you',
  'your',
  'we',
  'our',
  'not',
  'can',
  'more',
]);
const HAN_STOP_BIGRAMS = new Set([
  '一个',
  '如何',
  '什么',
  '我们',
  '为什',
  '么是',
  '怎么',
  '这个',
  '那些',
  '以及',
  '的一',
  '中的',
  '是什',
]);

const HAN = /\p{Script=Han}+/gu;
const LATIN = /[a-z0-9]+/g;

/** The title's terms: lower-case Latin words and Chinese character bigrams (a lone character counts as one). */
export function titleTerms(title: string): Set<string> {
  const terms = new Set<string>();
  const lower = title.toLowerCase();
  for (const [word] of lower.matchAll(LATIN)) {
    if (word.length >= 2 && !LATIN_STOP_WORDS.has(word)) terms.add(word);
  }
  for (const [run] of lower.matchAll(HAN)) {
    const chars = [...run];
    if (chars.length === 1) terms.add(run);
    for (let i = 0; i + 1 < chars.length; i++) {
      const bigram = chars[i]! + chars[i + 1]!;
      if (!HAN_STOP_BIGRAMS.has(bigram)) terms.add(bigram);
    }
  }
  return terms;
}

/** Engagement used to order equally similar candidates (and the fill-up): the hot score's weights without decay. */
function engagement(c: RelatedCandidate): number {
  return c.read_count + 5 * c.like_count + 10 * c.comment_count + 8 * c.collect_count;
}

/** A channel's candidates with their title terms and engagement worked out once, for every article picked from them. */
export interface RelatedPool {
  /** How many candidates an article is picked from (the loaded list may hold one more: the article itself). */
  size: number;
  candidates: readonly { candidate: RelatedCandidate; terms: Set<string>; engagement: number }[];
}

export function relatedPool(candidates: RelatedCandidate[], size: number): RelatedPool {
  return {
    size,
    candidates: candidates.map((candidate) => ({
      candidate,
      terms: titleTerms(candidate.title),
      engagement: engagement(candidate),
    })),
  };
}

/** Up to `count` related articles for the article `self` (never itself) from its channel's pool. */
export function pickRelated(
  self: { id: bigint; title: string },
  pool: RelatedPool,
  count: number,
): { id: bigint; title: string }[] {
  const terms = titleTerms(self.title);
  const scored = pool.candidates
    .filter(({ candidate }) => candidate.id !== self.id)
    .slice(0, pool.size)
    .map(({ candidate, terms: theirs, engagement }) => {
      let shared = 0;
      if (terms.size > 0) for (const term of theirs) if (terms.has(term)) shared++;
      return { candidate, shared, engagement };
    });
  const byRelevance = (x: (typeof scored)[number], y: (typeof scored)[number]) =>
    y.shared - x.shared || y.engagement - x.engagement || y.candidate.published_at - x.candidate.published_at;
  const similar = scored
    .filter((s) => s.shared > 0)
    .sort(byRelevance)
    .slice(0, count);
  const chosen = new Set(similar.map((s) => s.candidate.id));
  const fill = scored
    .filter((s) => !chosen.has(s.candidate.id))
    .sort((x, y) => y.engagement - x.engagement || y.candidate.published_at - x.candidate.published_at)
    .slice(0, count - similar.length);
  return [...similar, ...fill].map(({ candidate }) => ({ id: candidate.id, title: candidate.title }));
}
