/**
 * The boot-time catch-up as a job: every process that serves queues one when it is ready (one runs
 * at a time across a cluster, deduplicated by job id), and whichever process runs jobs compares
 * the index with the articles in the background, logging what it found and its progress.
 */
import type { Logger } from 'pino';
import type { JobProcessor } from '../../platform/jobs/jobs.js';
import type { CatchUpJob, SearchService } from './search.service.js';

/** Progress lines at most this often, so a large catch-up shows it is alive without flooding the log. */
const PROGRESS_EVERY_MS = 5_000;

/** Queues the catch-up; a failure (e.g. Redis down at boot) is logged, never fatal to the boot. */
export async function queueCatchUp(search: SearchService, logger: Logger): Promise<void> {
  try {
    await search.enqueueCatchUp();
  } catch (error) {
    logger.warn(
      { err: error },
      'search catch-up could not be queued; run `inkstone reindex` if search misses articles',
    );
  }
}

export function catchUpProcessor(search: SearchService, logger: Logger): JobProcessor<CatchUpJob> {
  return async ({ upTo }) => {
    let lastLog = Date.now();
    logger.info({ upTo }, 'search index: checking the articles against the index (background)');
    const result = await search.catchUp({
      upTo: BigInt(upTo),
      onProgress: ({ done, total, indexed }) => {
        if (Date.now() - lastLog < PROGRESS_EVERY_MS || done >= total) return;
        lastLog = Date.now();
        logger.info(
          { checked: done, total, indexed, percent: Math.floor((done / Math.max(total, 1)) * 100) },
          'search index: catching up',
        );
      },
    });
    if (result.indexed + result.removed > 0) logger.info(result, 'search index: caught up with the database');
    else logger.info(result, 'search index: up to date');
  };
}
