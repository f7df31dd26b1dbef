/**
 * The engagement feature: what readers do with articles (`services.engagement`, built by
 * ./engagement.module.ts). Other modules use its read helpers (attitudeOf, isCollected, the
 * recommender's recentAttitudes/recentReads) and recordRead, which article detail calls on every view.
 */
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { dialectOf } from '../../platform/db/dialect.js';
import type { EventBus } from '../../platform/events/events.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { CounterService } from '../counters/counter.service.js';
import { createAttitudeService } from './attitude.service.js';
import { createCollectionService } from './collection.service.js';
import { createEngagementRepository, type EngagementRepository } from './engagement.repository.js';
import { createHistoryService } from './history.service.js';
import { createListService } from './list.service.js';

export interface EngagementDeps {
  repo: EngagementRepository;
  counters: CounterService;
  events: EventBus;
  ids: IdGenerators;
  clock: Clock;
  logger: { warn(obj: object, msg: string): void };
  audit: AuditService;
  /**
   * Write concurrent likes in shared transactions (attitude.service.ts). On PostgreSQL and MariaDB
   * an author's row stays locked across round trips, which batching amortizes; SQLite writes one
   * transaction at a time in this process, fast, where batching only made likes wait (bench:push:
   * p50 10–48 ms without, 63–136 ms with).
   */
  batchLikes: boolean;
}

export function createEngagementService(deps: Omit<EngagementDeps, 'repo' | 'batchLikes'> & { db: Db }) {
  const all: EngagementDeps = {
    ...deps,
    repo: createEngagementRepository(deps.db),
    batchLikes: dialectOf(deps.db) !== 'sqlite',
  };
  const history = createHistoryService(all);
  const lists = createListService(all);
  return {
    ...createAttitudeService(all),
    ...createCollectionService(all),
    ...history,
    ...lists,
    /** A49, after this process's waiting history entries are written (a reader sees their own views). */
    async histories(...args: Parameters<typeof lists.histories>) {
      await history.settleHistoryOf(args[0]);
      return lists.histories(...args);
    },
  };
}

export type EngagementService = ReturnType<typeof createEngagementService>;
