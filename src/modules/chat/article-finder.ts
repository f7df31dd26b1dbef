/**
 * How the chat bot finds articles for a question it has no fixed answer to. `ArticleFinder` is the
 * seam: the search port replaces `createLikeArticleFinder` once it exists.
 *
 * The stand-in: keywords from the question (filler words such as 有没有/关于/文章 removed), matched
 * case-insensitively against approved article titles with LIKE, best first by how many keywords a
 * title contains, then newest. A long Chinese phrase that matches nothing as a whole is retried as
 * its two-character pieces, so "人工智能的发展" still finds "人工智能…" titles.
 */
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { ArticleStatus } from '../articles/article.read-model.js';

export interface FoundArticle {
  id: bigint;
  title: string;
}

export interface ArticleFinder {
  find(text: string, limit: number): Promise<FoundArticle[]>;
}

/** Most LIKE patterns in one query. */
const MAX_PATTERNS = 8;

const FILLERS = [
  '有没有',
  '有什么',
  '关于',
  '相关',
  '的文章',
  '文章',
  '新闻',
  '资讯',
  '推荐',
  '一下',
  '一些',
  '一篇',
  '几篇',
  '我想看',
  '我要看',
  '想看',
  '帮我',
  '给我',
  '请问',
  '请',
  '搜索',
  '搜一下',
  '搜',
  '查找',
  '查一下',
  '找找',
  '找',
  '看看',
  '什么',
  '怎么样',
  '吗',
  '呢',
  '吧',
  '啊',
  '的',
];
const ENGLISH_FILLERS = new Set([
  'a',
  'an',
  'the',
  'any',
  'about',
  'article',
  'articles',
  'find',
  'search',
  'show',
  'me',
  'some',
  'on',
  'for',
  'of',
  'is',
  'there',
]);
const CJK = /[\u3400-\u9fff]/;

/** The words of a question worth matching (lower-cased, most informative first). */
export function keywords(text: string): string[] {
  let rest = text.toLowerCase();
  for (const filler of FILLERS) rest = rest.split(filler).join(' ');
  const words = rest
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((w) => w !== '' && !ENGLISH_FILLERS.has(w))
    .filter((w) => CJK.test(w) || w.length >= 2);
  return [...new Set(words)].sort((a, b) => b.length - a.length).slice(0, MAX_PATTERNS);
}

/** Two-character pieces of the Chinese words (the retry when whole words match nothing). */
export function pieces(words: string[]): string[] {
  const out = new Set<string>();
  for (const word of words) {
    if (!CJK.test(word) || word.length < 3) continue;
    for (let i = 0; i + 2 <= word.length; i++) out.add(word.slice(i, i + 2));
  }
  return [...out].slice(0, MAX_PATTERNS);
}

/** A LIKE pattern matching `word` anywhere, with `!` as the escape character. */
export function containsPattern(word: string): string {
  return `%${word.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export function createLikeArticleFinder(db: Db): ArticleFinder {
  async function query(words: string[], limit: number): Promise<FoundArticle[]> {
    const matches = words.map((w) => sql<boolean>`LOWER(title) LIKE ${containsPattern(w)} ESCAPE '!'`);
    const score = sql.join(
      matches.map((m) => sql`CASE WHEN ${m} THEN 1 ELSE 0 END`),
      sql` + `,
    );
    const rows = await db
      .selectFrom('articles')
      .select(['id', 'title', sql<number>`${score}`.as('score')])
      .where('status', '=', ArticleStatus.approved)
      .where('deleted_at', 'is', null)
      .where('published_at', 'is not', null)
      .where(({ or }) => or(matches))
      .orderBy('score', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, title: row.title }));
  }

  return {
    async find(text, limit) {
      const words = keywords(text);
      if (words.length === 0) return [];
      const found = await query(words, limit);
      if (found.length > 0) return found;
      const retry = pieces(words);
      return retry.length > 0 ? query(retry, limit) : [];
    },
  };
}
