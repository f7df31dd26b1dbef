/**
 * Media-platform article rows → the contract's shapes (M11, M13). MP dates are
 * `YYYY-MM-DD HH:mm:ss` in the site's zone; cover images are absolute URLs.
 *
 * `pubdate` in MP lists is the article's creation time (B's `ctime`): drafts and pending articles
 * have no publish time, and the date filters apply to the same instant, so what a filter selects
 * is what the list shows.
 */
import type { PresenterContext } from '../../platform/presenter.js';
import { presentCover } from '../articles/article.presenter.js';
import type { MpArticleRow, MpArticleWithContent, StatsRow } from './mp-article.repository.js';
import type { CommentSummary, ListResult } from './mp-article.service.js';

/** The stored cover as every client gets it (never null; `images` exactly `type` long, absolute URLs). */
export const presentMpCover = presentCover;

export function presentListItem(ctx: PresenterContext, row: MpArticleRow) {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    cover: presentMpCover(ctx, row.cover_type, row.cover_images),
    pubdate: ctx.time.plain(row.created_at),
    reject_reason: row.reject_reason,
  };
}

function presentCommentItem(row: CommentSummary) {
  return {
    id: row.id,
    title: row.title,
    comment_status: row.allow_comment === 1,
    total_comment_count: row.comment_count,
    fans_comment_count: row.fans_comment_count,
  };
}

function presentStatisticItem(row: StatsRow) {
  return {
    id: row.id,
    title: row.title,
    comment_count: row.comment_count,
    read_count: row.read_count,
    like_count: row.like_count,
    repost_count: row.share_count,
    collect_count: row.collect_count,
  };
}

export function presentList(ctx: PresenterContext, list: ListResult) {
  const paging = { total_count: list.total, page: list.page, per_page: list.perPage };
  switch (list.kind) {
    case 'content':
      return { ...paging, results: list.rows.map((row) => presentListItem(ctx, row)) };
    case 'comment':
      return { ...paging, results: list.rows.map(presentCommentItem) };
    case 'statistic':
      return { ...paging, results: list.rows.map(presentStatisticItem) };
  }
}

/** M13, plus the Inkstone extras `status`, `price` (integer cents) and `reject_reason`. */
export function presentArticle(ctx: PresenterContext, row: MpArticleWithContent) {
  return {
    id: row.id,
    title: row.title,
    channel_id: row.channel_id,
    content: row.content,
    cover: presentMpCover(ctx, row.cover_type, row.cover_images),
    status: row.status,
    price: row.price_cents,
    reject_reason: row.reject_reason,
  };
}

/** The sensitive words stored with an article. */
export function reviewFlags(json: string | null): string[] {
  if (!json) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
