/**
 * One contract for both job queue adapters: the in-process queue always, BullMQ when Redis is up.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  BullJobQueue,
  MemoryJobQueue,
  createJobQueue,
  type JobContext,
  type JobQueue,
} from '../../src/platform/jobs/index.js';
import type { JobsLogger } from '../../src/platform/jobs/logger.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { pause } from '../helpers/wait.js';

const redisUp = await serviceAvailable('redis');

interface LogCall {
  level: 'warn' | 'error';
  obj: object;
  msg: string;
}

function recordingLogger(): JobsLogger & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  return {
    calls,
    warn: (obj, msg) => calls.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => calls.push({ level: 'error', obj, msg }),
  };
}

interface Adapter {
  name: string;
  /** Instances made with the same `shared` key see the same jobs (BullMQ: same Redis prefix). */
  make(options: { logger?: JobsLogger; shared?: string }): JobQueue;
  /** Whether a second instance can process what the first enqueued. */
  crossInstance: boolean;
}

function contract(adapter: Adapter): void {
  const open: JobQueue[] = [];
  const make = (options: { logger?: JobsLogger; shared?: string } = {}) => {
    const queue = adapter.make({ logger: options.logger ?? recordingLogger(), shared: options.shared });
    open.push(queue);
    return queue;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.close()));
  });

  it('processes a job with its payload', async () => {
    const queue = make();
    const seen: { payload: unknown; context: JobContext }[] = [];
    queue.register<{ title: string; tags: string[] }>('greet', async (payload, context) => {
      seen.push({ payload, context });
    });
    await queue.start();
    await queue.enqueue('greet', { title: 'hello', tags: ['a', 'b'] });
    await queue.drain(5_000);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.payload).toEqual({ title: 'hello', tags: ['a', 'b'] });
    expect(seen[0]?.context.attempt).toBe(1);
    expect(seen[0]?.context.jobId).toMatch(/.+/);
  });

  it('copies the payload at enqueue and rejects what JSON cannot carry', async () => {
    const queue = make();
    const seen: unknown[] = [];
    queue.register<{ n: number }>('copy', async (payload) => {
      seen.push(payload);
    });
    const payload = { n: 1 };
    await queue.enqueue('copy', payload);
    payload.n = 2; // after enqueue: must not leak into the job
    await expect(queue.enqueue('copy', { id: 1n })).rejects.toThrow(/JSON/);
    await expect(queue.enqueue('nobody-registered-this', {})).rejects.toThrow(/no processor/);
    await queue.start();
    await queue.drain(5_000);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries a failing job with exponential backoff and succeeds on the 3rd attempt', async () => {
    const logger = recordingLogger();
    const queue = make({ logger });
    const tries: { attempt: number; at: number }[] = [];
    queue.register('flaky', async (_payload, { attempt }) => {
      tries.push({ attempt, at: Date.now() });
      if (attempt < 3) throw new Error(`boom ${attempt}`);
    });
    await queue.start();
    await queue.enqueue('flaky', {}, { backoffMs: 100 });
    await queue.drain(5_000);
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = tries.map((t) => t.at) as [number, number, number];
    // backoffMs * 2^(attempt-1): ~100 ms, then ~200 ms (a little slack for timer granularity).
    expect(second - first).toBeGreaterThanOrEqual(90);
    expect(third - second).toBeGreaterThanOrEqual(190);
    await vi.waitFor(() => expect(logger.calls.filter((c) => c.level === 'warn')).toHaveLength(2));
    expect(logger.calls.filter((c) => c.level === 'error')).toHaveLength(0);
  });

  it('gives up after `attempts` and logs the final failure', async () => {
    const logger = recordingLogger();
    const queue = make({ logger });
    let calls = 0;
    queue.register('doomed', async () => {
      calls++;
      throw new Error('always');
    });
    await queue.start();
    await queue.enqueue('doomed', { id: '7' }, { attempts: 2, backoffMs: 20 });
    await queue.drain(5_000);
    await vi.waitFor(() => expect(logger.calls.filter((c) => c.level === 'error')).toHaveLength(1));
    await pause(100); // nothing further happens: the job is dropped
    expect(calls).toBe(2);
    expect(logger.calls.filter((c) => c.level === 'warn')).toHaveLength(1);
    expect(logger.calls.find((c) => c.level === 'error')?.obj).toMatchObject({ type: 'doomed', attempts: 2 });
  });

  it('honours delayMs', async () => {
    const queue = make();
    let ranAt = 0;
    queue.register('later', async () => {
      ranAt = Date.now();
    });
    await queue.start();
    const enqueuedAt = Date.now();
    await queue.enqueue('later', {}, { delayMs: 400 });
    await pause(150);
    expect(ranAt).toBe(0);
    await queue.drain(5_000);
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(390);
  });

  it('dedupes by jobId while the job is queued, per type', async () => {
    const queue = make();
    const seen: string[] = [];
    const record = (type: string) => async (payload: { n: number }, context: JobContext) => {
      seen.push(`${type}:${context.jobId}:${payload.n}`);
    };
    queue.register('a', record('a'));
    queue.register('b', record('b'));
    // Natural ids that BullMQ would refuse as custom job ids ('42' looks like an integer, ':').
    await queue.enqueue('a', { n: 1 }, { jobId: '42' });
    await queue.enqueue('a', { n: 2 }, { jobId: '42' });
    await queue.enqueue('b', { n: 3 }, { jobId: '42' });
    await queue.enqueue('a', { n: 4 }, { jobId: 'user:7' });
    await queue.enqueue('a', { n: 5 }, { jobId: 'user:7' });
    await queue.start();
    await queue.drain(5_000);
    expect(seen.sort()).toEqual(['a:42:1', 'a:user:7:4', 'b:42:3']);
    // Once finished, the same id can be enqueued again.
    await queue.enqueue('a', { n: 6 }, { jobId: '42' });
    await queue.drain(5_000);
    expect(seen).toContain('a:42:6');
  });

  it('runs two processor types, each with its own payloads', async () => {
    const queue = make();
    const emails: string[] = [];
    const thumbs: number[] = [];
    queue.register<{ to: string }>('email', async ({ to }) => void emails.push(to));
    queue.register<{ size: number }>('thumbnail', async ({ size }) => void thumbs.push(size), { concurrency: 1 });
    await queue.start();
    await Promise.all([
      queue.enqueue('email', { to: 'a@x' }),
      queue.enqueue('thumbnail', { size: 64 }),
      queue.enqueue('email', { to: 'b@x' }),
      queue.enqueue('thumbnail', { size: 128 }),
    ]);
    await queue.drain(5_000);
    expect(emails.sort()).toEqual(['a@x', 'b@x']);
    expect(thumbs.sort((x, y) => x - y)).toEqual([64, 128]);
  });

  it('respects a type’s concurrency', async () => {
    const queue = make();
    let active = 0;
    let peak = 0;
    queue.register(
      'slow',
      async () => {
        active++;
        peak = Math.max(peak, active);
        await pause(80);
        active--;
      },
      { concurrency: 2 },
    );
    await queue.start();
    for (let i = 0; i < 6; i++) await queue.enqueue('slow', { i });
    await queue.drain(5_000);
    expect(peak).toBe(2);
  });

  it('holds jobs enqueued before start() until start()', async () => {
    const queue = make();
    const seen: number[] = [];
    queue.register<{ n: number }>('early', async ({ n }) => void seen.push(n));
    await queue.enqueue('early', { n: 1 });
    await pause(150);
    expect(seen).toEqual([]);
    await queue.start();
    await queue.drain(5_000);
    expect(seen).toEqual([1]);
  });

  it.skipIf(!adapter.crossInstance)('processes in a consumer what a producer (never started) enqueued', async () => {
    const shared = uniqueSuffix();
    const producer = make({ shared });
    const producerRuns: unknown[] = [];
    // The API process registers the same types (enqueue checks them) but never starts.
    producer.register('report', async (payload) => void producerRuns.push(payload));
    await producer.enqueue('report', { n: 1 });
    await producer.enqueue('report', { n: 2 }, { delayMs: 100 });

    const consumer = make({ shared }); // the `inkstone worker` process
    const consumerRuns: unknown[] = [];
    consumer.register('report', async (payload) => void consumerRuns.push(payload));
    await consumer.start();
    await producer.drain(5_000); // the producer sees the shared queue empty out
    expect(consumerRuns).toEqual([{ n: 1 }, { n: 2 }]);
    expect(producerRuns).toEqual([]);
  });

  it('drain rejects on timeout while work is pending', async () => {
    const queue = make();
    queue.register('long', async () => pause(400));
    await queue.start();
    await queue.enqueue('long', {});
    await expect(queue.drain(50)).rejects.toThrow(/drain/);
    await queue.drain(5_000);
  });

  it('close waits for running jobs, then refuses new ones', async () => {
    const queue = make();
    let started = false;
    let finished = false;
    queue.register('job', async () => {
      started = true;
      await pause(200);
      finished = true;
    });
    await queue.start();
    await queue.enqueue('job', {});
    await vi.waitFor(() => expect(started).toBe(true));
    await queue.close();
    expect(finished).toBe(true);
    await expect(queue.enqueue('job', {})).rejects.toThrow(/closed/);
  });
}

describe('MemoryJobQueue', () => {
  contract({
    name: 'memory',
    make: ({ logger }) => new MemoryJobQueue({ logger }),
    crossInstance: false,
  });

  it('is what createJobQueue returns without a Redis URL', async () => {
    const queue = createJobQueue({ prefix: 'test' });
    expect(queue.kind).toBe('memory');
    await queue.close();
  });
});

describe.skipIf(!redisUp)('BullJobQueue', () => {
  // Every test gets its own BullMQ prefix (so drain() counts only its jobs); all removed at the end.
  const prefixes = new Set<string>();
  const newPrefix = (suffix = uniqueSuffix()) => {
    const prefix = `test-jobs-${suffix}`;
    prefixes.add(prefix);
    return prefix;
  };

  afterAll(async () => {
    const redis = new Redis(serviceUrls.redis);
    try {
      for (const prefix of prefixes) {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
    } finally {
      await redis.quit();
    }
  });

  contract({
    name: 'bullmq',
    make: ({ logger, shared }) => new BullJobQueue({ redisUrl: serviceUrls.redis, prefix: newPrefix(shared), logger }),
    crossInstance: true,
  });

  it('is what createJobQueue returns with a Redis URL', async () => {
    const queue = createJobQueue({ redisUrl: serviceUrls.redis, prefix: newPrefix() });
    expect(queue.kind).toBe('bullmq');
    await queue.close();
  });
});
