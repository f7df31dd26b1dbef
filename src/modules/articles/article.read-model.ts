/**
 * What other modules may know about articles (a declared read model): the status values, and the
 * query of visible article cards with their author, for modules that list articles by their own
 * relation (a reader's collections and history). Only the articles module writes `articles`' reader
 * side; composing on this builder keeps every card list selecting the same columns one way.
 */
import type { Db } from '../../platform/db/database.js';

/** Contract §4.3: 0 draft, 1 pending review, 2 approved (the only status the app shows), 3 rejected, 4 deleted; 5 banned is never returned to MP. */
export const ArticleStatus = {
  draft: 0,
  pending: 1,
  approved: 2,
  rejected: 3,
  deleted: 4,
  banned: 5,
} as const;

/** The columns every article card needs, with the author's name and photo. */
export interface ArticleCardRow {
  id: bigint;
  title: string;
  user_id: bigint;
  aut_name: string;
  aut_photo: string | null;
  channel_id: bigint;
  cover_type: number;
  cover_images: string;
  is_top: number;
  comment_count: number;
  like_count: number;
  collect_count: number;
  published_at: number;
}

/** Approved, not deleted articles (`a`) joined with their author (`u`), selecting the card columns. */
export function visibleArticleCards(db: Db) {
  return db
    .selectFrom('articles as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select([
      'a.id',
      'a.title',
      'a.user_id',
      'u.name as aut_name',
      'u.photo as aut_photo',
      'a.channel_id',
      'a.cover_type',
      'a.cover_images',
      'a.is_top',
      'a.comment_count',
      'a.like_count',
      'a.collect_count',
      'a.published_at',
    ])
    .where('a.status', '=', ArticleStatus.approved)
    .where('a.deleted_at', 'is', null);
}

/** Approved, not deleted, published articles (`a`): counts that must match the listed cards. */
export function visibleArticles(db: Db) {
  return db
    .selectFrom('articles as a')
    .where('a.status', '=', ArticleStatus.approved)
    .where('a.deleted_at', 'is', null)
    .where('a.published_at', 'is not', null);
}
