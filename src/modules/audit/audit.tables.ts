/**
 * The audit log (migration 0012-audit-log): every staff action from the console or the admin API,
 * with who, when, on what, and the state before and after (JSON). Declared by augmenting `Database`.
 */
export interface AuditLogTable {
  id: bigint;
  actor_id: bigint;
  /** `<area>.<verb>`, e.g. `article.reject`, `user.ban`, `order.refund`. */
  action: string;
  /** article | user | order | comment | channel | announcement | … */
  target_type: string;
  target_id: string;
  before_json: string | null;
  after_json: string | null;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    audit_log: AuditLogTable;
  }
}
