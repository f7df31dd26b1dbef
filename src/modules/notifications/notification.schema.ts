import { Type } from 'typebox';
import { MessageSchema, okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';
import { NOTIFICATION_TYPE_NAMES, type NotificationType } from './notification.types.js';

/** Most ids one mark-as-read call may name. */
export const MARK_READ_MAX_IDS = 200;

export const NotificationListQuery = Type.Object(PageQuery);

export const NotificationItem = Type.Object({
  id: IdOutput,
  type: Type.Unsafe<NotificationType>(Type.Union(NOTIFICATION_TYPE_NAMES.map((type) => Type.Literal(type)))),
  user_id: IdOutput,
  user_name: Type.String({ description: 'the actor’s current name' }),
  user_photo: Type.String({ description: 'absolute URL; the default avatar when the actor has none' }),
  art_id: Type.Optional(IdOutput),
  art_title: Type.Optional(Type.String()),
  is_read: Type.Boolean(),
  created_at: Type.String({ description: 'local time, YYYY-MM-DDTHH:mm:ss' }),
});

export const NotificationListResponse = okSchema(
  Type.Object({
    total_count: Type.Integer(),
    unread_count: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(NotificationItem),
  }),
);

export const UnreadCountResponse = okSchema(Type.Object({ unread_count: Type.Integer() }));

export const MarkReadBody = Type.Object({
  ids: Type.Optional(
    Type.Array(IdInput, { maxItems: MARK_READ_MAX_IDS, description: 'absent: mark every notification read' }),
  ),
});

export const MarkReadResponse = okSchema(
  Type.Object({ updated: Type.Integer({ description: 'notifications that were unread and are now read' }) }),
);

export const ImTestParams = Type.Object({
  event: Type.String({ description: 'f (following notify), l (liking notify) or c (comment notify)' }),
});

export const ImTestQuery = Type.Object({
  target: Type.Optional(IdInput),
});

/** A08's bare body: `{"message":"已发送following notify事件"}`. */
export const ImTestResponse = Type.Object({ message: Type.String() });

export { MessageSchema };
