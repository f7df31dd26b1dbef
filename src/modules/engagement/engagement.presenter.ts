import type { PresenterContext } from '../../platform/presenter.js';
import { presentCard } from '../articles/article.presenter.js';
import type { ArticleCardRow } from '../articles/article.read-model.js';
import type { CardList } from './list.service.js';

function pageOf<T>(list: CardList, item: (row: ArticleCardRow) => T) {
  return { total_count: list.total, page: list.page.page, per_page: list.page.perPage, results: list.rows.map(item) };
}

/** A48: `{total_count, page, per_page, results: ArticleCard[]}`. */
export function presentCardPage(ctx: PresenterContext, list: CardList) {
  return pageOf(list, (row) => presentCard(ctx, row));
}

/** A41, A47, A49: the same, each card with the viewer's `is_liking`. */
export function presentLikedCardPage(ctx: PresenterContext, list: CardList) {
  const liked = list.liked ?? new Set<bigint>();
  return pageOf(list, (row) => ({ ...presentCard(ctx, row), is_liking: liked.has(row.id) }));
}
