/**
 * The app's article lists built on engagement: collections (A41), reading history (A49) and a
 * user's articles (A47 for oneself, A48 for anybody). Pages are clamped, never rejected (§1.6);
 * counts on the cards include unflushed counter deltas; lists of the signed-in user carry
 * `is_liking`, computed for the whole page in one query.
 */
import { badRequest } from '../../platform/http/errors.js';
import { APP_LIST, clampPage, type Page } from '../../platform/http/paging.js';
import type { ArticleCardRow } from '../articles/article.read-model.js';
import { Attitude, type CardPage, type PageWindow } from './engagement.repository.js';
import type { EngagementDeps } from './engagement.service.js';

export interface PageRequest {
  page?: number;
  per_page?: number;
}

export interface CardList {
  page: Page;
  total: number;
  rows: ArticleCardRow[];
  /** Articles on this page the viewer likes; absent on anonymous lists. */
  liked?: Set<bigint>;
}

export function createListService(deps: EngagementDeps) {
  const { repo, counters } = deps;

  async function list(
    query: PageRequest,
    load: (window: PageWindow) => Promise<CardPage>,
    viewerId?: bigint,
  ): Promise<CardList> {
    const page = clampPage(query, APP_LIST);
    const { total, rows } = await load({ offset: page.offset, limit: page.perPage });
    const fresh = await counters.overlay('article', rows, ['comment_count', 'like_count', 'collect_count']);
    if (viewerId === undefined) return { page, total, rows: fresh };
    const ids = fresh.map((row) => row.id);
    const liked = new Set(await repo.withAttitude(viewerId, Attitude.like, ids));
    return { page, total, rows: fresh, liked };
  }

  return {
    /** A41: most recently collected first. */
    collections(userId: bigint, query: PageRequest): Promise<CardList> {
      return list(query, (window) => repo.collectedPage(userId, window), userId);
    },

    /** A49: most recently read first, each article once. */
    histories(userId: bigint, query: PageRequest): Promise<CardList> {
      return list(query, (window) => repo.historyPage(userId, window), userId);
    },

    /** A47: the signed-in user's own published articles, newest first. */
    myArticles(userId: bigint, query: PageRequest): Promise<CardList> {
      return list(query, (window) => repo.authoredPage(userId, window), userId);
    },

    /** A48: anybody's published articles, newest first; an unknown or disabled user is a 400. */
    async userArticles(userId: bigint, query: PageRequest): Promise<CardList> {
      if (!(await repo.isActiveUser(userId))) throw badRequest('Invalid request.');
      return list(query, (window) => repo.authoredPage(userId, window));
    },
  };
}

export type ListService = ReturnType<typeof createListService>;
