import { defineModule } from '../module.js';
import { createStatisticsRepository } from './mp-statistics.repository.js';
import { statisticsRoutes } from './mp-statistics.routes.js';
import { createStatisticsService, type StatisticsService } from './mp-statistics.service.js';

declare module '../module.js' {
  interface ModuleServices {
    mpStatistics: StatisticsService;
  }
}

export const mpStatisticsModule = defineModule({
  name: 'mpStatistics',
  needs: ['counters', 'engagement'],
  create: ({ platform, counters, engagement }) =>
    createStatisticsService({
      repo: createStatisticsRepository(platform.db),
      counters,
      time: platform.time,
      clock: platform.clock,
      beforeRead: engagement.flushReads,
    }),
  routes: (app, mpStatistics) => statisticsRoutes(app, mpStatistics),
});
