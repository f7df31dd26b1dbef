import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { AuditLogTable } from './audit.tables.js';

export type AuditRow = Selectable<AuditLogTable> & { actor_name: string | null };

export interface AuditFilter {
  actorId?: bigint;
  /** An exact action (`user.ban`) or an area (`user.`: every action on users). */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Keyset: entries older than this id (ids are time-ordered). */
  before?: bigint;
}

export function createAuditRepository(db: Db) {
  return {
    async insert(executor: Db, row: Insertable<AuditLogTable>): Promise<void> {
      await executor.insertInto('audit_log').values(row).execute();
    },

    /** Newest first, `limit` + 1 rows asked so the caller knows whether there is more. */
    async list(filter: AuditFilter, limit: number): Promise<AuditRow[]> {
      let query = db
        .selectFrom('audit_log as l')
        .leftJoin('users as u', 'u.id', 'l.actor_id')
        .select([
          'l.id',
          'l.actor_id',
          'l.action',
          'l.target_type',
          'l.target_id',
          'l.before_json',
          'l.after_json',
          'l.created_at',
          'u.name as actor_name',
        ]);
      if (filter.actorId !== undefined) query = query.where('l.actor_id', '=', filter.actorId);
      if (filter.action !== undefined) {
        query = filter.action.endsWith('.')
          ? query.where('l.action', 'like', `${filter.action.replace(/[%_\\]/g, '')}%`)
          : query.where('l.action', '=', filter.action);
      }
      if (filter.targetType !== undefined) query = query.where('l.target_type', '=', filter.targetType);
      if (filter.targetId !== undefined) query = query.where('l.target_id', '=', filter.targetId);
      if (filter.before !== undefined) query = query.where('l.id', '<', filter.before);
      return query
        .orderBy('l.id', 'desc')
        .limit(limit + 1)
        .execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
