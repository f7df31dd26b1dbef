/**
 * Every feature module, once. The order is the order of route registration (the route map first);
 * services are built in dependency order whatever the order here. A new feature adds one line.
 */
import { announcementsModule } from './announcements/announcements.module.js';
import { articlesModule } from './articles/articles.module.js';
import { auditModule } from './audit/audit.module.js';
import { assetsModule } from './assets/assets.module.js';
import { authModule } from './auth/auth.module.js';
import { channelsModule } from './channels/channels.module.js';
import { chatModule } from './chat/chat.module.js';
import { commentsModule } from './comments/comments.module.js';
import { countersModule } from './counters/counters.module.js';
import { engagementModule } from './engagement/engagement.module.js';
import { feedModule } from './feed/feed.module.js';
import { healthModule } from './health/health.module.js';
import type { DeclaredEvents } from './module.js';
import { moderationModule } from './moderation/moderation.module.js';
import { mpArticlesModule } from './mp-articles/mp-articles.module.js';
import { mpImagesModule } from './mp-images/mp-images.module.js';
import { mpStatisticsModule } from './mp-statistics/mp-statistics.module.js';
import { notificationsModule } from './notifications/notifications.module.js';
import { oauthModule } from './oauth/oauth.module.js';
import { operationsModule } from './operations/operations.module.js';
import { paymentsModule } from './payments/payments.module.js';
import { relationsModule } from './relations/relations.module.js';
import { reviewModule } from './review/review.module.js';
import { routeMapModule } from './route-map/route-map.module.js';
import { searchModule } from './search/search.module.js';
import { userAdminModule } from './user-admin/user-admin.module.js';
import { usersModule } from './users/users.module.js';
import { webModule } from './web/web.module.js';
import { consoleModule } from './console/console.module.js';
import type { EventName } from '../platform/events/events.js';

export const modules = [
  routeMapModule,
  healthModule,
  assetsModule,
  countersModule,
  auditModule,
  channelsModule,
  announcementsModule,
  articlesModule,
  feedModule,
  commentsModule,
  authModule,
  usersModule,
  relationsModule,
  mpImagesModule,
  mpStatisticsModule,
  reviewModule,
  mpArticlesModule,
  moderationModule,
  userAdminModule,
  engagementModule,
  searchModule,
  operationsModule,
  paymentsModule,
  notificationsModule,
  chatModule,
  webModule,
  consoleModule,
  oauthModule,
] as const;

// Every declared domain event has its log subject in some module's manifest: one missing fails here.
type Undescribed = Exclude<EventName, DeclaredEvents<typeof modules>>;
export const everyEventDescribed: [Undescribed] extends [never] ? true : Undescribed = true;
