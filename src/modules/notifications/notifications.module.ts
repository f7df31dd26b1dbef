import { defineModule } from '../module.js';
import * as realtimeTables from './migrations/0006-realtime.js';
import { createNotificationRepository } from './notification.repository.js';
import { notificationRoutes } from './notification.routes.js';
import { createNotificationService, type NotificationService } from './notification.service.js';

declare module '../module.js' {
  interface ModuleServices {
    notifications: NotificationService;
  }
}

export const notificationsModule = defineModule({
  name: 'notifications',
  migrations: { '0006-realtime': realtimeTables },
  create: ({ platform, present, realtime }) =>
    createNotificationService({
      repository: createNotificationRepository(platform.db),
      sink: realtime,
      present,
      ids: platform.ids,
      clock: platform.clock,
      logger: platform.logger,
    }),
  routes: (app, notifications, { present, platform }) =>
    notificationRoutes(app, notifications, present, platform.config),
  // Which event tells whom what. Replies are not announced (as in the original backend).
  subscribe: (notifications, { platform: { events } }) => [
    events.subscribe('user.followed', async (e) => {
      await notifications.notify({ type: 'follow', recipientId: e.targetUserId, actorId: e.actorId, at: e.at });
    }),
    events.subscribe('article.liked', async (e) => {
      await notifications.notify({
        type: 'like',
        recipientId: e.authorId,
        actorId: e.actorId,
        articleId: e.articleId,
        at: e.at,
      });
    }),
    events.subscribe('comment.created', async (e) => {
      if (e.parentId !== null) return;
      await notifications.notify({
        type: 'comment',
        recipientId: e.authorId,
        actorId: e.actorId,
        articleId: e.articleId,
        commentId: e.commentId,
        at: e.at,
      });
    }),
    events.subscribe('announcement.published', (e) => notifications.announce(e)),
  ],
});
