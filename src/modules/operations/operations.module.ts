import { defineModule } from '../module.js';
import { operationsRoutes } from './operations.routes.js';
import {
  createOperationsService,
  OPERATION_JOB,
  OPERATION_KINDS,
  type OperationsService,
} from './operations.service.js';

declare module '../module.js' {
  interface ModuleServices {
    operations: OperationsService;
  }
}

/** Reindex and recount started by admins (console and admin API), run as background jobs. */
export const operationsModule = defineModule({
  name: 'operations',
  needs: ['search', 'counters', 'audit'],
  create: ({ platform, search, counters, audit }) =>
    createOperationsService({
      kv: platform.kv,
      jobs: platform.jobs,
      ids: platform.ids,
      clock: platform.clock,
      audit,
      search,
      counters,
    }),
  routes: (app, operations, { present }) => operationsRoutes(app, operations, present),
  jobs(operations, { platform }) {
    // A slot per kind: a recount need not wait behind a reindex (the kv lock keeps each kind to one).
    platform.jobs.register(OPERATION_JOB, (job: Parameters<OperationsService['run']>[0]) => operations.run(job), {
      concurrency: OPERATION_KINDS.length,
    });
  },
});
