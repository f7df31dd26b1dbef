/**
 * KvScheduler: ticks on time with a memory store, exactly once per tick across instances
 * sharing a Redis store, survives failing tasks, never overlaps a slow task with itself.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from '../../src/platform/kv/index.js';
import { KvScheduler, type SchedulerLogger } from '../../src/platform/scheduler/index.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { pause } from '../helpers/wait.js';

const redisUp = await serviceAvailable('redis');

const EVERY_SECOND = '* * * * * *';

interface LogCall {
  level: 'warn' | 'error';
  obj: object;
  msg: string;
}

function recordingLogger(): SchedulerLogger & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  return {
    calls,
    warn: (obj, msg) => calls.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => calls.push({ level: 'error', obj, msg }),
  };
}

/** Closed after each test, schedulers first (they use the stores). */
const schedulers: KvScheduler[] = [];
const stores: KeyValueStore[] = [];

function scheduler(kv: KeyValueStore, logger: SchedulerLogger = recordingLogger()): KvScheduler {
  const instance = new KvScheduler({ kv, logger });
  schedulers.push(instance);
  return instance;
}

function memoryKv(): KeyValueStore {
  const kv = new MemoryKeyValueStore({ prefix: 'test-sched' });
  stores.push(kv);
  return kv;
}

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.close()));
  await Promise.all(stores.splice(0).map((kv) => kv.close()));
});

/** Whole second of "now": a task runs a few ms after its tick, so this identifies the tick. */
const currentSecond = () => Math.floor(Date.now() / 1000);

describe('KvScheduler with a memory store', () => {
  // The test clock: seconds of cron ticks pass in a few milliseconds, and exactly.
  beforeEach(
    () => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }),
  );
  afterEach(async () => {
    // Closed while the clock is still the test's: a task waiting on it ends only when it moves.
    const closing = Promise.all(schedulers.splice(0).map((s) => s.close()));
    await vi.advanceTimersByTimeAsync(5_000);
    await closing;
    vi.useRealTimers();
  });
  /** On the test clock (global setTimeout, which the fake timers replace). */
  const busyFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  it('runs an every-second job about once per second', async () => {
    const runs: number[] = [];
    const s = scheduler(memoryKv());
    s.schedule('heartbeat', EVERY_SECOND, async () => void runs.push(currentSecond()));
    vi.setSystemTime(new Date('2026-01-01T00:00:00.500Z'));
    s.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toEqual([1767225601, 1767225602, 1767225603]);
  });

  it('keeps ticking after a task throws, and logs each failure', async () => {
    const logger = recordingLogger();
    let calls = 0;
    const s = scheduler(memoryKv(), logger);
    s.schedule('boom', EVERY_SECOND, async () => {
      calls++;
      throw new Error('task failed');
    });
    s.start();
    await vi.advanceTimersByTimeAsync(2_300);
    expect(calls).toBeGreaterThanOrEqual(2);
    const errors = logger.calls.filter((c) => c.level === 'error');
    expect(errors).toHaveLength(calls);
    expect(errors[0]?.obj).toMatchObject({ job: 'boom' });
  });

  it('skips a tick while the previous run of the same job is still going', async () => {
    const logger = recordingLogger();
    let active = 0;
    let peak = 0;
    let runs = 0;
    const s = scheduler(memoryKv(), logger);
    s.schedule('slow', EVERY_SECOND, async () => {
      runs++;
      active++;
      peak = Math.max(peak, active);
      await busyFor(1_200); // longer than the 1 s between ticks
      active--;
    });
    s.start();
    await vi.advanceTimersByTimeAsync(2_100);
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(peak).toBe(1);
    expect(logger.calls.some((c) => c.level === 'warn' && /still in progress/.test(c.msg))).toBe(true);
  });

  it('runNow runs the task once per second across schedulers sharing the store', async () => {
    const kv = memoryKv();
    let runs = 0;
    const a = scheduler(kv);
    const b = scheduler(kv);
    for (const s of [a, b]) s.schedule('reindex', '0 0 1 1 *', async () => void runs++);
    // Both calls fall in the same second (the clock stands still) and so share the lock.
    const results = await Promise.all([a.runNow('reindex'), b.runNow('reindex')]);
    expect(results.sort()).toEqual([false, true]);
    expect(runs).toBe(1);
    await expect(a.runNow('missing')).rejects.toThrow(/no scheduled job/);
  });

  it('runNow reports the task’s failure to its caller', async () => {
    const s = scheduler(memoryKv());
    s.schedule('broken', '0 0 1 1 *', async () => {
      throw new Error('nope');
    });
    await expect(s.runNow('broken')).rejects.toThrow('nope');
  });

  it('rejects a bad cron expression when scheduling', () => {
    const s = scheduler(memoryKv());
    expect(() => s.schedule('bad', 'not a cron', async () => {})).toThrow();
  });
});

describe.skipIf(!redisUp)('KvScheduler with a Redis store', () => {
  it('runs each tick exactly once across three instances', async () => {
    const prefix = `test-sched-${uniqueSuffix()}`;
    const runs: { second: number; instance: string }[] = [];
    const instances = [0, 1, 2].map(() => {
      // One connection per instance, as three processes would have.
      const kv = new RedisKeyValueStore({ url: serviceUrls.redis, prefix });
      stores.push(kv);
      const s = scheduler(kv);
      s.schedule('digest', EVERY_SECOND, async () => {
        runs.push({ second: currentSecond(), instance: s.instanceId });
        await pause(50); // long enough for the other instances to have tried the same tick
      });
      return s;
    });
    for (const s of instances) s.start();
    await pause(3_500);
    await Promise.all(instances.map((s) => s.close()));

    const ticks = new Set(runs.map((r) => r.second));
    expect(ticks.size).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBe(ticks.size);
    // The lock for a tick records the instance that ran it.
    const last = runs.at(-1)!;
    const owner = await stores[0]!.get(`sched:digest:${new Date(last.second * 1000).toISOString()}`);
    expect(owner).toBe(last.instance);
    await stores[0]!.flush();
  });
});
