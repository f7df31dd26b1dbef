/**
 * Paging (contract §1.6): out-of-range values are clamped rather than rejected, because the
 * clients send sizes (per_page=100, camelCase perPage) that the original backend refused.
 * Non-finite values and integers past 2^53 ("1e400") are no page at all: the HTTP layer refuses
 * them with a 400 naming the field before any handler runs (finite-input.ts).
 */
import { Type } from 'typebox';

export const PageQuery = {
  page: Type.Optional(Type.Integer({ description: 'page number, from 1; values below 1 read as 1' })),
  per_page: Type.Optional(Type.Integer({ description: 'page size; clamped to the list bounds' })),
};

export interface PageBounds {
  min: number;
  max: number;
  fallback: number;
}

export const APP_LIST: PageBounds = { min: 10, max: 50, fallback: 10 };

export interface Page {
  page: number;
  perPage: number;
  offset: number;
}

/** Pages past this one are empty anyway; the cap keeps offsets inside every database's integer range. */
const MAX_PAGE = 100_000;

export function clampPage(query: { page?: number; per_page?: number }, bounds: PageBounds = APP_LIST): Page {
  const page = Math.min(Math.max(query.page ?? 1, 1), MAX_PAGE);
  const perPage = Math.min(Math.max(query.per_page ?? bounds.fallback, bounds.min), bounds.max);
  return { page, perPage, offset: (page - 1) * perPage };
}
