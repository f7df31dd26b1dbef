/**
 * A slow Redis must not end the process: the Socket.IO Redis adapter sends SUBSCRIBE and
 * UNSUBSCRIBE without handling their promises, and on the store's bounded connections (500 ms
 * command timeout) a Redis that answers late rejects them. Unhandled, Node ends the process.
 * Redis is slowed with CLIENT PAUSE on a private instance while the app boots and closes.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, testRedis, type TestApp } from '../helpers/app.js';
import { startRedis, type PrivateService } from '../helpers/private-services.js';
import { uniqueSuffix } from '../helpers/services.js';
import { pause } from '../helpers/wait.js';

let redis: PrivateService | undefined;
let t: TestApp | undefined;
let admin: Redis | undefined;

describe.skipIf(!testRedis)('Socket.IO adapter on a slow Redis', () => {
  afterAll(async () => {
    admin?.disconnect();
    await t?.close();
    await redis?.destroy();
  });

  it('leaves no unhandled rejection when subscriptions time out', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      redis = await startRedis();
      admin = new Redis(redis.url);
      t = await buildTestApp({ REDIS_URL: redis.url, REDIS_PREFIX: `inkstone-slow:${uniqueSuffix()}:` });
      // Every client but this one waits 1.5 s for its next command: the adapter's UNSUBSCRIBEs
      // at shutdown outlive the 500 ms command timeout.
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      // The app's own shutdown (the helper's close would first clean the test's keys up).
      const app = t.app;
      t = undefined;
      await app.close();
      await pause(300); // a late rejection would surface in this time: nothing may
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  }, 60_000);
});
