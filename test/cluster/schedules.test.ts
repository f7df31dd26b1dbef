/**
 * Who runs the cron schedules in a real deployment: a serve node with RUN_SCHEDULER=false says
 * (log and /readyz) that nobody does; `inkstone worker` runs them by default (redis combinations,
 * since the worker needs Redis).
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { until } from '../helpers/wait.js';
import { killStarted, processWait, startInkstone } from './process-helpers.js';

afterEach(killStarted);

async function schedules(base: string): Promise<string> {
  const res = await fetch(`${base}/readyz`);
  return ((await res.json()) as { data: { schedules: string } }).data.schedules;
}

describe(`who schedules (db=${testDb}, redis=${testRedis})`, () => {
  it(
    'a serve node without the scheduler warns and reports it until `inkstone worker` runs the schedules',
    { timeout: 300_000 },
    async () => {
      const { env, cleanup } = await testEnvironment({ JWT_SECRET: 'k'.repeat(48) });
      try {
        const serve = await startInkstone(['serve'], { ...env, RUN_SCHEDULER: 'false' });
        await until('serve ready', async () => (await fetch(`${serve.base}/readyz`)).ok, processWait);
        expect(serve.output()).toMatch(/no live process runs the cron schedules/);
        expect(await schedules(serve.base)).toMatch(/no live process runs the cron schedules/);
        if (!testRedis) {
          expect(await serve.stop()).toBe(0);
          return;
        }
        const worker = await startInkstone(['worker'], env);
        await until(
          'a live scheduler seen by the serve node',
          async () => (await schedules(serve.base)) === 'ok',
          processWait,
        );
        // The worker announces itself before it logs, and its stdout reaches us through a pipe:
        // the line can trail the serve node's view by a moment.
        await until(
          'the worker says it runs the schedules',
          async () => /"schedules":true.*worker: processing jobs/.test(worker.output()),
          { timeoutMs: 10_000, intervalMs: 100, context: () => worker.output().slice(-2000) },
        );
        // And it really runs them: the worker claims the counters.flush ticks (every 5 s).
        const redis = new Redis(env.REDIS_URL!);
        try {
          const claimed = await until(
            'a counters.flush tick claimed by the worker',
            async () => {
              const keys = await redis.keys(`${env.REDIS_PREFIX}sched:counters.flush:*`);
              const owners = keys.length ? await redis.mget(keys) : [];
              return owners.some((owner) => owner?.includes(`:${worker.child.pid}:`));
            },
            { timeoutMs: 30_000, intervalMs: 200 },
          );
          expect(claimed).toBe(true);
        } finally {
          redis.disconnect();
        }
        expect(await worker.stop()).toBe(0);
        await until('the worker gone from the live schedulers', async () => (await schedules(serve.base)) !== 'ok', {
          timeoutMs: 30_000,
          intervalMs: 200,
        });
        expect(await serve.stop()).toBe(0);
      } finally {
        await cleanup();
      }
    },
  );
});
