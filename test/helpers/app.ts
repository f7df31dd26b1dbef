/**
 * buildTestApp: the real app on a fresh database of the dialect chosen by TEST_DB (sqlite,
 * postgres, mysql) and, with TEST_REDIS=1, on Redis with a key prefix of its own. Every suite
 * runs on the whole matrix by changing environment variables, not code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPool } from 'mysql2/promise';
import pg from 'pg';
import type { KyselyPlugin } from 'kysely';
import { pino } from 'pino';
import { buildApp, createAppPlatform, type App } from '../../src/app.js';
import { loggerOptions } from '../../src/platform/logger.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from './services.js';

export type TestDb = 'sqlite' | 'postgres' | 'mysql';

export const testDb = (process.env.TEST_DB ?? 'sqlite') as TestDb;
export const testRedis = process.env.TEST_REDIS === '1';

export interface TestApp extends App {
  config: Config;
  close(): Promise<void>;
}

interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function scratchDatabase(kind: TestDb, dataDir: string): Promise<ScratchDatabase> {
  const name = `inkstone_t_${uniqueSuffix()}`;
  if (kind === 'sqlite') return { url: `sqlite:${path.join(dataDir, 'test.db')}`, drop: async () => {} };
  if (!(await serviceAvailable(kind))) throw new Error(`TEST_DB=${kind} but ${kind} is not reachable`);
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: serviceUrls.postgres });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serviceUrls.postgres);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: serviceUrls.postgres });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = createPool({ uri: serviceUrls.mysql, connectionLimit: 1 });
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(serviceUrls.mysql);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = createPool({ uri: serviceUrls.mysql, connectionLimit: 1 });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** Environment a test app is configured from; extra entries override the defaults. */
export async function testEnvironment(extra: Record<string, string> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-test-'));
  const database = await scratchDatabase(testDb, dataDir);
  if (testRedis && !(await serviceAvailable('redis'))) throw new Error('TEST_REDIS=1 but Redis is not reachable');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    PUBLIC_URL: 'http://inkstone.test',
    SEED_ON_EMPTY: 'false',
    ...(testRedis ? { REDIS_URL: serviceUrls.redis, REDIS_PREFIX: `inkstone-test:${uniqueSuffix()}:` } : {}),
    ...extra,
  };
  const cleanup = async () => {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { env, dataDir, cleanup };
}

export async function buildTestApp(
  extra: Record<string, string> = {},
  beforeReady?: (app: App['app']) => void,
  options: {
    clock?: Clock;
    configure?: (config: Config) => void;
    /** Sees every query the services send (fault injection: throw from `transformQuery`). */
    dbPlugin?: KyselyPlugin;
  } = {},
): Promise<TestApp> {
  const { env, cleanup } = await testEnvironment(extra);
  const config = loadConfig(env);
  options.configure?.(config);
  let platform: App['platform'] | undefined;
  if (options.dbPlugin) {
    platform = await createAppPlatform(config, pino(loggerOptions(config)), options.clock);
    platform.db = platform.db.withPlugin(options.dbPlugin);
  }
  const built = await buildApp(config, { clock: options.clock, platform });
  beforeReady?.(built.app);
  await built.app.ready();
  await built.platform.jobs.start();
  return {
    ...built,
    config,
    async close() {
      await built.platform.kv.flush();
      await built.app.close();
      // An app built on a platform it was given leaves closing it to us.
      await platform?.close();
      await cleanup();
    },
  };
}

/** A clock tests can move: starts at the real time, `advance(ms)` jumps ahead. */
export function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms), set: (ms: number) => void (now = ms) };
}
