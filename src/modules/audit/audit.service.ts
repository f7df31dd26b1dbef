/**
 * The audit log: what staff did, from the console or the admin API. Services that change state on
 * a staff member's behalf call `record` (inside their transaction when they have one, so the entry
 * commits with the change or not at all); the console and `GET /admin/v1_0/audit` read it.
 */
import type { Db } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { AuditFilter, AuditRepository, AuditRow } from './audit.repository.js';

export interface AuditEntry {
  actorId: bigint;
  /** `<area>.<verb>`: `article.reject`, `user.ban`, `order.refund`, `comment.delete`, … */
  action: string;
  targetType: string;
  targetId: bigint | string;
  /** The state the action changed, before and after; stored as JSON (bigints as strings). */
  before?: unknown;
  after?: unknown;
}

export interface AuditPage {
  rows: AuditRow[];
  /** The cursor of the next (older) page, or null at the end. */
  next: bigint | null;
}

const toJson = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

export function createAuditService(deps: { db: Db; repository: AuditRepository; ids: IdGenerators; clock: Clock }) {
  const { db, repository } = deps;
  return {
    async record(entry: AuditEntry, executor: Db = db): Promise<void> {
      await repository.insert(executor, {
        id: deps.ids.content(),
        actor_id: entry.actorId,
        action: entry.action,
        target_type: entry.targetType,
        target_id: String(entry.targetId),
        before_json: toJson(entry.before),
        after_json: toJson(entry.after),
        created_at: deps.clock.now(),
      });
    },

    async list(filter: AuditFilter, perPage: number): Promise<AuditPage> {
      const rows = await repository.list(filter, perPage);
      const more = rows.length > perPage;
      if (more) rows.length = perPage;
      return { rows, next: more ? rows[rows.length - 1]!.id : null };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
