/**
 * Role guard for staff-only actions. The role lives in `users.role` ('user' | 'moderator' |
 * 'admin'); it is read on every call (never from the token), so a demotion takes effect at once.
 * Reusable by any module: pass anything that can look a user up by id (the user repository).
 */
import type { UserRow } from './user.tables.js';
import { forbidden } from '../../platform/http/errors.js';

export type Role = UserRow['role'];

export interface UserLookup {
  findById(id: bigint): Promise<Pick<UserRow, 'role' | 'status'> | undefined>;
}

/** Resolves with the user's role when it is one of `roles`; otherwise a 403 with `message`. */
export async function requireRole(
  users: UserLookup,
  userId: bigint,
  roles: readonly Role[],
  message = 'Admin only.',
): Promise<Role> {
  const user = await users.findById(userId);
  if (!user || user.status !== 1 || !roles.includes(user.role)) throw forbidden(message);
  return user.role;
}
