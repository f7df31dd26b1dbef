import { defineModule } from '../module.js';
import { articleEvents } from './article.events.js';
import { createArticleRepository } from './article.repository.js';
import { articleRoutes } from './article.routes.js';
import { createArticleService, type ArticleService } from './article.service.js';

declare module '../module.js' {
  interface ModuleServices {
    articles: ArticleService;
  }
}

export const articlesModule = defineModule({
  name: 'articles',
  needs: ['channels', 'counters'],
  events: articleEvents,
  create: ({ platform, present, channels, counters }) =>
    createArticleService(createArticleRepository(platform.db), channels, {
      cache: platform.cache,
      kv: platform.kv,
      counters,
      present,
    }),
  routes(app, articles, { present, services }) {
    // A34's per-reader parts come from the modules that own them.
    articleRoutes(app, articles, present, {
      // One query (engagement's tables and the relations read model), not three.
      viewerFlags: (userId, article) => services.engagement.viewerFlags(userId, article),
      onRead: (userId, article, source) => services.engagement.recordRead(userId, article.id, article.user_id, source),
      contentAccess: async (userId, article) => {
        const access = await services.payments.contentAccess(userId, {
          id: article.id,
          authorId: article.user_id,
          priceCents: article.priceCents,
        });
        return {
          full: access.full,
          purchased: access.purchased,
          preview: access.full ? undefined : services.payments.previewOf(article.content),
        };
      },
    });
  },
  subscribe: (articles, { platform }) => [
    platform.events.subscribe('article.changed', ({ articleId }) => articles.invalidateArticle(articleId)),
  ],
});
