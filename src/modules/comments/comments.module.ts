import { defineModule } from '../module.js';
import { commentEvents } from './comment.events.js';
import { createCommentModerationRepository } from './comment-moderation.repository.js';
import { commentModerationRoutes } from './comment-moderation.routes.js';
import { createCommentModerationService, type CommentModerationService } from './comment-moderation.service.js';
import { createCommentRepository } from './comment.repository.js';
import { commentRoutes } from './comment.routes.js';
import { createCommentService, type CommentService } from './comment.service.js';
import * as commentReports from './migrations/0014-comment-reports.js';

declare module '../module.js' {
  interface ModuleServices {
    /** The readers' and authors' comments, plus `moderation`: reports and the staff's tools. */
    comments: CommentService & { moderation: CommentModerationService };
  }
}

export const commentsModule = defineModule({
  name: 'comments',
  needs: ['counters', 'audit'],
  migrations: { '0014-comment-reports': commentReports },
  events: commentEvents,
  create: ({ platform, counters, audit }) => {
    const comments = createCommentRepository(platform.db);
    return {
      ...createCommentService({
        comments,
        counters,
        events: platform.events,
        ids: platform.ids,
        clock: platform.clock,
      }),
      moderation: createCommentModerationService({
        db: platform.db,
        comments,
        moderation: createCommentModerationRepository(platform.db),
        counters,
        audit,
        clock: platform.clock,
      }),
    };
  },
  routes: (app, comments, { present }) => {
    commentRoutes(app, comments, present);
    commentModerationRoutes(app, comments.moderation, present);
  },
});
