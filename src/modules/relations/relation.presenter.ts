/** Relation rows → the contract's list items (A24, A25, M09). */
import type { PresenterContext } from '../../platform/presenter.js';
import type { FollowListRow } from './relation.repository.js';

export function presentFollowItem(ctx: PresenterContext, row: FollowListRow) {
  return {
    id: row.id,
    name: row.name,
    photo: ctx.avatar(row.photo),
    fans_count: row.fans_count,
    mutual_follow: row.mutual,
  };
}

export function presentFan(ctx: PresenterContext, row: Pick<FollowListRow, 'id' | 'name' | 'photo'>) {
  return { id: row.id, name: row.name, photo: ctx.avatar(row.photo) };
}
