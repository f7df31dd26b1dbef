#!/usr/bin/env node
/**
 * The `inkstone` command: serve | migrate | seed | worker | reindex | recount | ledger-check.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrateToLatest, openDatabase } from './platform/db/database.js';
import { loggerOptions } from './platform/logger.js';
import { applyHeapGrowth } from './platform/heap-growth.js';
import { createAppPlatform } from './app.js';
import { seedDemoData } from './modules/demo/demo-seed.js';
import { createServices, moduleSchema, registerJobs } from './services.js';
import { runReindex } from './modules/search/search.cli.js';
import { runRecount } from './modules/counters/counter.cli.js';
import { serve, superviseWorkers } from './server.js';
import { ledgerCheckCommand } from './modules/payments/ledger-check.js';

const USAGE = `Usage: inkstone <command> [options]

Commands:
  serve [--workers N]   start the HTTP server (default); N processes share the port
  migrate               apply pending database migrations
  seed [--force]        create the demo data (--force replaces existing data)
  worker                process background jobs from Redis and run the schedules (needs REDIS_URL)
  ledger-check          prove the payments ledger balances and matches the orders (exit 1 on a mismatch)
  reindex               rebuild the search index from the database (safe while serving)
  recount               recompute every like, comment, collection, follow and article count from the rows (safe while serving)

Configuration comes from environment variables; see the README.`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string', short: 'w' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  applyHeapGrowth(config.heapGrowthPercent);

  switch (command) {
    case 'serve': {
      const workers = values.workers === undefined ? 1 : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new UsageError('--workers must be a whole number from 1 to 64');
      if (workers > 1 && cluster.isPrimary) {
        // Migrate once in the primary so workers do not race on the migration lock at boot.
        await migrate(config, false);
        return superviseWorkers(config, workers, (message) => console.error(`[inkstone] ${message}`));
      }
      return serve(config);
    }
    case 'migrate':
      return migrate(config, true);
    case 'seed': {
      const platform = await createAppPlatform(config, pino(loggerOptions(config)));
      try {
        const counts = await seedDemoData(platform, { force: values.force, search: createServices(platform).search });
        console.log(
          `Seeded ${counts.channels} channels, ${counts.users} users, ${counts.articles} articles (indexed for search).`,
        );
      } finally {
        await platform.close();
      }
      return;
    }
    case 'reindex': {
      const platform = await createAppPlatform(config, pino(loggerOptions(config)));
      try {
        const result = await runReindex(createServices(platform).search);
        console.log(
          `Indexed ${result.indexed} articles, removed ${result.removed}, ${result.terms} vocabulary terms in ${(result.ms / 1000).toFixed(1)} s.`,
        );
      } finally {
        await platform.close();
      }
      return;
    }
    case 'recount': {
      const platform = await createAppPlatform(config, pino(loggerOptions(config)));
      try {
        const result = await runRecount(createServices(platform).counters);
        console.log(
          `Recounted ${result.rows} rows, fixed ${result.fixed} counters in ${(result.ms / 1000).toFixed(1)} s.`,
        );
      } finally {
        await platform.close();
      }
      return;
    }
    case 'ledger-check': {
      const platform = await createAppPlatform(config, pino(loggerOptions(config)));
      try {
        process.exitCode = await ledgerCheckCommand(platform.db, (line) => console.log(line));
      } finally {
        await platform.close();
      }
      return;
    }
    case 'worker': {
      if (!config.redisUrl) throw new UsageError('worker needs REDIS_URL; without Redis, `serve` runs the jobs itself');
      const logger = pino(loggerOptions(config));
      const platform = await createAppPlatform(config, logger);
      // Workers run the schedules too (RUN_SCHEDULER, default on): serve nodes can then all set it
      // off. Each tick is claimed through Redis, so any number of schedulers run it once.
      registerJobs(createServices(platform));
      await platform.jobs.start();
      if (config.runScheduler) platform.scheduler.start();
      await platform.cluster.announce({ scheduler: config.runScheduler });
      logger.info({ schedules: config.runScheduler }, 'worker: processing jobs');
      const stop = async () => {
        await platform.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop());
      process.once('SIGINT', () => void stop());
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

async function migrate(config: Config, print: boolean): Promise<void> {
  const database = openDatabase(config.databaseUrl);
  try {
    const applied = await migrateToLatest(database.db, moduleSchema().migrations);
    if (print) console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError) {
    console.error(`inkstone: ${error.message}`);
    if (error instanceof UsageError) console.error(`\n${USAGE}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
