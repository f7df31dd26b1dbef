/**
 * Running the app as a server: listen, graceful shutdown, and `--workers N` (the gunicorn +
 * supervisor role in seed 000): a primary listens on the port, hands each connection to a worker
 * with sticky routing (so Socket.IO long-polling works), and replaces any worker that dies, with a
 * back-off so a crash loop does not spin.
 */
import cluster from 'node:cluster';
import { buildApp } from './app.js';
import { ConfigError, type Config } from './config.js';
import { StickyPrimary } from './platform/cluster/primary.js';
import { acceptFromPrimary, reportReady, stampSessions } from './platform/cluster/worker.js';
import { DemoDataExistsError, isDatabaseEmpty, seedDemoData } from './modules/demo/demo-seed.js';

/** Serve in this process until SIGTERM/SIGINT. */
export async function serve(config: Config): Promise<void> {
  const { app, platform, services } = await buildApp(config);
  const log = platform.logger;
  // Under `--workers N` the primary owns the port and hands connections over (platform/cluster).
  const handed = cluster.isWorker ? acceptFromPrimary(app.server) : undefined;
  if (handed) app.addHook('preClose', () => handed.drain(Math.max(1_000, config.shutdownTimeoutMs - 1_000)));

  if (config.seedOnEmpty && (await isDatabaseEmpty(platform))) {
    try {
      const counts = await seedDemoData(platform, { search: services.search });
      log.info(counts, 'empty database: demo data created');
    } catch (error) {
      // Several workers starting on one empty database: one of them seeds, the others carry on.
      if (!(error instanceof DemoDataExistsError)) throw error;
    }
  }
  if (config.jobsInProcess) await platform.jobs.start();
  if (config.runScheduler) platform.scheduler.start();
  // Other nodes learn from the lease whether this process schedules; warns when none does.
  await platform.cluster.announce({ scheduler: config.runScheduler });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const timer = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    try {
      await app.close(); // closes the platform too (onClose hook)
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  if (handed) {
    await app.ready();
    const io = services.realtime.server;
    if (io && cluster.worker) stampSessions(io.engine, cluster.worker.id);
    reportReady();
    log.info(
      { worker: cluster.worker?.id, database: platform.dialect, kv: platform.kv.kind, jobs: platform.jobs.kind },
      'Inkstone worker is ready',
    );
    return;
  }
  const address = await app.listen({ host: config.host, port: config.port });
  log.info(
    { address, database: platform.dialect, kv: platform.kv.kind, jobs: platform.jobs.kind },
    'Inkstone is listening',
  );
}

/** The cluster primary: listens, forks `workers` servers and keeps that many alive. */
export async function superviseWorkers(config: Config, workers: number, log: (message: string) => void): Promise<void> {
  if (config.workerId !== null && config.workerId + workers - 1 > 1023) {
    throw new ConfigError(
      'WORKER_ID',
      `${config.workerId} + ${workers} workers passes 1023; lower it or unset it to lease ids automatically`,
    );
  }
  let shuttingDown = false;
  const restarts: number[] = [];
  const primary = new StickyPrimary({ host: config.host, port: config.port, workers, trustProxy: config.trustProxy });
  const fork = (index: number) => {
    // Without Redis every process has its own in-memory scheduler lock, so only one may schedule.
    const env: Record<string, string> = {
      RUN_SCHEDULER: config.redisUrl || index === 0 ? String(config.runScheduler) : 'false',
    };
    // Each worker leases its own Snowflake worker id; an explicit WORKER_ID is the first of a range.
    if (config.workerId !== null) env.WORKER_ID = String(config.workerId + index);
    const worker = cluster.fork(env);
    primary.attach(index, worker);
    worker.on('exit', (code, signal) => {
      if (shuttingDown) return;
      const now = Date.now();
      restarts.push(now);
      while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
      const delay = Math.min(30_000, 250 * 2 ** Math.max(0, restarts.length - 1));
      log(`worker ${index} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); restarting in ${delay} ms`);
      setTimeout(() => fork(index), delay).unref();
    });
  };
  if (!config.redisUrl) {
    log(
      'warning: --workers without REDIS_URL gives every process its own cache, rate limits and sockets; use Redis to share them',
    );
  }
  const address = await primary.listen();
  log(
    `listening on ${address.address}:${address.port} with ${workers} workers (sticky by Socket.IO session and client address)`,
  );
  for (let i = 0; i < workers; i++) fork(i);

  const stopAll = (signal: NodeJS.Signals) => {
    shuttingDown = true;
    void primary.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const timer = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 1000);
    timer.unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGINT'));
}
