/**
 * The seams of A34 for the modules that own the per-reader parts of an article page. The article
 * module knows nothing about follows, attitudes, collections or reading history: its manifest
 * (articles.module.ts) builds these functions from other modules' services and passes them to
 * `articleRoutes(app, service, present, hooks)`.
 *
 * - `viewerFlags(userId, article)`: is_followed / attitude / is_collected for a signed-in reader
 *   (relations + engagement). Not called for anonymous readers, who get ANONYMOUS_FLAGS.
 * - `onRead(userId | null, article, source)`: a detail view happened (reading history, read
 *   counters, article_reads telemetry). Called for anonymous readers too (userId null), also when
 *   the answer ends up a 304 (the reader saw the article again). It is awaited, so keep it cheap
 *   (kv counters, one insert) or defer inside; a failure is logged and never fails the page.
 */
import { ANONYMOUS_FLAGS, type ContentAccess, type ViewerFlags } from './article.presenter.js';
import type { ArticleRef } from './article.service.js';

/** Where the reader came from, as article_reads.source stores it. */
export type ReadSource = 'recommend' | 'channel' | 'relation' | 'search' | 'other';

export type ViewerFlagsFn = (userId: bigint, article: ArticleRef) => Promise<ViewerFlags>;
export type OnReadFn = (userId: bigint | null, article: ArticleRef, source: ReadSource) => Promise<void> | void;

/** Paid articles: what this reader may see (the payments module decides). */
export type ContentAccessFn = (
  userId: bigint | null,
  article: ArticleRef & { priceCents: number; content: string },
) => Promise<ContentAccess>;

export interface ArticleRouteHooks {
  viewerFlags?: ViewerFlagsFn;
  onRead?: OnReadFn;
  contentAccess?: ContentAccessFn;
}

export const anonymousViewerFlags: ViewerFlagsFn = async () => ANONYMOUS_FLAGS;
export const ignoreRead: OnReadFn = () => {};

const SOURCES = new Set<ReadSource>(['recommend', 'channel', 'relation', 'search', 'other']);

/**
 * The optional `Trace` header (contract §1.8: a feed item's trace string, sent back on detail).
 * The apps never send it; a client that does may send one of the source names.
 */
export function readSource(trace: string | string[] | undefined): ReadSource {
  const value = (Array.isArray(trace) ? trace[0] : trace)?.trim().toLowerCase();
  return value && SOURCES.has(value as ReadSource) ? (value as ReadSource) : 'other';
}
