import type { UserRow } from '../users/user.tables.js';
import type { PresenterContext } from '../../platform/presenter.js';
import type { UserActionRow } from './user-admin.repository.js';
import type { UserActionResult } from './user-admin.service.js';

export function presentAccount(user: UserRow) {
  return { id: user.id, name: user.name, role: user.role, status: user.status, verified: user.verified === 1 };
}

export function presentAccountDetail(ctx: PresenterContext, user: UserRow, history: UserActionRow[]) {
  return {
    ...presentAccount(user),
    created_at: ctx.time.plain(user.created_at),
    actions: history.map((a) => ({
      id: a.id,
      moderator_id: a.moderator_id,
      moderator_name: a.moderator_name,
      action: a.action,
      reason: a.reason,
      created_at: ctx.time.plain(a.created_at),
    })),
  };
}

export function presentAction(ctx: PresenterContext, result: UserActionResult) {
  return {
    id: result.id,
    user_id: result.user.id,
    action: result.action,
    reason: result.reason,
    user: presentAccount(result.user),
    revoked_sessions: result.revokedSessions,
    created_at: ctx.time.plain(result.at),
  };
}
