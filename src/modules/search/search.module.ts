import { createSearchIndex } from '../../platform/search/index.js';
import { defineModule } from '../module.js';
import { catchUpProcessor, queueCatchUp } from './search.catch-up.js';
import { createSearchRepository } from './search.repository.js';
import { searchRoutes } from './search.routes.js';
import {
  CATCH_UP_JOB,
  createSearchService,
  INDEX_ARTICLE_JOB,
  type IndexArticleJob,
  type SearchService,
} from './search.service.js';

declare module '../module.js' {
  interface ModuleServices {
    search: SearchService;
  }
}

export const searchModule = defineModule({
  name: 'search',
  needs: ['articles', 'counters'],
  create: ({ platform, present, articles, counters }) =>
    createSearchService({
      index: createSearchIndex(platform.db, {
        now: platform.clock.now,
        analyzerOptions: { userDictPath: platform.config.searchUserDict ?? undefined },
      }),
      repository: createSearchRepository(platform.db),
      kv: platform.kv,
      jobs: platform.jobs,
      clock: platform.clock,
      present,
      cards: (ids) => articles.cards(ids),
      overlay: (rows) =>
        counters.overlay('article', rows, [
          'read_count',
          'like_count',
          'comment_count',
          'collect_count',
          'share_count',
        ]),
    }),
  routes: (app, search) => searchRoutes(app, search),
  jobs(search, { platform }) {
    platform.jobs.register<IndexArticleJob>(INDEX_ARTICLE_JOB, ({ articleId, rankOnly }) =>
      search.indexArticle(BigInt(articleId), { rankOnly }),
    );
    platform.jobs.register(CATCH_UP_JOB, catchUpProcessor(search, platform.logger.child({ job: CATCH_UP_JOB })), {
      concurrency: 1,
    });
    platform.scheduler.schedule('search.vocabulary', '0 */5 * * * *', async () => {
      await search.refreshVocabulary();
    });
  },
  subscribe: (search, { platform: { events } }) => [
    events.subscribe('article.changed', ({ articleId }) => search.enqueueIndex(articleId)),
    events.subscribe('comment.created', ({ articleId }) => search.enqueueIndex(articleId, true)),
  ],
  // Articles written past the index jobs (seed, import, a crash) become searchable in the background.
  onReady: (search, { platform }) => queueCatchUp(search, platform.logger),
});
