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
import { ArticleStatus, type ArticleContentsTable, type NewArticle, type NewChannel, type NewUser } from '../../platform/db/schema.js';
import { generateArticle, type DemoLanguage } from './demo-articles.js';
import { DEFAULT_CHANNEL_COUNT, DEMO_CHANNELS } from './demo-channels.js';
import { avatarPng, coverPng } from './demo-images.js';
import { DEMO_SEED, intBetween, mulberry32, pick, pickDistinct, type Random } from './prng.js';

export interface SeedOptions {
  /** Delete every user, channel and article first (otherwise a non-empty database is an error). */
  force?: boolean;
  /** Articles generated per channel (default 36). */
  articlesPerChannel?: number;
  /** The instant the demo is "written" at (ms); publish times fall in the 28 days before it. */
  now?: number;
  /** Source of randomness; defaults to mulberry32 with a fixed seed. */
  random?: () => number;
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

// The pictures depend only on their index, so one process draws them once.
let imageCache: { key: string; body: Buffer }[] | undefined;

function demoImages(): { key: string; body: Buffer }[] {
  imageCache ??= [
    ...Array.from({ length: DEMO_COVER_COUNT }, (_, i) => ({ key: coverKey(i), body: coverPng(i) })),
    ...AUTHORS.map((_, i) => ({ key: avatarKey(i), body: avatarPng(i) })),
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
}

function counters(random: Random, pinned: boolean) {
  // Long-tailed: most articles are read a few hundred times, a few tens of thousands.
  const read = Math.floor(Math.exp(random() * Math.log(30_000))) + 20 + (pinned ? 5_000 : 0);
  const like = Math.floor(read * (0.005 + random() * 0.06));
  return {
    read_count: read,
    like_count: like,
    collect_count: Math.floor(like * (0.1 + random() * 0.5)),
    comment_count: Math.floor(like * random() * 0.3),
    share_count: Math.floor(like * random() * 0.2),
  };
}

/** Cover mix: about 40% one image, 30% three, 30% none. */
function cover(random: Random): { cover_type: number; cover_images: string } {
  const roll = random();
  const type = roll < 0.4 ? 1 : roll < 0.7 ? 3 : 0;
  const indexes = pickDistinct(random, Array.from({ length: DEMO_COVER_COUNT }, (_, i) => i), type);
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
    const pinned = new Set(pickDistinct(random, Array.from({ length: perChannel }, (_, i) => i), intBetween(random, 1, 2)));
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
          ...counters(random, isTop),
        },
        content: text.content,
      });
    }
  });
  return planned;
}

async function insertInBatches<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH_SIZE) await insert(rows.slice(i, i + BATCH_SIZE));
}

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

  // The verified demo author writes too, so the MP admin has articles to manage at first sign-in.
  const mediaAccount = accounts.find((a) => a.mobile === DEMO_MEDIA_MOBILE)!;
  const authorIds = [...authors.map((a) => a.id), mediaAccount.id];
  const planned = planArticles(random, { now, perChannel, authorIds, imageUrls });
  // Ids in publish order, so "id descending" also means "newest first" for the demo.
  planned.sort((a, b) => a.row.published_at! - b.row.published_at!);
  const articles: NewArticle[] = [];
  const contents: Insertable<ArticleContentsTable>[] = [];
  const stats = new Map<bigint, { art_count: number; read_count: number; like_count: number }>();
  for (const { row, content } of planned) {
    const id = p.ids.content();
    articles.push({ id, ...row });
    contents.push({ article_id: id, content });
    const s = stats.get(row.user_id) ?? { art_count: 0, read_count: 0, like_count: 0 };
    s.art_count++;
    s.read_count += row.read_count ?? 0;
    s.like_count += row.like_count ?? 0;
    stats.set(row.user_id, s);
  }
  // Every row names the same columns: multi-row inserts on SQLite fill a missing one with NULL.
  const users = [...accounts, ...authors].map((u) => ({ ...u, ...(stats.get(u.id) ?? { art_count: 0, read_count: 0, like_count: 0 }) }));

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
      await trx.insertInto('users').values(users).execute();
      await insertInBatches(articles, (batch) => trx.insertInto('articles').values(batch).execute());
      await insertInBatches(contents, (batch) => trx.insertInto('article_contents').values(batch).execute());
    });
  } catch (error) {
    // Two processes seeding one empty database at once (e.g. `--workers N` on first start): the
    // loser hits the fixed channel ids. Report it as "already seeded", not as a crash.
    if (!force && isUniqueViolation(error)) throw new DemoDataExistsError();
    throw error;
  }
  if (force) await p.kv.flush();
  await seedDemoAnnouncements(p);

  const counts = { channels: channels.length, users: users.length, articles: articles.length };
  p.logger.info({ ...counts, ms: Math.round(performance.now() - started) }, 'demo data written');
  return counts;
}
