import { defineModule } from '../module.js';
import { commentEvents } from './comment.events.js';
import { createCommentRepository } from './comment.repository.js';
import { commentRoutes } from './comment.routes.js';
import { createCommentService, type CommentService } from './comment.service.js';

declare module '../module.js' {
  interface ModuleServices {
    comments: CommentService;
  }
}

export const commentsModule = defineModule({
  name: 'comments',
  needs: ['counters'],
  events: commentEvents,
  create: ({ platform, counters }) =>
    createCommentService({
      comments: createCommentRepository(platform.db),
      counters,
      events: platform.events,
      ids: platform.ids,
      clock: platform.clock,
    }),
  routes: (app, comments, { present }) => commentRoutes(app, comments, present),
});
