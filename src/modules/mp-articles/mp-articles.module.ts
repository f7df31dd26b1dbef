/**
 * The media platform's publishing pipeline (M10–M15): the HTML sanitizer, the sensitive-word filter,
 * the review policy (from ../review) and the author's article service.
 *
 * Deployment options: REVIEW_POLICY ('auto': clean submissions are approved at once, flagged ones
 * wait; 'manual': everything waits), CONTENT_IMAGE_ORIGINS (origins article images may come from,
 * besides PUBLIC_URL and the storage's public base) and SENSITIVE_WORDS_FILE (added to the admins' list, polled).
 */
import { createHtmlSanitizer } from '../../platform/sanitize/html.js';
import { defineModule } from '../module.js';
import { createMpArticleRepository } from './mp-article.repository.js';
import { mpArticleRoutes } from './mp-article.routes.js';
import { createMpArticleService, storageBase, type MpArticleService } from './mp-article.service.js';

declare module '../module.js' {
  interface ModuleServices {
    mpArticles: MpArticleService;
  }
}

export const mpArticlesModule = defineModule({
  name: 'mpArticles',
  needs: ['channels', 'counters', 'review'],
  create({ platform, channels, counters, review }) {
    const { config, storage } = platform;
    const base = storageBase(storage);
    return createMpArticleService({
      articles: createMpArticleRepository(platform.db),
      channels,
      sanitizer: createHtmlSanitizer({
        imageOrigins: [config.publicUrl, ...(base ? [base] : []), ...config.contentImageOrigins],
      }),
      // The admins' list (console and admin API) plus SENSITIVE_WORDS_FILE: see ../review/sensitive-words.service.ts.
      words: review.words.filter,
      review: review.policy,
      counters,
      events: platform.events,
      ids: platform.ids,
      clock: platform.clock,
      storage,
      timeZone: config.timeZone,
    });
  },
  routes: (app, mpArticles, { present, services }) => mpArticleRoutes(app, mpArticles, services.channels, present),
});
