/**
 * Token checks when the kv store fails (issue #11 §3): they read sessions and user status from the
 * database instead of failing the request. A redis-server of this test's own is killed and
 * started again. The store talks to it through a client that fails fast (no retries, a 300 ms
 * command timeout), as the kv adapter does for an outage; the rest of the platform keeps
 * its own connection and is not exercised here.
 */
import { buildApp, createAppPlatform, type App } from '../../src/app.js';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RedisKeyValueStore } from '../../src/platform/kv/index.js';
import { testDb, testEnvironment } from '../helpers/app.js';
import { bearer } from '../helpers/http.js';
import { signInOn, uniqueMobile } from '../helpers/nodes.js';
import { startRedis, type PrivateService } from '../helpers/private-services.js';
import { uniqueSuffix } from '../helpers/services.js';
import { pause, until } from '../helpers/wait.js';

describe(`token checks while Redis is down (db=${testDb})`, () => {
  let redis: PrivateService;
  let built: App;
  let original: RedisKeyValueStore;
  let fastClient: Redis;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    redis = await startRedis();
    const environment = await testEnvironment({
      REDIS_URL: redis.url,
      REDIS_PREFIX: `inkstone-test:${uniqueSuffix()}:`,
      JWT_SECRET: randomBytes(48).toString('base64'),
    });
    cleanup = environment.cleanup;
    const config = loadConfig(environment.env);
    const platform = await createAppPlatform(config, pino({ level: 'silent' }));
    original = platform.kv as RedisKeyValueStore;
    original.client.on('error', () => {}); // the platform's own connection: not under test here
    fastClient = new Redis(redis.url);
    fastClient.on('error', () => {}); // expected while the server is down
    platform.kv = new RedisKeyValueStore({ client: fastClient, prefix: config.redisPrefix });
    built = await buildApp(config, { platform });
    await built.app.ready();
    // Only now, so the connections the app duplicated from it at boot keep the defaults: while
    // disconnected, a command waits for one reconnection attempt at most (refused at once on a
    // dead local port) or 300 ms, then fails.
    Object.assign(fastClient.options, { maxRetriesPerRequest: 0, commandTimeout: 300, retryStrategy: () => 100 });
  });

  afterAll(async () => {
    await redis?.start().catch(() => {});
    // Close only once the app is connected again: BullMQ's quit on a connection that is still
    // reconnecting fails (no offline queue) as an unhandled rejection inside BullMQ.
    if (built) {
      await until('ready again', async () => (await built.app.inject({ url: '/readyz' })).statusCode === 200, {
        timeoutMs: 15_000,
      }).catch(() => {});
      // /readyz pings one connection; BullMQ's own ones reconnect on their backoff, capped at 1 s.
      await pause(1_500);
    }
    await built?.app.close();
    await built?.platform.close();
    original?.client.disconnect();
    fastClient?.disconnect();
    await redis?.destroy();
    await cleanup?.();
  });

  const signIn = () => signInOn(built, uniqueMobile('133'));
  const sessions = (token: string) => built.app.inject({ url: '/app/v1_0/user/sessions', headers: bearer(token) });

  it('reads sessions and user status from the database: signed-in reads work, sign-out and bans take effect, recovery needs no restart', async () => {
    const [reader, leaver, admin, banned] = [await signIn(), await signIn(), await signIn(), await signIn()];
    await built.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    for (const user of [reader, leaver, admin, banned]) expect((await sessions(user.token)).statusCode).toBe(200);

    await redis.stop();
    const started = performance.now();
    const during = await sessions(reader.token);
    const took = performance.now() - started;
    expect(during.statusCode).toBe(200);
    console.info(`[kv-outage] signed-in read with Redis down: ${during.statusCode} in ${took.toFixed(0)} ms`);
    expect(took).toBeLessThan(2000);

    const out = await built.app.inject({
      method: 'DELETE',
      url: '/app/v1_0/authorizations',
      headers: bearer(leaver.token),
    });
    expect(out.statusCode).toBe(204);
    expect((await sessions(leaver.token)).statusCode).toBe(401);

    const ban = await built.app.inject({
      method: 'POST',
      url: `/admin/v1_0/users/${banned.id}/actions`,
      headers: bearer(admin.token),
      payload: { action: 'ban', reason: 'outage' },
    });
    expect(ban.statusCode).toBe(201);
    expect((await sessions(banned.token)).statusCode).toBe(403);

    // Back: the entries cached before the outage were overwritten by the writes kept for a retry.
    await redis.start();
    await until('the fast client reconnected', () => fastClient.status === 'ready');
    expect((await sessions(reader.token)).statusCode).toBe(200);
    expect((await sessions(leaver.token)).statusCode).toBe(401);
    expect((await sessions(banned.token)).statusCode).toBe(403);
    const fresh = await signIn();
    expect((await sessions(fresh.token)).statusCode).toBe(200);
  });
});
