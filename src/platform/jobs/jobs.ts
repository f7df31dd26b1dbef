/**
 * Jobs port: background work with retries (the Celery role in the seeds). In-process by
 * default; BullMQ on Redis when REDIS_URL is set, so any instance (or `inkstone worker`) can
 * process what any other instance enqueued.
 */
export interface EnqueueOptions {
  /** Total tries including the first; default 3. */
  attempts?: number;
  /** First retry delay; doubles on every further retry (exponential backoff). Default 1000 ms. */
  backoffMs?: number;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Deduplication id: a job with the same id that is still queued is not added twice. */
  jobId?: string;
}

export interface JobContext {
  /** 1 on the first try. */
  attempt: number;
  jobId: string;
}

/** What the queue holds now; `failed` counts jobs that failed their last attempt. */
export interface JobStats {
  /** Ready to run, not started. */
  waiting: number;
  active: number;
  /** Waiting for a delay or a retry's backoff. */
  delayed: number;
  /** Finally failed: since start in memory; those BullMQ keeps (the newest 1000) in Redis. */
  failed: number;
}

export type JobProcessor<T> = (payload: T, context: JobContext) => Promise<void>;

export interface JobQueue {
  readonly kind: 'memory' | 'bullmq';
  /** One processor per job type. Register before start(). */
  register<T>(type: string, processor: JobProcessor<T>, options?: { concurrency?: number }): void;
  /** Payloads must be JSON-serialisable (no bigint: pass ids as strings). */
  enqueue<T>(type: string, payload: T, options?: EnqueueOptions): Promise<void>;
  /** Start processing registered types in this process. Enqueue-only processes never call it. */
  start(): Promise<void>;
  /** Resolves when nothing is queued, delayed or running (tests and graceful shutdown). */
  drain(timeoutMs?: number): Promise<void>;
  /** Counts for the console's dashboard: this process in memory, every instance's with BullMQ. */
  stats(): Promise<JobStats>;
  close(): Promise<void>;
}
