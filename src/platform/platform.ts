/**
 * The platform: every infrastructure port, built once from config and handed to the modules.
 * Features only see these interfaces; which adapter runs (in-process or a real service) is decided
 * here and nowhere else.
 */
import type { Migration } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { Cache } from './cache/cache.js';
import { createLeaseStore } from './cluster/leases.js';
import { Membership, nodeId } from './cluster/membership.js';
import { scaleOutWarnings } from './cluster/warnings.js';
import { systemClock, type Clock } from './clock.js';
import { createEventBus, type EventBus, type EventSubjects } from './events/events.js';
import { migrateToLatest, openDatabase, type Db } from './db/database.js';
import type { DialectName } from './db/dialect.js';
import { createIdGenerators, type IdGenerators } from './ids.js';
import { createJobQueue } from './jobs/index.js';
import type { JobQueue } from './jobs/jobs.js';
import { createKeyValueStore } from './kv/index.js';
import type { KeyValueStore } from './kv/kv.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { KvScheduler } from './scheduler/index.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { createSmsProvider, type SmsProvider } from './sms/index.js';
import { createObjectStorage } from './storage/index.js';
import type { ObjectStorage } from './storage/storage.js';
import { createTimeFormat, type TimeFormat } from './time.js';

export interface Platform {
  config: Config;
  logger: Logger;
  db: Db;
  dialect: DialectName;
  kv: KeyValueStore;
  cache: Cache;
  events: EventBus;
  jobs: JobQueue;
  scheduler: Scheduler;
  storage: ObjectStorage;
  sms: SmsProvider;
  ids: IdGenerators;
  time: TimeFormat;
  clock: Clock;
  /** Prometheus metrics of this process (served at /metrics); `metrics.dbQueries()` counts statements. */
  metrics: Metrics;
  /** This process's leased worker id and the site's live processes (platform/cluster). */
  cluster: Membership;
  /** Closes every connection, newest first. Idempotent. */
  close(): Promise<void>;
}

/** What the feature modules bring to the platform: their migrations and their events' log subjects. */
export interface PlatformSchema {
  migrations: Record<string, Migration>;
  events: Partial<EventSubjects>;
}

/** Built by the composition root (`createAppPlatform` in src/app.ts), which knows the modules' schema. */
export async function createPlatform(
  config: Config,
  logger: Logger,
  schema: PlatformSchema,
  clock: Clock = systemClock,
): Promise<Platform> {
  const database = openDatabase(config.databaseUrl, {
    onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection was lost; the pool replaces it'),
    onWarning: (message) => logger.warn({ detail: message }, 'database'),
  });
  await migrateToLatest(database.db, schema.migrations);
  const clusterLog = logger.child({ port: 'cluster' });
  const warnings = scaleOutWarnings(config, clusterLog);
  let cluster: Membership;
  try {
    cluster = await Membership.join({
      store: createLeaseStore(config, database.db),
      node: nodeId(config.dataDir),
      workerId: config.workerId,
      conflictWaitMs: config.workerIdWaitMs,
      logger: clusterLog,
      onBeat: warnings.check,
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  const kv = createKeyValueStore({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    maxEvictableBytes: config.memoryCacheBytes,
  });
  const jobs = createJobQueue({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    logger: logger.child({ port: 'jobs' }),
  });
  const scheduler = new KvScheduler({ kv, logger: logger.child({ port: 'scheduler' }), timezone: config.timeZone });
  const storage = createObjectStorage(config.storage);
  const events = createEventBus(logger.child({ port: 'events' }));
  events.describe(schema.events);
  const metrics = createMetrics();
  const sms = createSmsProvider(config.sms, logger.child({ port: 'sms' }));

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await scheduler.close();
      await events.settle();
      await jobs.close();
      // After the last job: nothing mints ids once the lease is released.
      await cluster.close();
      await storage.close();
      await kv.close();
      await database.close();
    })();
    return closing;
  };

  return {
    config,
    logger,
    db: database.db.withPlugin(metrics.queryCounter),
    dialect: database.dialect,
    kv,
    cache: new Cache(kv, { onResult: metrics.cacheResult }),
    events,
    jobs,
    scheduler,
    storage,
    sms,
    ids: createIdGenerators(() => cluster.workerId()),
    time: createTimeFormat(config.timeZone),
    clock,
    metrics,
    cluster,
    close,
  };
}
