import { defineModule } from '../module.js';
import * as userModeration from './migrations/0011-user-moderation.js';
import { createUserAdminRepository } from './user-admin.repository.js';
import { userAdminRoutes } from './user-admin.routes.js';
import { createUserAdminService, type UserAdminService } from './user-admin.service.js';

declare module '../module.js' {
  interface ModuleServices {
    userAdmin: UserAdminService;
  }
}

export const userAdminModule = defineModule({
  name: 'userAdmin',
  needs: ['users', 'auth', 'audit'],
  migrations: { '0011-user-moderation': userModeration },
  create: ({ platform, users, auth, audit }) =>
    createUserAdminService({
      users: users.accounts,
      repository: createUserAdminRepository(platform.db),
      sessions: auth.sessions,
      ids: platform.ids,
      clock: platform.clock,
      audit,
    }),
  routes: (app, userAdmin, { present }) => userAdminRoutes(app, userAdmin, present),
});
