import { defineModule } from '../module.js';
import { createFeedRepository } from './feed.repository.js';
import { feedRoutes } from './feed.routes.js';
import { createFeedService, type FeedService } from './feed.service.js';

declare module '../module.js' {
  interface ModuleServices {
    feed: FeedService;
  }
}

export const feedModule = defineModule({
  name: 'feed',
  needs: ['articles', 'counters', 'channels', 'relations', 'engagement'],
  create: ({ platform, articles, counters, channels, relations, engagement }) =>
    createFeedService({
      articles,
      repository: createFeedRepository(platform.db),
      signals: {
        savedChannelIds: channels.savedChannelIds,
        followedAuthors: relations.followedAuthors,
        blockedAuthors: relations.blacklistedAuthors,
        recentAttitudes: engagement.recentAttitudes,
        recentReads: engagement.recentReads,
      },
      cache: platform.cache,
      kv: platform.kv,
      counters,
      clock: platform.clock,
    }),
  routes: (app, feed) => feedRoutes(app, feed),
  // A reader's recommendations change with what they like and whom they follow.
  subscribe: (feed, { platform }) => [
    platform.events.subscribe('article.liked', ({ actorId }) => feed.forgetReader(actorId)),
    platform.events.subscribe('user.followed', ({ actorId }) => feed.forgetReader(actorId)),
  ],
});
