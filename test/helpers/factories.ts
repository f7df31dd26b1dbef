/**
 * Factories: rows with unique random values, written straight through Kysely so a test states
 * only what it cares about.
 */
import type { Platform } from '../../src/platform/platform.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';

let counter = 0;
const unique = () => `${Date.now() % 100000}${++counter}${Math.floor(Math.random() * 1000)}`;

export async function newChannel(
  p: Platform,
  values: { id?: bigint; name?: string; sequence?: number; is_visible?: number; is_default?: number } = {},
) {
  const now = Date.now();
  const row = {
    id: values.id ?? BigInt(100 + Math.floor(Math.random() * 1e9)),
    name: values.name ?? `ch${unique()}`.slice(0, 30),
    sequence: values.sequence ?? 0,
    is_visible: values.is_visible ?? 1,
    is_default: values.is_default ?? 0,
    created_at: now,
    updated_at: now,
  };
  await p.db.insertInto('channels').values(row).execute();
  return row;
}

export async function newUser(p: Platform, values: { name?: string; mobile?: string; photo?: string | null } = {}) {
  const now = Date.now();
  const id = p.ids.user();
  const row = {
    id,
    mobile: values.mobile ?? `139${String(id % 100000000n).padStart(8, '0')}`,
    name: values.name ?? `u${unique()}`.slice(0, 30),
    photo: values.photo ?? null,
    created_at: now,
    updated_at: now,
  };
  await p.db.insertInto('users').values(row).execute();
  return row;
}

export async function newArticle(
  p: Platform,
  values: {
    id?: bigint;
    user_id: bigint;
    channel_id: bigint;
    title?: string;
    content?: string;
    status?: number;
    published_at?: number | null;
    is_top?: number;
    cover_type?: number;
    cover_images?: string[];
    deleted_at?: number | null;
    /** Sensitive words the review found (stored as JSON). */
    review_flags?: string[];
  },
) {
  const now = Date.now();
  const id = values.id ?? p.ids.content();
  const status = values.status ?? ArticleStatus.approved;
  const row = {
    id,
    user_id: values.user_id,
    channel_id: values.channel_id,
    title: values.title ?? `Article ${unique()}`,
    cover_type: values.cover_type ?? 0,
    cover_images: JSON.stringify(values.cover_images ?? []),
    status,
    is_top: values.is_top ?? 0,
    created_at: now,
    updated_at: now,
    published_at:
      values.published_at === undefined ? (status === ArticleStatus.approved ? now : null) : values.published_at,
    deleted_at: values.deleted_at ?? null,
    ...(values.review_flags ? { review_flags: JSON.stringify(values.review_flags) } : {}),
  };
  await p.db.insertInto('articles').values(row).execute();
  await p.db
    .insertInto('article_contents')
    .values({ article_id: id, content: values.content ?? '<p>Body</p>' })
    .execute();
  return row;
}
