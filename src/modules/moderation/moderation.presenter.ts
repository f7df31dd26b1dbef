import type { PresenterContext } from '../../platform/presenter.js';
import { presentMpCover, reviewFlags } from '../mp-articles/mp-article.presenter.js';
import type { MpArticleWithContent, ReviewRow } from '../mp-articles/mp-article.repository.js';
import type { DecisionRow } from '../review/review.repository.js';
import type { DecisionResult } from './moderation.service.js';

export function presentQueueItem(ctx: PresenterContext, row: ReviewRow) {
  return {
    id: row.id,
    title: row.title,
    aut_id: row.user_id,
    aut_name: row.aut_name,
    channel_id: row.channel_id,
    status: row.status,
    cover: presentMpCover(ctx, row.cover_type, row.cover_images),
    flags: reviewFlags(row.review_flags),
    reject_reason: row.reject_reason,
    created_at: ctx.time.plain(row.created_at),
    updated_at: ctx.time.plain(row.updated_at),
  };
}

export function presentReviewArticle(
  ctx: PresenterContext,
  article: MpArticleWithContent & { aut_name: string },
  history: (DecisionRow & { moderator_name: string | null })[],
) {
  return {
    ...presentQueueItem(ctx, article),
    content: article.content,
    price: article.price_cents,
    version: article.updated_at,
    published_at: article.published_at === null ? null : ctx.time.plain(article.published_at),
    decisions: history.map((d) => ({
      id: d.id,
      moderator_id: d.moderator_id,
      moderator_name: d.moderator_name,
      decision: d.decision,
      reason: d.reason,
      from_status: d.from_status,
      to_status: d.to_status,
      created_at: ctx.time.plain(d.created_at),
    })),
  };
}

export function presentDecision(ctx: PresenterContext, result: DecisionResult) {
  return {
    id: result.id,
    article_id: result.articleId,
    decision: result.decision,
    reason: result.reason,
    from_status: result.fromStatus,
    status: result.status,
    created_at: ctx.time.plain(result.at),
  };
}
