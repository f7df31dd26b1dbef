/**
 * Cron scheduler whose ticks are claimed through the key-value port. Every process runs the
 * same crons; at scheduled time T each one tries `SET sched:<name>:<T> NX`, and only the winner
 * runs the task. With the Redis store that makes each tick run once across all instances; with
 * the memory store it is the same code, correct for one process.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Cron } from 'croner';
import type { KeyValueStore } from '../kv/kv.js';
import type { Scheduler } from './scheduler.js';

export interface SchedulerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KvSchedulerOptions {
  kv: KeyValueStore;
  logger?: SchedulerLogger;
  /** IANA zone the cron expressions are read in; default: the process's local zone. */
  timezone?: string;
}

interface ScheduledJob {
  name: string;
  /** Built at schedule() so a bad expression fails there; given its callback at start(). */
  cron: Cron;
  task: () => Promise<void>;
  /** True while this process runs the task: a tick arriving meanwhile is skipped here. */
  busy: boolean;
}

/** A lock must outlive every instance's chance to claim the same tick (clock skew, event-loop lag). */
const MIN_LOCK_TTL_MS = 60_000;

const consoleLogger: SchedulerLogger = {
  warn: (obj, msg) => console.warn(`[scheduler] ${msg}`, obj),
  error: (obj, msg) => console.error(`[scheduler] ${msg}`, obj),
};

export class KvScheduler implements Scheduler {
  /** Stored as the lock value, so `GET sched:...` in redis-cli tells which instance ran a tick. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  private readonly kv: KeyValueStore;
  private readonly logger: SchedulerLogger;
  private readonly timezone: string | undefined;
  private readonly jobs = new Map<string, ScheduledJob>();
  /** Every tick in progress (lock attempt and task), so close() can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private closed = false;

  constructor(options: KvSchedulerOptions) {
    this.kv = options.kv;
    this.logger = options.logger ?? consoleLogger;
    this.timezone = options.timezone;
  }

  schedule(name: string, cron: string, task: () => Promise<void>): void {
    if (this.closed) throw new Error('scheduler is closed');
    if (this.jobs.has(name)) throw new Error(`scheduled job '${name}' already exists`);
    const job: ScheduledJob = { name, cron: new Cron(cron, { timezone: this.timezone }), task, busy: false };
    this.jobs.set(name, job);
    if (this.started) this.arm(job);
  }

  start(): void {
    if (this.closed) throw new Error('scheduler is closed');
    if (this.started) return;
    this.started = true;
    for (const job of this.jobs.values()) this.arm(job);
  }

  /**
   * Runs the job now, keyed by the current second: concurrent calls (or a cron tick in the same
   * second) run it once. Resolves true when this call ran it, false when another claimed the
   * second or this process is still running it; rejects with the task's error, since the caller
   * is waiting for the outcome.
   */
  async runNow(name: string): Promise<boolean> {
    if (this.closed) throw new Error('scheduler is closed');
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no scheduled job named '${name}'`);
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    let failed: { err: unknown } | undefined;
    const ran = await this.track(this.claimAndRun(job, tick, (err) => (failed = { err })));
    if (failed) throw failed.err;
    return ran;
  }

  /** Stops every cron, then waits for ticks already under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.jobs.values()) job.cron.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private arm(job: ScheduledJob): void {
    job.cron.schedule(() => {
      // The tick's scheduled time, not "now": every instance must derive the same lock key even
      // when its timer fires a few ms late. Croner fires at or after T, so T is the latest match
      // at or before now.
      const tick = job.cron.previousRuns(1, new Date(Date.now() + 1))[0];
      if (!tick) return;
      void this.track(
        this.claimAndRun(job, tick, (err) =>
          this.logger.error({ err, job: job.name, tick: tick.toISOString() }, 'scheduled task failed'),
        ),
      );
    });
  }

  /** Never rejects: returns whether the task ran, and reports a task failure through `onError`. */
  private async claimAndRun(job: ScheduledJob, tick: Date, onError: (err: unknown) => void): Promise<boolean> {
    const log = { job: job.name, tick: tick.toISOString() };
    // Checked before claiming, so a busy instance leaves the tick to an idle one.
    if (job.busy) {
      this.logger.warn(log, 'previous run still in progress; tick skipped in this process');
      return false;
    }
    job.busy = true;
    try {
      let won: boolean;
      try {
        won = await this.kv.set(`sched:${job.name}:${tick.toISOString()}`, this.instanceId, {
          onlyIfAbsent: true,
          ttlMs: this.lockTtlMs(job, tick),
        });
      } catch (err) {
        // Without the lock a run could duplicate another instance's: skipping is the safe side.
        this.logger.error({ ...log, err }, 'could not claim scheduled tick; skipped');
        return false;
      }
      if (!won) return false;
      try {
        await job.task();
      } catch (err) {
        onError(err);
      }
      return true;
    } finally {
      job.busy = false;
    }
  }

  /** A bit more than the gap to the next tick, at least a minute. */
  private lockTtlMs(job: ScheduledJob, tick: Date): number {
    const next = job.cron.nextRun(tick);
    const intervalMs = next ? next.getTime() - tick.getTime() : 0;
    return Math.max(MIN_LOCK_TTL_MS, Math.ceil(intervalMs * 1.1));
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return promise;
  }
}
