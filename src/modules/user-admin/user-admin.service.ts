/**
 * Account moderation (Inkstone's own /admin/v1_0 paths): ban and unban users, withdraw or grant an
 * author's real-name verification (what the media platform requires). Staff only, logged (who,
 * when, why) in the transaction of the change, and effective at once on every node:
 * - ban: status 1 → 0 and every session revoked; the user's access and refresh tokens are refused
 *   (403 "User denied.") and sign-in too (403 "Invalid user."). Unban: 0 → 1; the user signs in again.
 * - unverify: verified 1 → 0 and the media-platform sessions revoked; MP tokens stop and MP sign-in
 *   is refused until verified again. verify: 0 → 1.
 * Who may act: moderators and admins; moderators only on plain users, admins on moderators too;
 * nobody on an admin or on themselves.
 * Roles: admins set anyone's role but their own (so the last admin cannot lock everyone out by
 * mistake); effective at once, as a ban is (the role is read per request, its cache dropped here).
 */
import type { AuditService } from '../audit/audit.service.js';
import type { UserRow } from '../users/user.tables.js';
import type { UserModerationAction } from './user-moderation.tables.js';
import { conflict, forbidden, invalidField, notFound } from '../../platform/http/errors.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Role } from '../../platform/http/access.js';
import type { ActionTransition, UserActionRow, UserAdminRepository } from './user-admin.repository.js';
import { UserStatus, type UserAccounts } from '../users/user.accounts.js';

export const UNKNOWN_USER = 'The user does not exist.';
export const NOT_ALLOWED = 'Action not allowed on this user.';
export const STATE_CONFLICT = 'User status does not allow this action.';
export const REASON_MAX = 255;
export const ROLES: readonly Role[] = ['user', 'moderator', 'admin'];

export const USER_ACTIONS: Record<
  UserModerationAction,
  ActionTransition & { reasonRequired: boolean; revokes?: 'all' | 'mp' }
> = {
  ban: { column: 'status', from: UserStatus.active, to: UserStatus.disabled, reasonRequired: true, revokes: 'all' },
  unban: { column: 'status', from: UserStatus.disabled, to: UserStatus.active, reasonRequired: false },
  verify: { column: 'verified', from: 0, to: 1, reasonRequired: false },
  unverify: { column: 'verified', from: 1, to: 0, reasonRequired: true, revokes: 'mp' },
};

/** What this service needs from the session module: revoke in a transaction, then make every node see it. */
export interface SessionControl {
  revokeUserSessions(userId: bigint, options: { client?: 'app' | 'mp' }, trx: Db): Promise<bigint[]>;
  announceRevoked(ids: bigint[]): Promise<void>;
  userChanged(userId: bigint): Promise<void>;
}

export interface UserActionResult {
  id: bigint;
  user: UserRow;
  action: UserModerationAction;
  reason: string | null;
  revokedSessions: number;
  at: number;
}

export function createUserAdminService(deps: {
  users: UserAccounts;
  repository: UserAdminRepository;
  sessions: SessionControl;
  ids: IdGenerators;
  clock: Clock;
  audit: AuditService;
}) {
  const { users, repository, sessions, audit } = deps;

  async function target(id: bigint): Promise<UserRow> {
    const user = await users.findById(id);
    if (!user) throw notFound(UNKNOWN_USER);
    return user;
  }

  return {
    /** A user as staff see it, with the moderation history (newest first). */
    async detail(userId: bigint): Promise<{ user: UserRow; history: UserActionRow[] }> {
      return { user: await target(userId), history: await repository.history(userId) };
    },

    /** `actor` is staff (the route's access rule); their role decides whom they may act on. */
    async act(
      actor: { id: bigint; role: Role },
      userId: bigint,
      action: UserModerationAction,
      rawReason: string | undefined,
    ): Promise<UserActionResult> {
      const actorId = actor.id;
      const rule = USER_ACTIONS[action];
      if (!rule) throw invalidField('action', 'must be ban, unban, verify or unverify');
      const reason = rawReason?.trim() || null;
      if (rule.reasonRequired && reason === null) throw invalidField('reason', `is required to ${action} a user`);
      if (reason !== null && [...reason].length > REASON_MAX)
        throw invalidField('reason', `must be at most ${REASON_MAX} characters`);

      const user = await target(userId);
      if (userId === actorId || user.role === 'admin' || (user.role === 'moderator' && actor.role !== 'admin'))
        throw forbidden(NOT_ALLOWED);

      const id = deps.ids.content();
      const at = deps.clock.now();
      const result = await repository.apply(
        userId,
        rule,
        { id, moderator_id: actorId, action, reason, created_at: at },
        async (trx) => {
          await audit.record(
            {
              actorId,
              action: `user.${action}`,
              targetType: 'user',
              targetId: userId,
              before: { [rule.column]: rule.from },
              after: { [rule.column]: rule.to, reason },
            },
            trx,
          );
          return rule.revokes
            ? sessions.revokeUserSessions(userId, rule.revokes === 'mp' ? { client: 'mp' } : {}, trx)
            : [];
        },
      );
      if (!result.applied) throw conflict(STATE_CONFLICT);
      await sessions.announceRevoked(result.revoked);
      await sessions.userChanged(userId);
      return { id, user: await target(userId), action, reason, revokedSessions: result.revoked.length, at };
    },

    /** Admins only (the route's access rule, checked here again): sets a user's role, audited. */
    async setRole(actor: { id: bigint; role: Role }, userId: bigint, role: Role): Promise<UserRow> {
      if (!ROLES.includes(role)) throw invalidField('role', 'must be user, moderator or admin');
      if (actor.role !== 'admin' || userId === actor.id) throw forbidden(NOT_ALLOWED);
      const user = await target(userId);
      if (user.role === role) throw conflict(`The user is already ${role}.`);
      const changed = await repository.setRole(userId, user.role as Role, role, deps.clock.now(), (trx) =>
        audit.record(
          {
            actorId: actor.id,
            action: 'user.role',
            targetType: 'user',
            targetId: userId,
            before: { role: user.role },
            after: { role },
          },
          trx,
        ),
      );
      if (!changed) throw conflict(STATE_CONFLICT);
      await sessions.userChanged(userId);
      return target(userId);
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;
