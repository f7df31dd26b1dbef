/**
 * What a multi-node site needs and a node can see is missing, logged once (not on every
 * heartbeat) from the site's live leases: local-disk media or per-node JWT secrets while several
 * nodes share the database, and no process running the cron schedules.
 */
import type { Config } from '../../config.js';
import { dialectFromUrl } from '../db/dialect.js';
import type { LiveLease } from './leases.js';
import type { MembershipLogger } from './membership.js';

export const NO_SCHEDULER =
  'no live process runs the cron schedules (counters.flush, payments.reconcile, search.vocabulary): ' +
  'run `inkstone worker` or keep RUN_SCHEDULER=true on at least one serve process';

/** Whether a live process of the site has the scheduler on. */
export function schedulerRunning(live: LiveLease[]): boolean {
  return live.some((lease) => lease.scheduler);
}

export function scaleOutWarnings(config: Config, logger: MembershipLogger) {
  const serverDatabase = dialectFromUrl(config.databaseUrl) !== 'sqlite';
  if (config.jwtSecretSource === 'data-dir' && (config.redisUrl || serverDatabase)) {
    // A shared Redis or database server is how several nodes are set up; their generated secrets differ
    // unless they also share DATA_DIR.
    logger.warn(
      { jwtSecret: `${config.dataDir}/jwt-secret` },
      'JWT_SECRET is not set: this node signs tokens with a secret generated in its DATA_DIR, so tokens only work on nodes ' +
        'sharing that DATA_DIR; set the same JWT_SECRET on every node (`openssl rand -base64 48`)',
    );
  }
  const warned = { media: false, jwt: false };
  let schedulerMissing = false;
  return {
    check(live: LiveLease[]): void {
      const nodes = new Set(live.map((lease) => lease.node)).size;
      if (nodes > 1 && config.storage.kind === 'disk' && !warned.media) {
        warned.media = true;
        logger.warn(
          { nodes, mediaDir: config.storage.root },
          'several nodes share this database but media is stored on local disk: uploads made on one node answer 404 on the ' +
            'others; set S3_BUCKET (S3-compatible storage) or give every node the same DATA_DIR (a shared volume)',
        );
      }
      if (nodes > 1 && config.jwtSecretSource === 'data-dir' && !warned.jwt) {
        warned.jwt = true;
        logger.warn(
          { nodes },
          'several nodes with different DATA_DIRs and no JWT_SECRET: tokens from one node are rejected by the others; set the same JWT_SECRET everywhere',
        );
      }
      const missing = !schedulerRunning(live);
      if (missing && !schedulerMissing) logger.warn({ runScheduler: config.runScheduler }, NO_SCHEDULER);
      if (!missing && schedulerMissing) logger.info({}, 'a process runs the cron schedules again');
      schedulerMissing = missing;
    },
  };
}
