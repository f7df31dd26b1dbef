/**
 * The composition root: every feature service built once from the platform. The HTTP app, the
 * job processors and the CLI all take their services from here, so a feature is wired one way.
 */
import type { Platform } from './platform/platform.js';
import { mediaUrl } from './platform/media-url.js';
import type { PresenterContext } from './platform/presenter.js';
import { createPrivateMediaSigner } from './platform/storage/index.js';
import { createArticleRepository } from './modules/articles/article.repository.js';
import { createArticleService } from './modules/articles/article.service.js';
import { createFeedRepository } from './modules/feed/feed.repository.js';
import { createFeedService } from './modules/feed/feed.service.js';
import { DEFAULT_AVATAR_PATH } from './modules/assets/assets.routes.js';
import { createAuthService } from './modules/auth/auth.service.js';
import { createPasswordService } from './modules/auth/password.service.js';
import { createSessionRepository } from './modules/auth/session.repository.js';
import { createSessionService } from './modules/auth/session.service.js';
import { createSmsCodeService } from './modules/auth/sms-code.service.js';
import { createTokenService } from './modules/auth/token.service.js';
import { createChannelRepository } from './modules/channels/channel.repository.js';
import { createChannelService } from './modules/channels/channel.service.js';
import { createAnnouncementRepository } from './modules/announcements/announcement.repository.js';
import { createAnnouncementService } from './modules/announcements/announcement.service.js';
import { createCommentRepository } from './modules/comments/comment.repository.js';
import { createCommentService } from './modules/comments/comment.service.js';
import { createCounterService } from './modules/counters/counter.service.js';
import { createEngagementService } from './modules/engagement/engagement.service.js';
import { createRelationRepository } from './modules/relations/relation.repository.js';
import { createRelationService } from './modules/relations/relation.service.js';
import { createImageLibraryRepository } from './modules/mp-images/mp-image.repository.js';
import { createImageLibraryService } from './modules/mp-images/mp-image.service.js';
import { createStatisticsRepository } from './modules/mp-statistics/mp-statistics.repository.js';
import { createStatisticsService } from './modules/mp-statistics/mp-statistics.service.js';
import { createUserRepository } from './modules/users/user.repository.js';
import { createUserService } from './modules/users/user.service.js';
import { createUserAdminRepository } from './modules/users/user-admin.repository.js';
import { createUserAdminService } from './modules/users/user-admin.service.js';
import { createMediaPlatform } from './modules/mp-articles/media-platform.js';
import { RateLimiter } from './platform/rate-limit/index.js';
import { createRealtime } from './platform/realtime/index.js';
import { createNotificationRepository } from './modules/notifications/notification.repository.js';
import { createNotificationService } from './modules/notifications/notification.service.js';
import { createLikeArticleFinder } from './modules/chat/article-finder.js';
import { chatHandler, createChatBot } from './modules/chat/chat.service.js';
import { createPaymentService } from './modules/payments/payment.service.js';

import { createSearchIndex } from './platform/search/index.js';
import { createSearchRepository } from './modules/search/search.repository.js';
import { createSearchService } from './modules/search/search.service.js';

export function createServices(platform: Platform) {
  const { config, db, kv, jobs, ids, clock } = platform;

  // Signs the links presenters hand out and verifies them at /media-private (app.ts).
  const privateMedia = createPrivateMediaSigner({
    secret: config.jwtSecret,
    publicUrl: config.publicUrl,
    now: () => clock.now(),
  });
  const present: PresenterContext = {
    time: platform.time,
    media: (stored) => mediaUrl(platform.storage, stored),
    privateMedia: (key) => privateMedia.url(key),
    avatar: (stored) => (stored ? mediaUrl(platform.storage, stored) : `${config.publicUrl}${DEFAULT_AVATAR_PATH}`),
  };

  const counters = createCounterService({ kv, db, now: clock.now });
  const engagement = createEngagementService({
    db,
    counters,
    events: platform.events,
    ids,
    clock,
    logger: platform.logger,
  });
  const channels = createChannelRepository(db);
  const articles = createArticleService(createArticleRepository(db), channels, {
    cache: platform.cache,
    kv,
    counters,
    present,
    events: platform.events,
  });
  const feed = createFeedService({
    articles,
    repository: createFeedRepository(db),
    cache: platform.cache,
    kv,
    counters,
    clock,
    events: platform.events,
  });
  const comments = createCommentService({
    comments: createCommentRepository(db),
    counters,
    events: platform.events,
    ids,
    clock,
  });
  const relations = createRelationService({
    relations: createRelationRepository(db),
    counters,
    events: platform.events,
    clock,
  });

  const users = createUserRepository(db);
  const tokens = createTokenService({
    secret: config.jwtSecret,
    accessTtlSeconds: config.auth.accessTtlSeconds,
    refreshTtlSeconds: config.auth.refreshTtlSeconds,
    clock,
  });
  const sessions = createSessionService({
    config: config.auth,
    tokens,
    sessions: createSessionRepository(db),
    users,
    kv,
    ids,
    clock,
    logger: platform.logger,
  });
  const userAdmin = createUserAdminService({ users, repository: createUserAdminRepository(db), sessions, ids, clock });
  const codes = createSmsCodeService({ kv, jobs, demoCode: config.auth.demoSmsCode });
  const auth = createAuthService({ users, sessions, codes, ids, clock });
  const passwords = createPasswordService({ users, sessions, codes, kv, ids, clock });

  const channelService = createChannelService({ channels, cache: platform.cache, now: clock.now });
  const announcements = createAnnouncementService({
    announcements: createAnnouncementRepository(db),
    users,
    cache: platform.cache,
    kv,
    events: platform.events,
    newId: () => ids.content(),
    now: clock.now,
  });

  const userProfiles = createUserService({
    users,
    storage: platform.storage,
    clock,
    time: platform.time,
    relations,
    counters,
    logger: platform.logger,
    presence: { isOnline: (id) => realtime.isOnline(id) },
  });
  const mpImages = createImageLibraryService({
    images: createImageLibraryRepository(db),
    storage: platform.storage,
    ids,
    clock,
    logger: platform.logger,
  });
  const mpStatistics = createStatisticsService({
    repo: createStatisticsRepository(db),
    counters,
    time: platform.time,
    clock,
    beforeRead: engagement.flushReads,
  });

  // Media-platform articles (M10–M15), the review policy and moderation.
  const mediaPlatform = createMediaPlatform(
    platform,
    { counters, channels, users },
    {
      reviewPolicy: config.reviewPolicy,
      imageOrigins: config.contentImageOrigins,
      sensitiveWords: config.sensitiveWordsFile ? { file: config.sensitiveWordsFile, watchMs: 60_000 } : undefined,
    },
  );

  // Realtime (Socket.IO, attached to the HTTP server in app.ts), stored notifications and the chat bot.
  const realtime = createRealtime({ config, kv, logger: platform.logger.child({ port: 'realtime' }) });
  const notifications = createNotificationService({
    repository: createNotificationRepository(db),
    sink: realtime,
    events: platform.events,
    present,
    ids,
    clock,
    logger: platform.logger,
  });
  const chat = createChatBot({ finder: createLikeArticleFinder(db), demoCode: config.auth.demoSmsCode });
  realtime.onConnection(
    chatHandler({ bot: chat, limiter: new RateLimiter(kv, { now: clock.now }), clock, logger: platform.logger }),
  );

  const search = createSearchService({
    index: createSearchIndex(db, {
      now: clock.now,
      analyzerOptions: { userDictPath: config.searchUserDict ?? undefined },
    }),
    repository: createSearchRepository(db),
    kv,
    jobs,
    clock,
    present,
    cards: (ids) => articles.cards(ids),
    overlay: (rows) =>
      counters.overlay('article', rows, ['read_count', 'like_count', 'comment_count', 'collect_count', 'share_count']),
    events: platform.events,
  });
  // Paid articles, tips, the ledger and refunds (Alipay, or its simulator outside production).
  const payments = createPaymentService({ platform, users });

  return {
    privateMedia,
    payments,
    mediaPlatform,
    mpImages,
    mpStatistics,
    realtime,
    notifications,
    chat,
    channelService,
    announcements,
    present,
    engagement,
    comments,
    userProfiles,
    userAdmin,
    counters,
    relations,
    channels,
    articles,
    users,
    tokens,
    sessions,
    codes,
    auth,
    passwords,
    feed,
    search,
  };
}

export type Services = ReturnType<typeof createServices>;
