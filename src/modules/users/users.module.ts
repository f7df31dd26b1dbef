import { defineModule } from '../module.js';
import { userAccounts, type UserAccounts } from './user.accounts.js';
import { createUserRepository } from './user.repository.js';
import { userRoutes } from './user.routes.js';
import { createUserService, type UserService } from './user.service.js';

export interface UsersModule {
  /** Look-ups and account writes other modules need (sign-in, roles). */
  accounts: UserAccounts;
  /** Profiles (A22–A27 and /user): what the routes serve. */
  profiles: UserService;
}

declare module '../module.js' {
  interface ModuleServices {
    users: UsersModule;
  }
}

export const usersModule = defineModule({
  name: 'users',
  needs: ['relations', 'counters'],
  create({ platform, realtime, relations, counters }) {
    const repository = createUserRepository(platform.db);
    const profiles = createUserService({
      users: repository,
      storage: platform.storage,
      clock: platform.clock,
      time: platform.time,
      relations,
      counters,
      logger: platform.logger,
      presence: { isOnline: (id) => realtime.isOnline(id) },
    });
    return { accounts: userAccounts(repository), profiles };
  },
  routes: (app, users, { present, services }) =>
    userRoutes(app, users.profiles, present, services.auth.sessions.authenticator),
});
