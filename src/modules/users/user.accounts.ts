/**
 * The accounts part of the users module that other modules use (sign-in, sessions, roles): look a
 * user up, create one with a unique default name, set credentials. The rest of the repository stays
 * inside the module.
 */
import type { UserRepository } from './user.repository.js';

export { UserStatus } from './user.repository.js';

export type UserAccounts = Pick<
  UserRepository,
  'findById' | 'findByMobile' | 'findByLogin' | 'access' | 'insertNamed' | 'setCredentials'
>;

export function userAccounts(users: UserRepository): UserAccounts {
  return {
    findById: (id) => users.findById(id),
    findByMobile: (mobile) => users.findByMobile(mobile),
    findByLogin: (login) => users.findByLogin(login),
    access: (id) => users.access(id),
    insertNamed: (user, nameFor) => users.insertNamed(user, nameFor),
    setCredentials: (id, stored, options) => users.setCredentials(id, stored, options),
  };
}
