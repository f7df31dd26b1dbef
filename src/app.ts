/**
 * buildApp: platform first (config, database, kv, jobs, scheduler, storage), then the HTTP layer,
 * then the feature modules, in that order. Tests, the server and the benchmark all build the app
 * through here, so they run exactly what production runs.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './platform/clock.js';
import { trustProxyFunction } from './platform/http/client-address.js';
import { registerHttpLayer, requestIdFrom } from './platform/http/http-layer.js';
import { lazyChildLogger } from './platform/http/lazy-logger.js';
import { loggerOptions } from './platform/logger.js';
import { createPlatform, type Platform } from './platform/platform.js';
import { registerAuth } from './platform/http/auth.js';
import { registerHttpCache } from './platform/http/http-cache.js';
import { sharedSerializerFactory } from './platform/http/shared-serializers.js';
import { registerMetrics } from './platform/metrics/index.js';
import { registerRateLimits } from './platform/rate-limit/index.js';
import { createServices, moduleSchema, registerJobs, serviceOf, type Services } from './services.js';

export interface App {
  app: FastifyInstance;
  platform: Platform;
  services: Services;
}

export interface BuildOptions {
  /** An existing platform (the benchmark and CLI share one); otherwise one is created and owned. */
  platform?: Platform;
  /** Replaces the system clock (tests that need "two hours later"). */
  clock?: Clock;
  /** Services already built on `platform`. */
  services?: Services;
}

/** The platform with every module's migrations and events: what the server, the CLI and tests run on. */
export function createAppPlatform(config: Config, logger: Logger, clock?: Clock): Promise<Platform> {
  return createPlatform(config, logger, moduleSchema(), clock);
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const logger = options.platform?.logger ?? pino(loggerOptions(config));
  const platform = options.platform ?? (await createAppPlatform(config, logger, options.clock));

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our http layer writes one line per request itself (with route and user).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    genReqId: (request) => requestIdFrom(request.headers['x-request-id'], randomUUID),
    // As a function: Fastify 5 ignores a bare hop count (see client-address.ts).
    trustProxy: trustProxyFunction(config.trustProxy),
    bodyLimit: config.bodyLimit,
    forceCloseConnections: 'idle',
    // Generous: booting every module on a loaded 2-core machine can pass Fastify's 10 s default.
    pluginTimeout: 60_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    schemaController: { compilersFactory: { buildSerializer: sharedSerializerFactory() } },
  });
  if (!options.platform) app.addHook('onClose', () => platform.close());

  const services = options.services ?? createServices(platform);
  if (!options.services) registerJobs(services);

  // Order matters: cross-cutting hooks first, so every route registered after them is covered.
  await registerHttpLayer(app, config);
  registerAuth(app, services.auth.sessions.authenticator);
  registerHttpCache(app);
  registerMetrics(app, platform.metrics, config);
  registerRateLimits(app, {
    kv: platform.kv,
    defaultRule: config.defaultRateLimit ?? undefined,
    now: platform.clock.now,
  });

  // Routes in the order of the module list (the route map first: it lists the routes after it).
  for (const module of services.modules) await module.routes?.(app, serviceOf(services, module), services.context);
  // Socket.IO on this app's HTTP server (closed in preClose).
  await services.realtime.attach(app, services.auth.sessions.authenticator);
  // Subscriptions live while the app runs.
  const unsubscribe = services.modules.flatMap(
    (module) => module.subscribe?.(serviceOf(services, module), services.context) ?? [],
  );
  app.addHook('onClose', () => unsubscribe.forEach((off) => off()));
  for (const module of services.modules) {
    const { onReady, onClose } = module;
    if (onReady) app.addHook('onReady', () => onReady(serviceOf(services, module), services.context));
    // onClose hooks run last-registered first, so they run before the platform's (registered earlier).
    if (onClose) app.addHook('onClose', () => onClose(serviceOf(services, module), services.context));
  }

  return { app, platform, services };
}
