/**
 * Jobs port entry point: BullMQ when Redis is configured (jobs shared by every instance and
 * `inkstone worker`), the in-process queue otherwise.
 */
import { BullJobQueue } from './bullmq-jobs.js';
import type { JobQueue } from './jobs.js';
import type { JobsLogger } from './logger.js';
import { MemoryJobQueue } from './memory-jobs.js';

export interface CreateJobQueueOptions {
  redisUrl?: string;
  /** Redis key prefix for BullMQ; ignored by the memory queue. */
  prefix: string;
  logger?: JobsLogger;
}

export function createJobQueue(options: CreateJobQueueOptions): JobQueue {
  if (options.redisUrl) {
    return new BullJobQueue({ redisUrl: options.redisUrl, prefix: options.prefix, logger: options.logger });
  }
  return new MemoryJobQueue({ logger: options.logger });
}

export type { EnqueueOptions, JobContext, JobProcessor, JobQueue, JobStats } from './jobs.js';
export type { JobsLogger } from './logger.js';
export { BullJobQueue, type BullJobQueueOptions } from './bullmq-jobs.js';
export { MemoryJobQueue, type MemoryJobQueueOptions } from './memory-jobs.js';
