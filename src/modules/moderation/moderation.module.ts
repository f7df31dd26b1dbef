import { defineModule } from '../module.js';
import { moderationRoutes } from './moderation.routes.js';
import { createModerationService, type ModerationService } from './moderation.service.js';

declare module '../module.js' {
  interface ModuleServices {
    moderation: ModerationService;
  }
}

export const moderationModule = defineModule({
  name: 'moderation',
  needs: ['mpArticles', 'review', 'audit'],
  create: ({ platform, mpArticles, review, audit }) =>
    createModerationService({
      articles: mpArticles,
      decisions: review.decisions,
      ids: platform.ids,
      audit,
    }),
  routes: (app, moderation, { present }) => moderationRoutes(app, moderation, present),
});
