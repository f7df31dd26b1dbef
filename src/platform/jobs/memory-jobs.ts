/**
 * In-process job queue: the default when there is no Redis (one instance, tests). Same contract
 * as the BullMQ adapter: per-type concurrency, delays, retries with exponential backoff, jobId
 * dedupe. Nothing survives a restart, and only this process can run what it enqueued.
 */
import type { EnqueueOptions, JobProcessor, JobQueue, JobStats } from './jobs.js';
import { consoleJobsLogger, type JobsLogger } from './logger.js';
import { resolveConcurrency, resolveEnqueueOptions, serializePayload } from './options.js';

export interface MemoryJobQueueOptions {
  logger?: JobsLogger;
}

interface QueuedJob {
  type: string;
  /** Caller's jobId, or a generated one. */
  id: string;
  /** JSON text; parsed afresh for every attempt so a processor that mutates its payload cannot change a retry. */
  data: string;
  /** Number of the next try, 1-based. */
  attempt: number;
  attempts: number;
  backoffMs: number;
  /** Set when the caller gave a jobId: the key that blocks duplicates until the job finishes. */
  dedupeKey: string | undefined;
}

interface TypeSlot {
  processor: JobProcessor<unknown>;
  concurrency: number;
  ready: QueuedJob[];
  running: number;
}

interface DrainWaiter {
  resolve(): void;
}

export class MemoryJobQueue implements JobQueue {
  readonly kind = 'memory' as const;

  private readonly logger: JobsLogger;
  private readonly slots = new Map<string, TypeSlot>();
  /** Jobs with a caller jobId, from enqueue until they complete or finally fail (like BullMQ deduplication). */
  private readonly dedupe = new Set<string>();
  /** Delay and backoff timers; each holds one job that is not in any ready list yet. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly drainWaiters = new Set<DrainWaiter>();
  private seq = 0;
  private failed = 0;
  private started = false;
  private closed = false;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.logger = options.logger ?? consoleJobsLogger;
  }

  register<T>(type: string, processor: JobProcessor<T>, options: { concurrency?: number } = {}): void {
    if (this.started) throw new Error(`register('${type}') after start(): register every job type before starting`);
    if (this.slots.has(type)) throw new Error(`job type '${type}' is already registered`);
    this.slots.set(type, {
      processor: processor as JobProcessor<unknown>,
      concurrency: resolveConcurrency(options.concurrency),
      ready: [],
      running: 0,
    });
  }

  async enqueue<T>(type: string, payload: T, options?: EnqueueOptions): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
    if (!this.slots.has(type)) throw new Error(`no processor registered for job type '${type}'`);
    const opts = resolveEnqueueOptions(options);
    const data = serializePayload(type, payload);

    // Scoped per type: two types may well use the same natural id (an article id, say).
    const dedupeKey = opts.jobId === undefined ? undefined : `${type}\u0000${opts.jobId}`;
    if (dedupeKey !== undefined) {
      if (this.dedupe.has(dedupeKey)) return;
      this.dedupe.add(dedupeKey);
    }

    const job: QueuedJob = {
      type,
      id: opts.jobId ?? `m${++this.seq}`,
      data,
      attempt: 1,
      attempts: opts.attempts,
      backoffMs: opts.backoffMs,
      dedupeKey,
    };
    if (opts.delayMs > 0) this.later(opts.delayMs, () => this.makeReady(job));
    else this.makeReady(job);
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
    if (this.started) return;
    this.started = true;
    for (const type of this.slots.keys()) this.pump(type);
  }

  drain(timeoutMs = 30_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: DrainWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.drainWaiters.delete(waiter);
        reject(new Error(`job queue did not drain within ${timeoutMs} ms (${this.describe()})`));
      }, timeoutMs);
      this.drainWaiters.add(waiter);
    });
  }

  async stats(): Promise<JobStats> {
    let waiting = 0;
    for (const slot of this.slots.values()) waiting += slot.ready.length;
    return { waiting, active: this.running.size, delayed: this.timers.size, failed: this.failed };
  }

  /**
   * Stops taking work and waits for running jobs. Queued and delayed jobs are dropped (and
   * logged): call drain() first for a graceful shutdown.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      let dropped = this.timers.size;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      for (const slot of this.slots.values()) {
        dropped += slot.ready.length;
        slot.ready.length = 0;
      }
      this.dedupe.clear();
      if (dropped > 0) this.logger.warn({ dropped }, 'memory job queue closed with unprocessed jobs; they are lost');
    }
    await Promise.allSettled([...this.running]);
    this.settle();
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private makeReady(job: QueuedJob): void {
    this.slotOf(job.type).ready.push(job);
    this.pump(job.type);
  }

  /** Starts as many ready jobs of `type` as its concurrency allows. */
  private pump(type: string): void {
    if (!this.started || this.closed) return;
    const slot = this.slotOf(type);
    while (slot.running < slot.concurrency) {
      const job = slot.ready.shift();
      if (!job) break;
      slot.running++;
      const run: Promise<void> = this.run(slot, job).finally(() => {
        slot.running--;
        this.running.delete(run);
        this.pump(type);
        this.settle();
      });
      this.running.add(run);
    }
  }

  /** Never rejects: a failure is retried or logged, like a BullMQ worker does. */
  private async run(slot: TypeSlot, job: QueuedJob): Promise<void> {
    const context = { attempt: job.attempt, jobId: job.id };
    try {
      await slot.processor(JSON.parse(job.data) as unknown, context);
      this.finish(job);
    } catch (err) {
      const log = { err, type: job.type, jobId: job.id, attempt: job.attempt, attempts: job.attempts };
      if (job.attempt >= job.attempts) {
        this.logger.error(log, 'job failed after its last attempt; dropped');
        this.failed++;
        this.finish(job);
      } else if (this.closed) {
        this.logger.error(log, 'job failed while the queue was closing; retry dropped');
        this.finish(job);
      } else {
        const delayMs = job.backoffMs * 2 ** (job.attempt - 1);
        this.logger.warn({ ...log, retryInMs: delayMs }, 'job failed; will retry');
        job.attempt++;
        this.later(delayMs, () => this.makeReady(job));
      }
    }
  }

  private finish(job: QueuedJob): void {
    if (job.dedupeKey !== undefined) this.dedupe.delete(job.dedupeKey);
  }

  private slotOf(type: string): TypeSlot {
    const slot = this.slots.get(type);
    if (!slot) throw new Error(`no processor registered for job type '${type}'`);
    return slot;
  }

  private isIdle(): boolean {
    if (this.running.size > 0 || this.timers.size > 0) return false;
    for (const slot of this.slots.values()) if (slot.ready.length > 0) return false;
    return true;
  }

  private settle(): void {
    if (this.drainWaiters.size === 0 || !this.isIdle()) return;
    for (const waiter of this.drainWaiters) waiter.resolve();
    this.drainWaiters.clear();
  }

  private describe(): string {
    let ready = 0;
    for (const slot of this.slots.values()) ready += slot.ready.length;
    const note = this.started ? '' : '; start() was never called';
    return `${ready} ready, ${this.timers.size} delayed, ${this.running.size} running${note}`;
  }
}
