import { defineModule } from '../module.js';
import { engagementEvents } from './engagement.events.js';
import { engagementRoutes } from './engagement.routes.js';
import { createEngagementService, type EngagementService } from './engagement.service.js';

declare module '../module.js' {
  interface ModuleServices {
    engagement: EngagementService;
  }
}

export const engagementModule = defineModule({
  name: 'engagement',
  needs: ['counters', 'audit'],
  events: engagementEvents,
  create: ({ platform, counters, audit }) =>
    createEngagementService({
      db: platform.db,
      counters,
      events: platform.events,
      ids: platform.ids,
      clock: platform.clock,
      logger: platform.logger,
      audit,
    }),
  routes: (app, engagement, { present }) => engagementRoutes(app, engagement, present),
  // The batched reads and history entries are written before the platform closes.
  onClose: async (engagement) => {
    await engagement.flushHistory();
    await engagement.flushReads();
  },
});
