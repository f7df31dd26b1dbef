import type { PresenterContext } from '../../platform/presenter.js';
import type { NotificationListRow } from './notification.repository.js';

export function presentNotification(present: PresenterContext, row: NotificationListRow) {
  return {
    id: row.id,
    type: row.type,
    user_id: row.actor_id,
    user_name: row.actor_name ?? '',
    user_photo: present.avatar(row.actor_photo),
    ...(row.article_id !== null ? { art_id: row.article_id, art_title: row.article_title ?? '' } : {}),
    is_read: row.is_read === 1,
    created_at: present.time.iso(row.created_at),
  };
}
