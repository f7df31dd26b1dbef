/**
 * Rows → the contract's Comment (§1.9). The content goes out as the JSON string it was stored as:
 * the API never produces HTML, so there is nothing to escape here (and escaping would show
 * `&lt;` to every client that renders text).
 */
import type { PresenterContext } from '../../platform/presenter.js';
import type { CommentPage, CommentView } from './comment.service.js';

function fields(ctx: PresenterContext, row: CommentView) {
  return {
    com_id: row.id,
    aut_id: row.user_id,
    aut_name: row.aut_name,
    aut_photo: ctx.avatar(row.aut_photo),
    like_count: row.like_count,
    reply_count: row.reply_count,
    pubdate: ctx.time.iso(row.created_at),
    content: row.content,
    is_top: row.is_top ? 1 : 0,
  };
}

/** The app's Comment: `is_liking` is a boolean. */
export function presentComment(ctx: PresenterContext, row: CommentView) {
  return { ...fields(ctx, row), is_liking: row.isLiking };
}

/** The MP's Comment (M22): `is_liking` is 0/1. */
export function presentMpComment(ctx: PresenterContext, row: CommentView) {
  return { ...fields(ctx, row), is_liking: row.isLiking ? 1 : 0 };
}

/** A43. */
export function presentPage(ctx: PresenterContext, page: CommentPage) {
  return {
    total_count: page.totalCount,
    end_id: page.endId,
    last_id: page.lastId,
    results: page.rows.map((row) => presentComment(ctx, row)),
  };
}

/** M22: the page, plus the article for type=a. */
export function presentMpPage(ctx: PresenterContext, page: CommentPage, type: 'a' | 'c') {
  const base = {
    total_count: page.totalCount,
    end_id: page.endId,
    last_id: page.lastId,
    results: page.rows.map((row) => presentMpComment(ctx, row)),
  };
  if (type !== 'a' || !page.article) return base;
  const { article } = page;
  return {
    ...base,
    art_id: article.id,
    art_title: article.title,
    art_pubdate: ctx.time.iso(article.published_at ?? article.created_at),
  };
}
