/**
 * Rows → the contract's article shapes. Everything a client sees about an article passes through
 * here: absolute image URLs, the cover invariant, dates in the contract's format.
 */
import type { PresenterContext } from '../../platform/presenter.js';
import type { ArticleCardRow, ArticleDetailRow } from './article.repository.js';
import { newRev } from '../../platform/http/render.js';

export interface Cover {
  type: 0 | 1 | 3;
  images: string[];
}

/** `cover` is never null and `images` has exactly `type` entries (§1.9): the app indexes into it. */
export function presentCover(ctx: PresenterContext, type: number, imagesJson: string): Cover {
  let stored: unknown;
  try {
    stored = JSON.parse(imagesJson);
  } catch {
    stored = [];
  }
  const images = Array.isArray(stored) ? stored.filter((x): x is string => typeof x === 'string') : [];
  const wanted = type === 3 ? 3 : type === 1 ? 1 : 0;
  const count = images.length >= wanted ? wanted : images.length >= 1 ? 1 : 0;
  return { type: count as Cover['type'], images: images.slice(0, count).map((image) => ctx.media(image)) };
}

export function presentCard(ctx: PresenterContext, row: ArticleCardRow) {
  return {
    art_id: row.id,
    title: row.title,
    aut_id: row.user_id,
    aut_name: row.aut_name,
    aut_photo: ctx.avatar(row.aut_photo),
    comm_count: row.comment_count,
    like_count: row.like_count,
    collect_count: row.collect_count,
    pubdate: ctx.time.iso(row.published_at),
    cover: presentCover(ctx, row.cover_type, row.cover_images),
    is_top: row.is_top ? 1 : 0,
    ch_id: row.channel_id,
  };
}

/** What every cached article shape starts with: ids, title, author (photo as an absolute URL). */
export interface ArticleBasics {
  id: bigint;
  title: string;
  user_id: bigint;
  aut_name: string;
  aut_photo: string;
  channel_id: bigint;
}

/**
 * A card as the cache keeps it: the row's ids and counters (so `counters.overlay` can add live
 * deltas) with everything that costs time to present done once, when the card is loaded: the
 * pubdate in the contract's format, the cover with absolute URLs, the author's photo URL.
 */
export interface CardEntry extends ArticleBasics {
  cover: Cover;
  is_top: number;
  comment_count: number;
  like_count: number;
  collect_count: number;
  published_at: number;
  pubdate: string;
  /**
   * Random, drawn when the entry is built from the database: two entries with the same rev have
   * the same content (everything but the live counters), in every process sharing the cache.
   * Lets a rendered page be reused until one of its cards is reloaded (feed.routes.ts).
   */
  rev: number;
}

function basics(ctx: PresenterContext, row: ArticleCardRow): ArticleBasics {
  return {
    id: row.id,
    title: row.title,
    user_id: row.user_id,
    aut_name: row.aut_name,
    aut_photo: ctx.avatar(row.aut_photo),
    channel_id: row.channel_id,
  };
}

export function toCardEntry(ctx: PresenterContext, row: ArticleCardRow): CardEntry {
  return {
    ...basics(ctx, row),
    cover: presentCover(ctx, row.cover_type, row.cover_images),
    is_top: row.is_top ? 1 : 0,
    comment_count: row.comment_count,
    like_count: row.like_count,
    collect_count: row.collect_count,
    published_at: row.published_at,
    pubdate: ctx.time.iso(row.published_at),
    rev: newRev(),
  };
}

/** The ArticleCard of a cached entry: a plain field mapping, nothing left to compute. */
export function presentCardEntry(entry: CardEntry) {
  return {
    art_id: entry.id,
    title: entry.title,
    aut_id: entry.user_id,
    aut_name: entry.aut_name,
    aut_photo: entry.aut_photo,
    comm_count: entry.comment_count,
    like_count: entry.like_count,
    collect_count: entry.collect_count,
    pubdate: entry.pubdate,
    cover: entry.cover,
    is_top: entry.is_top,
    ch_id: entry.channel_id,
  };
}

export interface ViewerFlags {
  isFollowed: boolean;
  attitude: -1 | 0 | 1;
  isCollected: boolean;
}

export const ANONYMOUS_FLAGS: ViewerFlags = { isFollowed: false, attitude: -1, isCollected: false };

/** An article as the detail cache keeps it (A34 without the viewer's flags). */
export interface DetailEntry extends ArticleBasics {
  pubdate: string;
  /** ms; the response's Last-Modified. */
  updated_at: number;
  content: string;
  priceCents: number;
  related: { id: bigint; title: string }[];
  /** Random, drawn when built from the database (see CardEntry.rev): same rev, same content. */
  rev: number;
}

export function toDetailEntry(
  ctx: PresenterContext,
  row: ArticleDetailRow,
  related: { id: bigint; title: string }[],
): DetailEntry {
  return {
    ...basics(ctx, row),
    pubdate: ctx.time.iso(row.published_at),
    updated_at: row.updated_at,
    content: row.content,
    priceCents: row.price_cents ?? 0,
    related: related.map((r) => ({ id: r.id, title: r.title })),
    rev: newRev(),
  };
}

/** What a reader may see of a paid article; free articles are always `full`. */
export interface ContentAccess {
  full: boolean;
  purchased: boolean;
  /** The preview to show instead of the content when not `full`. */
  preview?: string;
}

export const FREE_ACCESS: ContentAccess = { full: true, purchased: false };

export function presentDetail(entry: DetailEntry, viewer: ViewerFlags, access: ContentAccess = FREE_ACCESS) {
  return {
    art_id: entry.id,
    title: entry.title,
    pubdate: entry.pubdate,
    aut_id: entry.user_id,
    aut_name: entry.aut_name,
    aut_photo: entry.aut_photo,
    is_followed: viewer.isFollowed,
    attitude: viewer.attitude,
    is_collected: viewer.isCollected,
    content: access.full ? entry.content : (access.preview ?? ''),
    recomments: entry.related.map((r) => ({ art_id: r.id, title: r.title })),
    ch_id: entry.channel_id,
    // Paid content (extra fields the apps ignore): the price and whether this is only a preview.
    is_paid: entry.priceCents > 0,
    price: entry.priceCents,
    purchased: access.purchased,
    preview: !access.full,
  };
}
