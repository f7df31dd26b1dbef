import { Type, type Static } from 'typebox';
import type { AuditFilter } from './audit.repository.js';

/** The audit log's filters, shared by the API and the console (both put them in the URL). */
export const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$', description: 'the staff member’s user id' })),
  action: Type.Optional(
    Type.String({
      pattern: '^[a-z_-]{1,24}(\\.[a-z_-]{0,23})?$',
      description: 'an action (user.ban) or an area with its dot (user.)',
    }),
  ),
  target_type: Type.Optional(Type.String({ pattern: '^[a-z_-]{1,24}$' })),
  target_id: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z_-]{1,40}$' })),
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$', description: 'cursor: the `next` of a page' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export function auditFilter(q: Omit<AuditQuery, 'before'> & { before?: bigint }): AuditFilter {
  return {
    ...(q.actor ? { actorId: BigInt(q.actor) } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.target_type ? { targetType: q.target_type } : {}),
    ...(q.target_id ? { targetId: q.target_id } : {}),
    ...(q.before !== undefined ? { before: q.before } : {}),
  };
}
