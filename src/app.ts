/**
 * buildApp: platform first (config, database, kv, jobs, scheduler, storage), then the HTTP layer,
 * then the feature modules, in that order. Tests, the server and the benchmark all build the app
 * through here, so they run exactly what production runs.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './platform/clock.js';
import { trustProxyFunction } from './platform/http/client-address.js';
import { registerHttpLayer, requestIdFrom } from './platform/http/http-layer.js';
import { loggerOptions } from './platform/logger.js';
import { createPlatform, type Platform } from './platform/platform.js';
import { DiskStorage, registerDiskMedia, registerPrivateMedia } from './platform/storage/index.js';
import { registerAuth } from './platform/http/auth.js';
import { registerHttpCache } from './platform/http/http-cache.js';
import { registerMetrics } from './platform/metrics/index.js';
import { registerRateLimits } from './platform/rate-limit/index.js';
import { articleRoutes } from './modules/articles/article.routes.js';
import { feedRoutes } from './modules/feed/feed.routes.js';
import { assetRoutes } from './modules/assets/assets.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { passwordRoutes } from './modules/auth/password.routes.js';
import { channelRoutes } from './modules/channels/channel.routes.js';
import { announcementRoutes } from './modules/announcements/announcement.routes.js';
import { routeMapRoutes } from './modules/route-map/route-map.routes.js';
import { commentRoutes } from './modules/comments/comment.routes.js';
import { engagementRoutes } from './modules/engagement/engagement.routes.js';
import { notificationRoutes } from './modules/notifications/notification.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { relationRoutes } from './modules/relations/relation.routes.js';
import { imageLibraryRoutes } from './modules/mp-images/mp-image.routes.js';
import { statisticsRoutes } from './modules/mp-statistics/mp-statistics.routes.js';
import { mpArticleRoutes } from './modules/mp-articles/mp-article.routes.js';
import { moderationRoutes } from './modules/moderation/moderation.routes.js';
import { userRoutes } from './modules/users/user.routes.js';
import { userAdminRoutes } from './modules/users/user-admin.routes.js';
import { searchRoutes } from './modules/search/search.routes.js';
import { queueCatchUp } from './modules/search/search.catch-up.js';
import { paymentRoutes } from './modules/payments/payment.routes.js';
import { createServices, type Services } from './services.js';
import { registerJobProcessors, registerSchedules } from './jobs.js';

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

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const logger = options.platform?.logger ?? pino(loggerOptions(config));
  const platform = options.platform ?? (await createPlatform(config, logger, options.clock));

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our http layer writes one line per request itself (with route and user).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (request) => requestIdFrom(request.headers['x-request-id'], randomUUID),
    // As a function: Fastify 5 ignores a bare hop count (see client-address.ts).
    trustProxy: trustProxyFunction(config.trustProxy),
    bodyLimit: config.bodyLimit,
    forceCloseConnections: 'idle',
    // Generous: booting every module on a loaded 2-core machine can pass Fastify's 10 s default.
    pluginTimeout: 60_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  if (!options.platform) app.addHook('onClose', () => platform.close());

  const services = options.services ?? createServices(platform);
  if (!options.services) {
    registerJobProcessors(platform, services);
    registerSchedules(platform, services);
  }

  // Order matters: cross-cutting hooks first, so every route registered after them is covered.
  await registerHttpLayer(app, config);
  registerAuth(app, services.sessions.authenticator);
  registerHttpCache(app);
  registerMetrics(app, platform.metrics, config);
  registerRateLimits(app, {
    kv: platform.kv,
    defaultRule: config.defaultRateLimit ?? undefined,
    now: platform.clock.now,
  });

  // First of the routes: A01/M01 list every route registered after this call.
  routeMapRoutes(app);
  healthRoutes(app, platform);
  assetRoutes(app);
  if (platform.storage instanceof DiskStorage) registerDiskMedia(app, platform.storage);
  registerPrivateMedia(app, platform.storage, services.privateMedia);
  channelRoutes(app, services.channelService);
  announcementRoutes(app, services.announcements, services.present);
  articleRoutes(app, services.articles, services.present, {
    // A34's per-reader parts come from the modules that own them.
    viewerFlags: async (userId, article) => {
      const [isFollowed, attitude, isCollected] = await Promise.all([
        services.relations.isFollowing(userId, article.user_id),
        services.engagement.attitudeOf(userId, article.id),
        services.engagement.isCollected(userId, article.id),
      ]);
      return { isFollowed, attitude, isCollected };
    },
    onRead: (userId, article, source) => services.engagement.recordRead(userId, article.id, article.user_id, source),
    contentAccess: async (userId, article) => {
      const access = await services.payments.contentAccess(userId, {
        id: article.id,
        authorId: article.user_id,
        priceCents: article.priceCents,
      });
      return {
        full: access.full,
        purchased: access.purchased,
        preview: access.full ? undefined : services.payments.previewOf(article.content),
      };
    },
  });
  feedRoutes(app, services.feed);
  commentRoutes(app, services.comments, services.present);
  authRoutes(app, services.auth, services.present);
  userRoutes(app, services.userProfiles, services.present, services.sessions.authenticator);
  passwordRoutes(app, services.passwords);
  relationRoutes(app, services.relations, services.present);
  imageLibraryRoutes(app, services.mpImages, services.present);
  statisticsRoutes(app, services.mpStatistics);
  mpArticleRoutes(app, services.mediaPlatform.articles, services.channelService, services.present);
  moderationRoutes(app, services.mediaPlatform.moderation, services.present);
  userAdminRoutes(app, services.userAdmin, services.present);
  engagementRoutes(app, services.engagement, services.present);
  searchRoutes(app, services.search);
  paymentRoutes(app, services.payments, services.present);
  notificationRoutes(app, services.notifications, services.present, config);
  // Socket.IO on this app's HTTP server (closed in preClose); notifications follow the domain events while the app runs.
  await services.realtime.attach(app, services.sessions.authenticator);
  app.addHook('onClose', services.notifications.start());
  // Articles written past the index jobs (seed, import, a crash) become searchable in the background.
  app.addHook('onReady', () => queueCatchUp(services.search, platform.logger));
  // onClose hooks run last-registered first: the batched reads are written before the platform closes.
  app.addHook('onClose', () => services.engagement.flushReads());

  return { app, platform, services };
}
