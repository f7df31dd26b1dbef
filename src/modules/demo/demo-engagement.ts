/**
 * The demo's community activity as rows: likes (and a few dislikes), collections, comments with
 * replies and comment likes, detail views (article_reads), follows and the demo account's reading
 * history. The counters the app shows are then counted from these rows (`tally`), never drawn on
 * their own, so every number a reader taps through to (a card's comment count, an author's fans)
 * lists exactly that many entries. Deterministic for a given PRNG, `now` and input order.
 */
import type { Insertable } from 'kysely';
import type {
  ArticleReadsTable,
  AttitudesTable,
  CollectionsTable,
  ReadingHistoryTable,
} from '../engagement/engagement.tables.js';
import type { CommentLikesTable } from '../comments/comment.tables.js';
import type { FollowsTable } from '../relations/relation.tables.js';
import type { CommentsTable } from '../comments/comment.tables.js';
import type { DemoLanguage } from './demo-articles.js';
import { intBetween, pick, pickDistinct, type Random } from './prng.js';

export interface EngagementArticle {
  id: bigint;
  authorId: bigint;
  publishedAt: number;
  language: DemoLanguage;
  /** The topic word the article is about (comments mention it). */
  topic: string;
  /** How much attention the article gets: reads, likes and comments scale with it (≥ 1). */
  heat: number;
}

export interface EngagementPerson {
  id: bigint;
  joinedAt: number;
}

export interface EngagementInput {
  now: number;
  articles: readonly EngagementArticle[];
  /** Who likes, collects, comments, reads signed in and follows: the demo readers and the authors. */
  people: readonly EngagementPerson[];
  /** The app's demo account: a small, hand-sized share of activity (history, likes, collections, follows). */
  demoReader: EngagementPerson;
  /** Whom the demo account follows. */
  demoReaderFollows: readonly bigint[];
  /** Ids in creation order (the seed's snowflake generator). */
  newId: () => bigint;
}

export interface EngagementRows {
  attitudes: Insertable<AttitudesTable>[];
  collections: Insertable<CollectionsTable>[];
  comments: Insertable<CommentsTable>[];
  commentLikes: Insertable<CommentLikesTable>[];
  reads: Insertable<ArticleReadsTable>[];
  follows: Insertable<FollowsTable>[];
  history: Insertable<ReadingHistoryTable>[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Heat above which an article counts as popular: it gets comment threads and the author answers. */
const POPULAR_HEAT = 40;
const SOURCES = [
  ['recommend', 0.45],
  ['channel', 0.3],
  ['relation', 0.1],
  ['search', 0.1],
  ['other', 0.05],
] as const;

const COMMENTS: Record<DemoLanguage, string[]> = {
  zh: [
    '写得很清楚，{t}终于看懂了',
    '收藏了，周末再仔细看一遍',
    '关于{t}，我们团队也踩过类似的坑',
    '有没有更详细的例子？',
    '讲得不错，期待下一篇',
    '{t}这部分能再展开讲讲吗',
    '第二段的观点不太同意，实际项目里情况更复杂',
    '干货满满，感谢分享',
    '转给同事了',
    '看完之后对{t}有了新的认识',
    '请问文中提到的做法适合小团队吗？',
    '好文，已经关注作者了',
    '这个角度很新颖',
    '我觉得{t}被高估了，不过文章写得好',
  ],
  en: [
    'Clear write-up, {t} finally makes sense to me',
    'Bookmarked for the weekend',
    'We hit the same problem with {t} last year',
    'Any chance of a longer example?',
    'Nice one, looking forward to the next post',
    'Could you expand on the {t} part?',
    'Not sure I agree with the second point, real projects are messier',
    'Great post, thanks for sharing',
    'Sent this to my team',
    'This changed how I think about {t}',
    'Does this approach work for a small team?',
    'Followed, more of this please',
    'Interesting angle',
    'I think {t} is overrated, but this is well written',
  ],
};

const REPLIES: Record<DemoLanguage, string[]> = {
  zh: [
    '同意',
    '+1，我也是这么想的',
    '我们也是这样做的',
    '可以看看官方文档，写得很详细',
    '哈哈，太真实了',
    '说得对',
    '我倒觉得还好',
    '同问',
  ],
  en: [
    'Agreed',
    '+1, same here',
    'We do the same',
    'The official docs cover this well',
    'Ha, so true',
    'Exactly',
    'Not sure about that',
    'Same question',
  ],
};

const AUTHOR_REPLIES: Record<DemoLanguage, string[]> = {
  zh: ['谢谢支持！', '好问题，下一篇会专门写', '感谢指正，已经补充到文中', '欢迎交流'],
  en: ['Thanks for reading!', 'Good question, next post covers it', 'Thanks, I updated the post', 'Happy to discuss'],
};

/** A long-tailed number in [1, max): most are small, a few are large. */
export function logUniform(random: Random, max: number): number {
  return Math.exp(random() * Math.log(max));
}

/** A time in [from, to], weighted towards `from` (attention fades after publication). */
function soonAfter(random: Random, from: number, to: number): number {
  return from + Math.floor(random() * random() * Math.max(0, to - from));
}

function weighted<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  let roll = random() * items.reduce((sum, [, w]) => sum + w, 0);
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items.at(-1)![0];
}

const fill = (template: string, topic: string) => template.replace(/\{t\}/g, topic);

interface PlannedComment {
  row: Omit<Insertable<CommentsTable>, 'id' | 'parent_id'>;
  parent: PlannedComment | null;
  likers: bigint[];
  id?: bigint;
}

export function planEngagement(random: Random, input: EngagementInput): EngagementRows {
  const { now, people, demoReader } = input;
  const latest = now - MINUTE;
  const rows: EngagementRows = {
    attitudes: [],
    collections: [],
    comments: [],
    commentLikes: [],
    reads: [],
    follows: [],
    history: [],
  };
  const joined = new Map(people.map((p) => [p.id, p.joinedAt]));
  joined.set(demoReader.id, demoReader.joinedAt);
  const planned: PlannedComment[] = [];
  const read = (articleId: bigint, userId: bigint | null, at: number) => {
    const duration = random() < 0.65 ? Math.round(logUniform(random, 600)) + 5 : 0;
    rows.reads.push({
      id: 0n,
      article_id: articleId,
      user_id: userId,
      source: weighted(random, SOURCES),
      duration_seconds: duration,
      created_at: at,
    });
  };

  for (const article of input.articles) {
    const { heat, publishedAt: from } = article;
    const others = people.filter((p) => p.id !== article.authorId).map((p) => p.id);
    const likers = pickDistinct(random, others, Math.min(others.length, Math.floor(heat * (0.15 + random() * 0.3))));
    for (const userId of likers) {
      const at = soonAfter(random, from, latest);
      rows.attitudes.push({ user_id: userId, article_id: article.id, attitude: 1, created_at: at, updated_at: at });
    }
    if (random() < 0.1) {
      const disliker = pick(random, others);
      if (!likers.includes(disliker)) {
        const at = soonAfter(random, from, latest);
        rows.attitudes.push({ user_id: disliker, article_id: article.id, attitude: 0, created_at: at, updated_at: at });
      }
    }
    for (const userId of pickDistinct(random, others, Math.floor(likers.length * (0.1 + random() * 0.4)))) {
      rows.collections.push({ user_id: userId, article_id: article.id, created_at: soonAfter(random, from, latest) });
    }

    // Comments: a few dozen with replies on popular articles, a handful or none on the rest.
    const threads: PlannedComment[] = [];
    const total = Math.floor(heat * random() * 0.35);
    for (let i = 0; i < total; i++) {
      const parent =
        threads.length > 0 && random() < 0.35 ? threads[Math.floor(random() * random() * threads.length)]! : null;
      const byAuthor = parent !== null && heat >= POPULAR_HEAT && random() < 0.25;
      const userId = byAuthor ? article.authorId : pick(random, others);
      const after = parent ? Number(parent.row.created_at) + MINUTE : from + MINUTE;
      const templates = byAuthor ? AUTHOR_REPLIES : parent ? REPLIES : COMMENTS;
      const at = Math.min(latest, soonAfter(random, after, latest));
      const comment: PlannedComment = {
        row: {
          article_id: article.id,
          user_id: userId,
          content: fill(pick(random, templates[article.language]), article.topic),
          created_at: at,
        },
        parent,
        likers: pickDistinct(random, others, Math.floor(logUniform(random, Math.min(others.length, 2 + heat / 6))) - 1),
      };
      if (!parent) threads.push(comment);
      planned.push(comment);
    }

    // Detail views: at least one per like, collection and comment, mostly anonymous.
    const reads = Math.max(Math.floor(4 + heat * (0.5 + random() * 0.5)), likers.length * 2, total * 2);
    for (let i = 0; i < reads; i++)
      read(article.id, random() < 0.25 ? pick(random, others) : null, soonAfter(random, from, latest));
  }

  // The demo account read a dozen recent articles, liked some and collected a few.
  const recent = input.articles.slice(-60).filter((a) => a.authorId !== demoReader.id);
  for (const article of pickDistinct(random, recent, 12)) {
    const at = soonAfter(random, article.publishedAt, latest);
    rows.history.push({ user_id: demoReader.id, article_id: article.id, created_at: at, read_at: at });
    read(article.id, demoReader.id, at);
    if (random() < 0.5)
      rows.attitudes.push({
        user_id: demoReader.id,
        article_id: article.id,
        attitude: 1,
        created_at: at,
        updated_at: at,
      });
    if (random() < 0.3) rows.collections.push({ user_id: demoReader.id, article_id: article.id, created_at: at });
  }

  // Comment ids in time order, so "newest first" is "id descending" as for comments written live.
  planned.sort((a, b) => Number(a.row.created_at) - Number(b.row.created_at));
  for (const comment of planned) {
    comment.id = input.newId();
    rows.comments.push({ ...comment.row, id: comment.id, parent_id: comment.parent?.id ?? null });
    for (const userId of comment.likers) {
      rows.commentLikes.push({
        user_id: userId,
        comment_id: comment.id,
        created_at: soonAfter(random, Number(comment.row.created_at), latest),
      });
    }
  }
  rows.reads.sort((a, b) => Number(a.created_at) - Number(b.created_at));
  for (const row of rows.reads) row.id = input.newId();

  // Follows: readers follow authors (the well-read more often) and a few other readers.
  const heatOf = new Map<bigint, number>();
  for (const a of input.articles) heatOf.set(a.authorId, (heatOf.get(a.authorId) ?? 0) + a.heat);
  const authors = [...heatOf].map(([id, h]) => [id, h] as const);
  const follows = new Set<string>();
  const follow = (userId: bigint, targetId: bigint) => {
    const key = `${userId}:${targetId}`;
    if (userId === targetId || follows.has(key)) return;
    follows.add(key);
    const since = Math.max(joined.get(userId) ?? now - 30 * DAY, joined.get(targetId) ?? now - 30 * DAY);
    rows.follows.push({ user_id: userId, target_user_id: targetId, created_at: soonAfter(random, since, latest) });
  };
  for (const person of people) {
    const isAuthor = heatOf.has(person.id);
    const count = isAuthor ? intBetween(random, 1, 3) : intBetween(random, 1, 6);
    for (let i = 0; i < count; i++) follow(person.id, weighted(random, authors));
    if (!isAuthor) for (let i = intBetween(random, 0, 2); i > 0; i--) follow(person.id, pick(random, people).id);
  }
  for (const targetId of input.demoReaderFollows) follow(demoReader.id, targetId);
  return rows;
}

export interface ArticleTally {
  read_count: number;
  like_count: number;
  dislike_count: number;
  comment_count: number;
  collect_count: number;
  share_count: number;
}

export interface UserTally {
  follow_count: number;
  fans_count: number;
}

export interface CommentTally {
  like_count: number;
  reply_count: number;
}

/** The counters as the app keeps them, counted from the rows (every demo comment is visible). */
export function tally(rows: EngagementRows) {
  const articles = new Map<bigint, ArticleTally>();
  const users = new Map<bigint, UserTally>();
  const comments = new Map<bigint, CommentTally>();
  const article = (id: bigint) => {
    let t = articles.get(id);
    if (!t)
      articles.set(
        id,
        (t = { read_count: 0, like_count: 0, dislike_count: 0, comment_count: 0, collect_count: 0, share_count: 0 }),
      );
    return t;
  };
  const user = (id: bigint) => {
    let t = users.get(id);
    if (!t) users.set(id, (t = { follow_count: 0, fans_count: 0 }));
    return t;
  };
  const comment = (id: bigint) => {
    let t = comments.get(id);
    if (!t) comments.set(id, (t = { like_count: 0, reply_count: 0 }));
    return t;
  };
  for (const r of rows.reads) article(r.article_id).read_count++;
  for (const a of rows.attitudes) {
    if (a.attitude === 1) article(a.article_id).like_count++;
    else article(a.article_id).dislike_count++;
  }
  for (const c of rows.collections) article(c.article_id).collect_count++;
  for (const c of rows.comments) {
    article(c.article_id).comment_count++;
    if (c.parent_id) comment(c.parent_id).reply_count++;
  }
  for (const l of rows.commentLikes) comment(l.comment_id).like_count++;
  for (const f of rows.follows) {
    user(f.user_id).follow_count++;
    user(f.target_user_id).fans_count++;
  }
  return { articles, users, comments };
}
