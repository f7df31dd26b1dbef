/**
 * Reading: the history of signed-in readers (A49), one row per detail view in article_reads
 * (where the reader came from; the MP statistics read it), the read counters, and reading
 * durations (A50).
 *
 * `recordRead` runs on every article detail view (A34), so it is kept cheap: no view waits for a
 * database round trip (its article_reads row is batched, counters go through the kv store). A
 * signed-in reader's history entry waits up to HISTORY_BATCH_MS in this process (repeated views of
 * one article in that time are one write), then a re-read is one UPDATE of the history row and only
 * a new entry adds an INSERT and a trim, an indexed look past the newest HISTORY_CAP rows that
 * normally finds nothing or one row. Every reader of the history in this process (A49, the
 * recommender's recent reads) writes the waiting entries first, so a reader sees their own view at
 * once; another process sees it within HISTORY_BATCH_MS. A crash loses at most that much history.
 *
 * article_reads rows are telemetry (the MP statistics' sources and durations), so they wait up to
 * READ_BATCH_MS in this process and go in as one INSERT; a crash loses at most that much of them,
 * never a read count. Readers of those rows in this process call `flushReads()` first.
 */
import { BatchWriter } from '../../platform/db/batch-writer.js';
import { badRequest } from '../../platform/http/errors.js';
import { INVALID_ARTICLE } from './attitude.service.js';
import type { EngagementDeps } from './engagement.service.js';

/** A49: at most this many history entries are kept per user. */
export const HISTORY_CAP = 100;

/** Where a detail view came from (article_reads.source). */
export const READ_SOURCES = ['recommend', 'channel', 'relation', 'search', 'other'] as const;
export type ReadSource = (typeof READ_SOURCES)[number];

/** A50: a longer reported duration is stored as this many seconds (a tab left open is not reading). */
export const MAX_READ_SECONDS = 4 * 60 * 60;
/** A50 attaches a duration to a detail view of the same reader at most this old. */
export const READ_MATCH_WINDOW_MS = 24 * 60 * 60 * 1000;
/** article_reads rows wait at most this long before their batch INSERT. */
export const READ_BATCH_MS = 1_000;
/** Signed-in history entries wait at most this long before they are written. */
export const HISTORY_BATCH_MS = 200;

const isSource = (value: string): value is ReadSource => (READ_SOURCES as readonly string[]).includes(value);

export function createHistoryService(deps: EngagementDeps) {
  const { repo, counters, ids, clock, logger } = deps;
  const reads = new BatchWriter({
    write: (rows: Parameters<typeof repo.insertReads>[0]) => repo.insertReads(rows),
    intervalMs: READ_BATCH_MS,
    onError: (error, rows) => logger.warn({ err: error, rows }, 'article_reads batch lost'),
  });

  // Views waiting for their history write, by reader and article (the newest view wins).
  let views = new Map<string, { userId: bigint; articleId: bigint; at: number }>();
  let viewsTimer: NodeJS.Timeout | undefined;
  let writingViews: Promise<void> = Promise.resolve();

  // Readers with an entry in `views`: a reader reading their own history waits only when it holds one.
  let waitingReaders = new Set<bigint>();

  function queueView(userId: bigint, articleId: bigint, at: number): void {
    views.set(`${userId}:${articleId}`, { userId, articleId, at });
    waitingReaders.add(userId);
    if (viewsTimer) return;
    viewsTimer = setTimeout(() => void flushHistory(), HISTORY_BATCH_MS);
    viewsTimer.unref();
  }

  /** Writes the waiting history entries; resolves once they (and any batch before them) are written. */
  function flushHistory(): Promise<void> {
    if (viewsTimer) clearTimeout(viewsTimer);
    viewsTimer = undefined;
    const batch = [...views.values()];
    views = new Map();
    waitingReaders = new Set();
    writingViews = writingViews.then(async () => {
      for (const view of batch) {
        try {
          await remember(view.userId, view.articleId, view.at);
        } catch (error) {
          logger.warn({ err: error, userId: view.userId, articleId: view.articleId }, 'reading history entry lost');
        }
      }
    });
    return writingViews;
  }

  /**
   * Before a reader's own history is read: their waiting entries are written (with the batch they
   * are in); a reader with none waits only for a write already under way, not for others' entries.
   */
  function settleHistoryOf(userId: bigint): Promise<void> {
    return waitingReaders.has(userId) ? flushHistory() : writingViews;
  }

  /** Newest-first history with each article once: move an existing entry, else insert and trim. */
  async function remember(userId: bigint, articleId: bigint, at: number): Promise<void> {
    if (await repo.touchHistory(userId, articleId, at)) return;
    if (await repo.insertHistory(userId, articleId, at)) {
      await repo.trimHistory(userId, HISTORY_CAP);
      return;
    }
    // A concurrent view of the same article inserted the entry first.
    await repo.touchHistory(userId, articleId, at);
  }

  return {
    /** The reader's newest reads with the article's channel and author (the recommender). */
    async recentReads(userId: bigint, limit: number) {
      await settleHistoryOf(userId);
      return repo.recentReads(userId, limit);
    },

    /** Writes the history entries still waiting in this process (shutdown, tests). */
    flushHistory,
    settleHistoryOf,

    /**
     * One detail view (A34): the reader's history (when signed in, written within
     * HISTORY_BATCH_MS), an article_reads row, and the article's and the author's read_count.
     * Unknown sources are stored as 'other'.
     */
    async recordRead(
      userId: bigint | null,
      articleId: bigint,
      authorId: bigint,
      source: string = 'other',
    ): Promise<void> {
      const at = clock.now();
      if (userId !== null) queueView(userId, articleId, at);
      reads.add({
        id: ids.content(),
        articleId,
        userId,
        source: isSource(source) ? source : 'other',
        durationSeconds: 0,
        at,
      });
      await counters.add([
        { entity: 'article', id: articleId, field: 'read_count', by: 1 },
        { entity: 'user', id: authorId, field: 'read_count', by: 1 },
      ]);
    },

    /**
     * A50. The duration (capped at MAX_READ_SECONDS) goes onto the detail view it belongs to:
     * for a signed-in reader, their newest view of the article in the last READ_MATCH_WINDOW_MS
     * (a later report overwrites an earlier one); for an anonymous reader, the newest anonymous
     * view of the article that has no duration yet. Without such a view, a row with source
     * 'other' is inserted to keep the duration; that row is telemetry only and moves no read
     * counter. A duration of 0 records nothing. The article must be visible (else 400).
     */
    async recordDuration(userId: bigint | null, articleId: bigint, seconds: number): Promise<void> {
      if (!(await repo.visibleArticle(articleId))) throw badRequest(INVALID_ARTICLE);
      const duration = Math.min(Math.max(Math.trunc(seconds), 0), MAX_READ_SECONDS);
      if (duration === 0) return;
      const at = clock.now();
      await reads.flush();
      const readId = await repo.newestRead(articleId, userId, at - READ_MATCH_WINDOW_MS);
      if (readId !== undefined) {
        // A signed-in reader's view is theirs to update; an anonymous one is claimed only while unset.
        const claimed = await repo.setReadDuration(readId, duration, userId === null);
        if (claimed || userId !== null) return;
      }
      await repo.insertReads([
        { id: ids.content(), articleId, userId, source: 'other', durationSeconds: duration, at },
      ]);
    },

    /** Writes the article_reads rows still waiting in this process (statistics, shutdown, tests). */
    flushReads(): Promise<void> {
      return reads.flush();
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;
