/**
 * The dashboard's live tiles: this instance's requests, errors and latency from its own metrics,
 * and the job queue's counts (memory, or BullMQ with TEST_REDIS=1), moving as traffic and jobs do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_SMS_JOB } from '../../src/modules/auth/sms-code.service.js';
import { BullJobQueue, MemoryJobQueue, type JobQueue } from '../../src/platform/jobs/index.js';
import { createRecentWindow } from '../../src/platform/metrics/index.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { signedInAs } from '../helpers/web-client.js';

let t: TestApp;
const quiet = { warn() {}, error() {}, info() {} };

beforeAll(async () => {
  t = await buildTestApp(
    {},
    (app) => {
      app.get('/test/boom', { schema: { hide: true } }, async () => {
        throw new Error('boom');
      });
    },
    {},
  );
});
afterAll(async () => {
  await t?.close();
});

const admin = async () => (await signedInAs(t, 'admin')).browser;

function tile(body: string, key: string): string {
  const match = new RegExp(`data-live-figure="${key}"><strong>([^<]*)</strong>`).exec(body);
  if (!match) throw new Error(`no ${key} tile in ${body.slice(0, 2000)}`);
  return match[1]!;
}

describe(`dashboard live tiles (db=${testDb}, redis=${testRedis})`, () => {
  it('counts requests, 4xx and 5xx responses and shows latency quantiles', async () => {
    const browser = await admin();
    const before = (await browser.get('/admin/')).body;
    const requests = Number(tile(before, 'requests'));
    const clientErrors = Number(tile(before, 'client-errors'));
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ url: `/no/such/page/${i}` })).statusCode).toBe(404);
    for (let i = 0; i < 2; i++) expect((await t.app.inject({ url: '/test/boom' })).statusCode).toBe(500);

    const after = (await browser.get('/admin/')).body;
    // The dashboard's own first request counts too.
    expect(Number(tile(after, 'requests'))).toBeGreaterThanOrEqual(requests + 6);
    expect(Number(tile(after, 'client-errors'))).toBe(clientErrors + 3);
    expect(tile(after, 'error-rate')).toMatch(/^\d+\.\d%$/);
    expect(Number.parseFloat(tile(after, 'error-rate'))).toBeGreaterThan(0);
    expect(tile(after, 'p50')).toMatch(/^[\d.]+ ms$/);
    expect(tile(after, 'p95')).toMatch(/^[\d.]+ ms$/);
    // Above the 30-day figures.
    expect(after.indexOf('data-live-figure')).toBeLessThan(after.indexOf('class="figures"'));
  });

  it('shows the queue: waiting (delayed included) and failed jobs', async () => {
    const browser = await admin();
    const before = (await browser.get('/admin/')).body;
    const waiting = Number(tile(before, 'jobs-waiting'));
    const failed = Number(tile(before, 'jobs-failed'));
    // A job that waits a minute before it runs (failures are counted in the adapter tests below).
    await t.platform.jobs.enqueue(SEND_SMS_JOB, { mobile: '13800000000' }, { delayMs: 60_000 });
    const after = (await browser.get('/admin/')).body;
    expect(Number(tile(after, 'jobs-waiting'))).toBe(waiting + 1);
    expect(Number(tile(after, 'jobs-failed'))).toBe(failed);
  });
});

describe('job queue stats in both adapters', () => {
  async function exercise(queue: JobQueue) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.register('t.fail', async () => {
      throw new Error('always');
    });
    queue.register('t.hold', () => gate);
    await queue.start();
    expect(await queue.stats()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await queue.enqueue('t.fail', {}, { attempts: 1 });
    await queue.enqueue('t.hold', {});
    await queue.enqueue('t.hold', {}, { delayMs: 60_000 });
    const deadline = Date.now() + 10_000;
    let stats = await queue.stats();
    while ((stats.failed < 1 || stats.active < 1) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      stats = await queue.stats();
    }
    expect(stats).toEqual({ waiting: 0, active: 1, delayed: 1, failed: 1 });
    release();
  }

  it('memory', async () => {
    const queue = new MemoryJobQueue({ logger: quiet });
    try {
      await exercise(queue);
    } finally {
      await queue.close();
    }
  });

  it('bullmq', async (context) => {
    if (!(await serviceAvailable('redis'))) {
      if (process.env.CI) throw new Error('Redis is not reachable');
      return context.skip();
    }
    const queue = new BullJobQueue({
      redisUrl: serviceUrls.redis,
      prefix: `inkstone-test:${uniqueSuffix()}`,
      logger: quiet,
    });
    try {
      await exercise(queue);
    } finally {
      await queue.close();
    }
  }, 20_000);

  it('the traffic window forgets what is older than it', () => {
    let now = 1_000_000;
    const window = createRecentWindow({ windowMs: 60_000, slotMs: 10_000, now: () => now });
    for (let i = 0; i < 90; i++) window.observe(200, 0.004);
    for (let i = 0; i < 10; i++) window.observe(503, 0.8);
    const read = window.read();
    expect(read).toMatchObject({ requests: 100, serverErrors: 10, clientErrors: 0, windowSeconds: 60 });
    expect(read.p50Ms).toBeGreaterThan(2);
    expect(read.p50Ms).toBeLessThanOrEqual(5);
    expect(read.p95Ms).toBeGreaterThan(750);
    now += 61_000;
    expect(window.read()).toMatchObject({ requests: 0, p50Ms: null, p95Ms: null });
  });
});
