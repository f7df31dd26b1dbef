import { defineModule } from '../module.js';
import { announcementEvents } from './announcement.events.js';
import { createAnnouncementRepository } from './announcement.repository.js';
import { announcementRoutes } from './announcement.routes.js';
import { createAnnouncementService, type AnnouncementService } from './announcement.service.js';

declare module '../module.js' {
  interface ModuleServices {
    announcements: AnnouncementService;
  }
}

export const announcementsModule = defineModule({
  name: 'announcements',
  events: announcementEvents,
  needs: ['audit'],
  create: ({ platform, audit }) =>
    createAnnouncementService({
      announcements: createAnnouncementRepository(platform.db),
      cache: platform.cache,
      kv: platform.kv,
      events: platform.events,
      newId: () => platform.ids.content(),
      now: platform.clock.now,
      audit,
    }),
  routes: (app, announcements, { present }) => announcementRoutes(app, announcements, present),
});
