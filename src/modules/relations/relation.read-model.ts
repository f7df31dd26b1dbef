/**
 * What other modules may know about relations (a declared read model): whether a viewer follows a
 * user, as a subquery to compose into a query of their own, so a page that needs the follow flag
 * beside flags of its own tables (the article detail's is_followed, attitude, is_collected) asks
 * the database once. Only the relations module writes `follows`.
 */
import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../../platform/db/schema.js';

/** `EXISTS (SELECT 1 FROM follows WHERE user_id = viewer AND target_user_id = target)` (primary key lookup). */
export function followsUser<DB extends Database, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  viewerId: bigint,
  targetId: bigint,
) {
  const inner = eb as unknown as ExpressionBuilder<Database, never>;
  return inner.exists(
    inner
      .selectFrom('follows')
      .select('user_id')
      .where('user_id', '=', viewerId)
      .where('target_user_id', '=', targetId),
  );
}
