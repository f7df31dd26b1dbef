/**
 * The demo data behind `inkstone seed` and the first `npm start` on an empty database: the
 * course's channels, the contract's demo accounts, a handful of authors and a few hundred
 * generated articles with covers drawn in code. Text, covers, authors and publish offsets come
 * from a seeded PRNG, so the demo reads the same on every machine; ids come from the platform's
 * snowflake generators and times are relative to `now`.
 */
import { seedDemoAnnouncements } from '../announcements/demo-announcements.js';
import type { Insertable } from 'kysely';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import type { Platform } from '../../platform/platform.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import type { ArticleContentsTable } from '../articles/article.tables.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import { type NewArticle } from '../articles/article.tables.js';
import { type NewChannel } from '../channels/channel.tables.js';
import { type NewUser } from '../users/user.tables.js';
import { generateArticle, type DemoLanguage } from './demo-articles.js';
import { DEFAULT_CHANNEL_COUNT, DEMO_CHANNELS } from './demo-channels.js';
import { avatarPng, coverPng } from './demo-images.js';
import { logUniform, planEngagement, tally } from './demo-engagement.js';
import { DEMO_SEED, intBetween, mulberry32, pick, pickDistinct, type Random } from './prng.js';
import type { SearchService } from '../search/search.service.js';

export interface SeedOptions {
  /** Delete every user, channel and article first (otherwise a non-empty database is an error). */
  force?: boolean;
  /** Articles generated per channel (default 36). */
  articlesPerChannel?: number;
  /** The instant the demo is "written" at (ms); publish times fall in the 28 days before it. */
  now?: number;
  /** Source of randomness; defaults to mulberry32 with a fixed seed. */
  random?: () => number;
  /** Indexes what was written (`inkstone seed` and the first start pass the app's search service). */
  search?: Pick<SearchService, 'reindex'>;
}

export interface SeedCounts {
  channels: number;
  users: number;
  articles: number;
}

export const DEFAULT_ARTICLES_PER_CHANNEL = 36;
export const DEMO_COVER_COUNT = 24;
export const DEMO_APP_MOBILE = '13611111111';
export const DEMO_MEDIA_MOBILE = '13911111111';
export const DEMO_ADMIN_MOBILE = '13800000000';

const DAY = 86_400_000;
const PUBLISH_WINDOW = 28 * DAY;
/** Rows per INSERT: articles have ~20 columns, far below every database's placeholder limit. */
const BATCH_SIZE = 200;

interface DemoAccount {
  mobile: string;
  name: string;
  intro: string;
  gender: number;
  role?: 'user' | 'admin';
  certi?: string;
  media?: boolean;
}

const ACCOUNTS: readonly DemoAccount[] = [
  { mobile: DEMO_APP_MOBILE, name: '黑马用户', intro: '喜欢看技术文章的普通读者。', gender: 0 },
  {
    mobile: DEMO_MEDIA_MOBILE,
    name: '黑马头条号',
    intro: '官方演示自媒体账号，用来体验发布和管理文章。',
    gender: 0,
    certi: '黑马头条认证作者：技术内容创作者',
    media: true,
  },
  { mobile: DEMO_ADMIN_MOBILE, name: '管理员', intro: '站点管理员。', gender: 0, role: 'admin' },
];

/** The generated authors who write the demo articles (names unique, at most 7 characters). */
const AUTHORS: readonly DemoAccount[] = [
  { mobile: '13812340001', name: '码农老王', intro: '写了十年后端，喜欢把复杂问题讲简单。', gender: 0 },
  { mobile: '13812340002', name: '前端小鹿', intro: '前端工程师，关注工程化与用户体验。', gender: 1 },
  { mobile: '13812340003', name: '林间听风', intro: '白天写代码，晚上读论文。', gender: 1 },
  { mobile: '13812340004', name: '阿杰聊技术', intro: '技术面试官，偶尔分享踩坑记录。', gender: 0 },
  { mobile: '13812340005', name: '产品小洋', intro: '产品经理，也是数码爱好者。', gender: 0 },
  { mobile: '13812340006', name: 'AliceW', intro: 'Frontend developer. Coffee first, then CSS.', gender: 1 },
  { mobile: '13812340007', name: 'DevLeo', intro: 'Backend engineer who likes boring, reliable systems.', gender: 0 },
  { mobile: '13812340008', name: 'KevinLi', intro: 'Writing about data, algorithms and the odd gadget.', gender: 0 },
];

/**
 * Demo readers: the people who like, collect, comment and follow (names unique, at most 7
 * characters; mobiles in a block of their own). Fixed, so they do not depend on the PRNG.
 */
const READER_COUNT = 60;
const READER_MOODS = ['快乐的', '安静的', '认真的', '爱笑的', '好奇的', '早起的', '努力的', '摸鱼的'];
const READER_THINGS = ['小熊', '橘猫', '程序猿', '咸鱼', '柠檬', '海豚', '松鼠', '仙人掌'];
const READER_NAMES = ['Emma', 'Liam', 'Oscar', 'Noah', 'Mia', 'Lucas', 'Ava', 'Ethan', 'Zoe', 'Ryan'];
const READERS: readonly DemoAccount[] = Array.from({ length: READER_COUNT }, (_, i) => {
  // Two of three Chinese, one English; the index arithmetic only spreads the pairs without repeats.
  const k = Math.floor(i / 3) * 2 + (i % 3);
  const name =
    i % 3 === 2
      ? `${READER_NAMES[Math.floor(i / 3) % READER_NAMES.length]}_${String.fromCharCode(65 + Math.floor(i / 3 / READER_NAMES.length) * 7 + ((i * 3) % 7))}`
      : `${READER_MOODS[((k * 5) >> 3) % 8]}${READER_THINGS[(k * 5) % 8]}`;
  return { mobile: `1350000${String(i + 1).padStart(4, '0')}`, name, intro: '', gender: i % 2 };
});

/** The database already has users or channels and `force` was not given. */
export class DemoDataExistsError extends Error {
  constructor() {
    super('The database already has data (users or channels). Pass --force to delete it and write the demo data.');
    this.name = 'DemoDataExistsError';
  }
}

/** True when there are no users and no channels (a fresh install). */
export async function isDatabaseEmpty(p: Pick<Platform, 'db'>): Promise<boolean> {
  const user = await p.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (user) return false;
  const channel = await p.db.selectFrom('channels').select('id').limit(1).executeTakeFirst();
  return !channel;
}

const coverKey = (index: number) => `demo/cover-${index + 1}.png`;
const avatarKey = (index: number) => `demo/avatar-${index + 1}.png`;
/** Two of three readers have a drawn avatar (after the authors'), the others the default one. */
const readerAvatar = (index: number) => (index % 3 === 1 ? null : avatarKey(AUTHORS.length + index));

// The pictures depend only on their index, so one process draws them once.
let imageCache: { key: string; body: Buffer }[] | undefined;

function demoImages(): { key: string; body: Buffer }[] {
  imageCache ??= [
    ...Array.from({ length: DEMO_COVER_COUNT }, (_, i) => ({ key: coverKey(i), body: coverPng(i) })),
    ...AUTHORS.map((_, i) => ({ key: avatarKey(i), body: avatarPng(i) })),
    ...READERS.flatMap((_, i) => {
      const key = readerAvatar(i);
      return key ? [{ key, body: avatarPng(AUTHORS.length + i) }] : [];
    }),
  ];
  return imageCache;
}

/** Writes the demo covers and avatars (same key, same bytes every time, so rewriting is harmless). */
async function storeImages(storage: ObjectStorage): Promise<void> {
  const queue = demoImages().slice();
  const worker = async () => {
    for (let image = queue.shift(); image; image = queue.shift()) await storage.put(image.key, image.body, 'image/png');
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}

interface PlannedArticle {
  row: Omit<NewArticle, 'id'>;
  content: string;
  language: DemoLanguage;
  topic: string;
  heat: number;
}

/** Attention an article gets, long-tailed (most are read a few dozen times, a few hundreds); pinned ones are popular. */
function heat(random: Random, pinned: boolean): number {
  return pinned ? 60 + random() * 60 : logUniform(random, 150);
}

/** Cover mix: about 40% one image, 30% three, 30% none. */
function cover(random: Random): { cover_type: number; cover_images: string } {
  const roll = random();
  const type = roll < 0.4 ? 1 : roll < 0.7 ? 3 : 0;
  const indexes = pickDistinct(
    random,
    Array.from({ length: DEMO_COVER_COUNT }, (_, i) => i),
    type,
  );
  return { cover_type: type, cover_images: JSON.stringify(indexes.map(coverKey)) };
}

function planArticles(
  random: Random,
  options: { now: number; perChannel: number; authorIds: bigint[]; imageUrls: string[] },
): PlannedArticle[] {
  const { now, perChannel, authorIds } = options;
  const usedTimes = new Set<number>();
  const publishTime = () => {
    // Somewhere in the 28 days before `now`, at least a minute back, never two on one millisecond.
    for (;;) {
      const at = now - 60_000 - Math.floor(random() * (PUBLISH_WINDOW - 60_000));
      if (!usedTimes.has(at)) {
        usedTimes.add(at);
        return at;
      }
    }
  };

  const planned: PlannedArticle[] = [];
  DEMO_CHANNELS.forEach((channel, channelIndex) => {
    // Each channel has three regular authors, so author pages stay on a few subjects.
    const authors = [0, 1, 2].map((k) => authorIds[(channelIndex * 3 + k) % authorIds.length]!);
    const pinned = new Set(
      pickDistinct(
        random,
        Array.from({ length: perChannel }, (_, i) => i),
        intBetween(random, 1, 2),
      ),
    );
    const usedTitles = new Set<string>();
    for (let i = 0; i < perChannel; i++) {
      const language: DemoLanguage = random() < 0.5 ? 'zh' : 'en';
      const text = generateArticle({ random, channel, language, usedTitles, imageUrls: options.imageUrls });
      const publishedAt = publishTime();
      const isTop = pinned.has(i);
      planned.push({
        row: {
          user_id: pick(random, authors),
          channel_id: BigInt(channel.id),
          title: text.title,
          ...cover(random),
          status: ArticleStatus.approved,
          is_top: isTop ? 1 : 0,
          allow_comment: 1,
          // Written a little before publication (review time).
          created_at: publishedAt - intBetween(random, 5 * 60_000, 2 * DAY),
          updated_at: publishedAt,
          published_at: publishedAt,
          deleted_at: null,
        },
        content: text.content,
        language,
        topic: text.topic,
        heat: heat(random, isTop),
      });
    }
  });
  return planned;
}

async function insertInBatches<T>(
  rows: T[],
  insert: (batch: T[]) => Promise<unknown>,
  size = BATCH_SIZE,
): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

const NO_ARTICLE_COUNTS = {
  read_count: 0,
  like_count: 0,
  dislike_count: 0,
  comment_count: 0,
  collect_count: 0,
  share_count: 0,
};

/**
 * Writes the demo data. Throws (mentioning `--force`) when the database already has users or
 * channels, unless `force` is set, in which case every article, user and channel is deleted
 * first and the key-value store (caches, sessions, counters) is flushed after the new data is in.
 */
/** Rows about users and articles that a forced re-seed must clear along with them. */
const COMMUNITY_TABLES = [
  'sessions',
  'follows',
  'blacklists',
  'attitudes',
  'collections',
  'reports',
  'comment_likes',
  'comments',
  'user_channels',
  'reading_history',
  'article_reads',
  'announcements',
] as const;

export async function seedDemoData(p: Platform, options: SeedOptions = {}): Promise<SeedCounts> {
  const started = performance.now();
  const force = options.force === true;
  const perChannel = options.articlesPerChannel ?? DEFAULT_ARTICLES_PER_CHANNEL;
  if (!Number.isInteger(perChannel) || perChannel < 1 || perChannel > 10_000) {
    throw new RangeError(`articlesPerChannel must be an integer from 1 to 10000, got ${perChannel}`);
  }
  const now = options.now ?? Date.now();
  const random = options.random ?? mulberry32(DEMO_SEED);
  if (!force && !(await isDatabaseEmpty(p))) throw new DemoDataExistsError();

  await storeImages(p.storage);
  const imageUrls = Array.from({ length: DEMO_COVER_COUNT }, (_, i) => p.storage.url(coverKey(i)));

  const channels: NewChannel[] = DEMO_CHANNELS.map((channel, index) => ({
    id: BigInt(channel.id),
    name: channel.name,
    sequence: index + 1,
    is_visible: 1,
    is_default: index < DEFAULT_CHANNEL_COUNT ? 1 : 0,
    created_at: now - 400 * DAY,
    updated_at: now - 400 * DAY,
  }));

  const user = (account: DemoAccount, photo: string | null): NewUser => {
    const joined = now - intBetween(random, 60, 720) * DAY - intBetween(random, 0, DAY - 1);
    return {
      id: p.ids.user(),
      mobile: account.mobile,
      name: account.name,
      photo,
      intro: account.intro,
      certi: account.certi ?? '',
      gender: account.gender,
      is_media: account.media ? 1 : 0,
      verified: account.media ? 1 : 0,
      status: 1,
      role: account.role ?? 'user',
      created_at: joined,
      updated_at: joined,
    };
  };
  // The demo author gets a drawn avatar like the other writers; the reader and the admin keep the default.
  const accounts = ACCOUNTS.map((account) => user(account, account.mobile === DEMO_MEDIA_MOBILE ? avatarKey(0) : null));
  const authors = AUTHORS.map((account, i) => user(account, avatarKey(i)));
  const readers = READERS.map((account, i) => user(account, readerAvatar(i)));

  // The verified demo author writes too, so the MP admin has articles to manage at first sign-in.
  const mediaAccount = accounts.find((a) => a.mobile === DEMO_MEDIA_MOBILE)!;
  const appAccount = accounts.find((a) => a.mobile === DEMO_APP_MOBILE)!;
  const authorIds = [...authors.map((a) => a.id), mediaAccount.id];
  const planned = planArticles(random, { now, perChannel, authorIds, imageUrls });
  // Ids in publish order, so "id descending" also means "newest first" for the demo.
  planned.sort((a, b) => a.row.published_at! - b.row.published_at!);
  const ids = planned.map(() => p.ids.content());

  // Activity as rows first; every counter below is counted from them.
  const person = (u: NewUser) => ({ id: u.id, joinedAt: u.created_at });
  const engagement = planEngagement(mulberry32(Math.floor(random() * 2 ** 32)), {
    now,
    articles: planned.map((a, i) => ({
      id: ids[i]!,
      authorId: a.row.user_id,
      publishedAt: a.row.published_at!,
      language: a.language,
      topic: a.topic,
      heat: a.heat,
    })),
    people: [...readers, ...authors, mediaAccount].map(person),
    demoReader: person(appAccount),
    // Not the MP demo account: following it is one of the first things to try in the app.
    demoReaderFollows: authors.slice(0, 3).map((a) => a.id),
    newId: () => p.ids.content(),
  });
  const counted = tally(engagement);

  // One article in twelve is paid (¥3, ¥6 or ¥9.90), so buying one is there to try from the start.
  const demoPrice = (i: number) => (i % 12 === 5 ? [300, 600, 990][Math.floor(i / 12) % 3]! : 0);
  const articles: NewArticle[] = [];
  const contents: Insertable<ArticleContentsTable>[] = [];
  const stats = new Map<bigint, { art_count: number; read_count: number; like_count: number }>();
  planned.forEach(({ row, content }, i) => {
    const id = ids[i]!;
    const counts = counted.articles.get(id) ?? NO_ARTICLE_COUNTS;
    articles.push({ id, ...row, ...counts, price_cents: demoPrice(i) });
    contents.push({ article_id: id, content });
    const s = stats.get(row.user_id) ?? { art_count: 0, read_count: 0, like_count: 0 };
    s.art_count++;
    s.read_count += counts.read_count;
    s.like_count += counts.like_count;
    stats.set(row.user_id, s);
  });
  // Every row names the same columns: multi-row inserts on SQLite fill a missing one with NULL.
  const users = [...accounts, ...authors, ...readers].map((u) => ({
    ...u,
    ...(stats.get(u.id) ?? { art_count: 0, read_count: 0, like_count: 0 }),
    ...(counted.users.get(u.id) ?? { follow_count: 0, fans_count: 0 }),
  }));
  const comments = engagement.comments.map((c) => ({
    ...c,
    ...(counted.comments.get(c.id) ?? { like_count: 0, reply_count: 0 }),
  }));

  try {
    await p.db.transaction().execute(async (trx) => {
      if (force) {
        // Everything that points at demo users and articles, then children before parents (foreign keys).
        for (const table of COMMUNITY_TABLES) await trx.deleteFrom(table).execute();
        await trx.deleteFrom('article_contents').execute();
        await trx.deleteFrom('articles').execute();
        await trx.deleteFrom('users').execute();
        await trx.deleteFrom('channels').execute();
      } else if (!(await isDatabaseEmpty({ db: trx }))) {
        throw new DemoDataExistsError(); // written since the first check
      }
      await trx.insertInto('channels').values(channels).execute();
      await insertInBatches(users, (batch) => trx.insertInto('users').values(batch).execute());
      await insertInBatches(articles, (batch) => trx.insertInto('articles').values(batch).execute());
      await insertInBatches(contents, (batch) => trx.insertInto('article_contents').values(batch).execute());
      await insertInBatches(comments, (batch) => trx.insertInto('comments').values(batch).execute());
      // Narrow rows: larger batches, still far below every database's placeholder limit.
      await insertInBatches(
        engagement.attitudes,
        (batch) => trx.insertInto('attitudes').values(batch).execute(),
        1_000,
      );
      await insertInBatches(
        engagement.collections,
        (batch) => trx.insertInto('collections').values(batch).execute(),
        1_000,
      );
      await insertInBatches(
        engagement.commentLikes,
        (batch) => trx.insertInto('comment_likes').values(batch).execute(),
        1_000,
      );
      await insertInBatches(engagement.follows, (batch) => trx.insertInto('follows').values(batch).execute(), 1_000);
      await insertInBatches(
        engagement.history,
        (batch) => trx.insertInto('reading_history').values(batch).execute(),
        1_000,
      );
      await insertInBatches(
        engagement.reads,
        (batch) => trx.insertInto('article_reads').values(batch).execute(),
        1_000,
      );
    });
  } catch (error) {
    // Two processes seeding one empty database at once (e.g. `--workers N` on first start): the
    // loser hits the fixed channel ids. Report it as "already seeded", not as a crash.
    if (!force && isUniqueViolation(error)) throw new DemoDataExistsError();
    throw error;
  }
  if (force) await p.kv.flush();
  await seedDemoAnnouncements(p);

  const written = performance.now();
  const counts = { channels: channels.length, users: users.length, articles: articles.length };
  // Searchable at once: the seed writes past the publishing path, so it indexes what it wrote.
  const index = options.search ? await options.search.reindex() : undefined;
  p.logger.info(
    {
      ...counts,
      comments: comments.length,
      likes: engagement.attitudes.length,
      follows: engagement.follows.length,
      reads: engagement.reads.length,
      indexed: index?.indexed,
      ms: Math.round(written - started),
      indexMs: index ? Math.round(performance.now() - written) : undefined,
    },
    'demo data written',
  );
  return counts;
}
