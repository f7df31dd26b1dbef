/**
 * BullMQ adapter: jobs live in Redis, so whatever one instance enqueues any instance that
 * called start() (a server or `inkstone worker`) can run. One Queue for every job type; the
 * job type is the BullMQ job name, and a single Worker dispatches on it.
 */
import type * as BullMQ from 'bullmq';
import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import { optionalPackage } from '../optional-package.js';
import type { EnqueueOptions, JobProcessor, JobQueue, JobStats } from './jobs.js';
import { KvUnavailableError } from '../kv/kv.js';
import { BOUNDED_REDIS_OPTIONS } from '../kv/redis-kv.js';
import { consoleJobsLogger, type JobsLogger } from './logger.js';
import { resolveConcurrency, resolveEnqueueOptions, serializePayload } from './options.js';

export interface BullJobQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix: isolates tenants and tests sharing one Redis. */
  prefix: string;
  queueName?: string;
  logger?: JobsLogger;
}

interface Registration {
  processor: JobProcessor<unknown>;
  concurrency: number;
}

/** Failed jobs kept in Redis for inspection; older ones are pruned by BullMQ as new ones fail. */
const KEEP_FAILED = 1000;
const DRAIN_POLL_MS = 50;
/** ioredis' messages when the connection is down or a command timed out (bounded options). */
const CONNECTION_FAILURE =
  /Stream isn't writeable|Command timed out|Connection is closed|ECONNREFUSED|ECONNRESET|MaxRetriesPerRequest|connect ETIMEDOUT/;

export class BullJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;

  private readonly options: BullJobQueueOptions;
  private readonly queueName: string;
  private readonly logger: JobsLogger;
  private readonly bullmq: typeof BullMQ;
  private readonly queue: Queue;
  private readonly registrations = new Map<string, Registration>();
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: BullJobQueueOptions) {
    this.options = options;
    this.queueName = options.queueName ?? 'inkstone';
    this.logger = options.logger ?? consoleJobsLogger;
    // Connection options rather than a client: BullMQ then owns (and on close quits) the
    // connections it opens. The producer side has the key-value store's bounded options, so an
    // enqueue during a Redis outage fails at once (KvUnavailableError) instead of holding an
    // HTTP request for ioredis' ~72 s of retries.
    this.bullmq = optionalPackage<typeof BullMQ>('bullmq');
    this.queue = new this.bullmq.Queue(this.queueName, {
      connection: { url: options.redisUrl, ...BOUNDED_REDIS_OPTIONS },
      prefix: options.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: KEEP_FAILED } },
    });
    // Without a listener an 'error' event would throw; connection errors are retried by ioredis.
    this.queue.on('error', (err) => this.logger.warn({ err, queue: this.queueName }, 'job queue redis error'));
  }

  register<T>(type: string, processor: JobProcessor<T>, options: { concurrency?: number } = {}): void {
    if (this.worker) throw new Error(`register('${type}') after start(): register every job type before starting`);
    if (this.registrations.has(type)) throw new Error(`job type '${type}' is already registered`);
    this.registrations.set(type, {
      processor: processor as JobProcessor<unknown>,
      concurrency: resolveConcurrency(options.concurrency),
    });
  }

  async enqueue<T>(type: string, payload: T, options?: EnqueueOptions): Promise<void> {
    if (this.closing) throw new Error('job queue is closed');
    // Enqueue-only processes register their types too (without start()): a typo in a type name
    // then fails at the call site instead of leaving a job no worker will ever claim.
    if (!this.registrations.has(type)) throw new Error(`no processor registered for job type '${type}'`);
    const opts = resolveEnqueueOptions(options);
    serializePayload(type, payload); // same early failure as the memory adapter; BullMQ re-serialises

    const jobOptions: JobsOptions = {
      attempts: opts.attempts,
      // BullMQ's exponential backoff waits delay * 2^(attemptsMade - 1): backoffMs, 2x, 4x...
      backoff: { type: 'exponential', delay: opts.backoffMs },
    };
    if (opts.delayMs > 0) jobOptions.delay = opts.delayMs;
    if (opts.jobId !== undefined) {
      // BullMQ deduplication rather than a custom job id: the key is released when the job
      // completes or finally fails, which is the port's "not added twice while queued". A custom
      // id would block re-enqueueing for as long as a failed job is kept, and BullMQ rejects
      // ids that look like integers or contain ':' (natural ids like '42' or 'user:7').
      jobOptions.deduplication = { id: dedupeId(type, opts.jobId) };
    }
    try {
      await this.queue.add(type, payload, jobOptions);
    } catch (error) {
      if (CONNECTION_FAILURE.test((error as Error)?.message ?? '')) {
        throw new KvUnavailableError(`job queue unavailable: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  async start(): Promise<void> {
    if (this.closing) throw new Error('job queue is closed');
    if (this.worker) return;
    if (this.registrations.size === 0) throw new Error('start() with no registered job types');
    // One Worker has one concurrency for all types. The sum lets every type run its own
    // concurrency at the same time, as the memory adapter does; the price is that a backlog of
    // one type may use more slots than that type asked for. (Strict per-type limits would need a
    // queue per type.)
    let concurrency = 0;
    for (const registration of this.registrations.values()) concurrency += registration.concurrency;

    const worker = new this.bullmq.Worker(this.queueName, (job) => this.process(job), {
      // BullMQ forces maxRetriesPerRequest null on blocking connections anyway; stated so nobody
      // "fixes" it. The store's reconnection backoff (capped at a second) rather than BullMQ's
      // (up to 20 s): after an outage the worker picks jobs up again as soon as Redis is back.
      connection: {
        url: this.options.redisUrl,
        maxRetriesPerRequest: null,
        retryStrategy: BOUNDED_REDIS_OPTIONS.retryStrategy,
      },
      prefix: this.options.prefix,
      concurrency,
    });
    worker.on('error', (err) => this.logger.warn({ err, queue: this.queueName }, 'job worker error'));
    worker.on('failed', (job, err) => this.onFailed(job, err));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  /**
   * Polls Redis: the counts cover every instance's workers, so this waits for the jobs that
   * any consumer is processing, not just this process.
   */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      const pending = Object.values(counts).reduce((sum, n) => sum + n, 0);
      if (pending === 0) return;
      if (Date.now() >= deadline) {
        throw new Error(`job queue did not drain within ${timeoutMs} ms (${JSON.stringify(counts)})`);
      }
      await sleep(DRAIN_POLL_MS);
    }
  }

  async stats(): Promise<JobStats> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /** Waits for this process's running jobs, then closes the worker, the queue and their connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.worker?.close();
      } finally {
        await this.queue.close();
      }
    })();
    return this.closing;
  }

  private async process(job: Job): Promise<void> {
    const registration = this.registrations.get(job.name);
    if (!registration) {
      // Possible during a rolling deploy (a newer instance enqueued a new type); the retry may
      // land on an instance that knows it.
      throw new Error(`no processor registered for job type '${job.name}' in this process`);
    }
    // attemptsMade counts finished (failed) tries, so it is 0 on the first run.
    const attempt = job.attemptsMade + 1;
    const jobId = callerJobId(job) ?? job.id ?? '';
    await registration.processor(job.data, { attempt, jobId });
  }

  private onFailed(job: Job | undefined, err: Error): void {
    if (!job) {
      this.logger.error({ err, queue: this.queueName }, 'job failed');
      return;
    }
    const attempts = job.opts.attempts ?? 1;
    const log = { err, type: job.name, jobId: callerJobId(job) ?? job.id, attempt: job.attemptsMade, attempts };
    if (job.attemptsMade >= attempts) this.logger.error(log, 'job failed after its last attempt; dropped');
    else this.logger.warn(log, 'job failed; will retry');
  }
}

/** Scoped per type, like the memory adapter: two types may share a natural id. */
function dedupeId(type: string, jobId: string): string {
  return `${type}:${jobId}`;
}

/** The caller's jobId, recovered from the deduplication id (BullMQ generated the job id). */
function callerJobId(job: Job): string | undefined {
  const id = job.deduplicationId;
  const scope = `${job.name}:`;
  return id?.startsWith(scope) ? id.slice(scope.length) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
