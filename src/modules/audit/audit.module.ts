import { defineModule } from '../module.js';
import * as auditLog from './migrations/0012-audit-log.js';
import { createAuditRepository } from './audit.repository.js';
import { auditRoutes } from './audit.routes.js';
import { createAuditService, type AuditService } from './audit.service.js';

declare module '../module.js' {
  interface ModuleServices {
    audit: AuditService;
  }
}

export const auditModule = defineModule({
  name: 'audit',
  migrations: { '0012-audit-log': auditLog },
  create: ({ platform }) =>
    createAuditService({
      db: platform.db,
      repository: createAuditRepository(platform.db),
      ids: platform.ids,
      clock: platform.clock,
    }),
  routes: (app, audit, { present }) => auditRoutes(app, audit, present),
});
