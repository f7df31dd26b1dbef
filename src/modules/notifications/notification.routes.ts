import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { invalidField, notFound } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import { clampPage } from '../../platform/http/paging.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentNotification } from './notification.presenter.js';
import {
  ImTestParams,
  ImTestQuery,
  ImTestResponse,
  MarkReadBody,
  MarkReadResponse,
  NotificationListQuery,
  NotificationListResponse,
  UnreadCountResponse,
} from './notification.schema.js';
import type { NotificationService } from './notification.service.js';
import { NOTIFICATION_TYPES, NOTIFICATION_TYPE_NAMES, type NotificationType } from './notification.types.js';

const bearer = [{ bearer: [] }];

/** Written once here so the OpenAPI document says what travels over Socket.IO (§3). */
export const SOCKET_EVENTS_DOC =
  'Socket.IO (same origin, path /socket.io/, namespace /; handshake query `token=<access JWT>` or `a=<anonymous id>`, ' +
  'none = anonymous; a bad token is refused with connect_error "Token has some errors."). Server → client events, ' +
  'timestamps in unix seconds: `following notify` {user_id, user_name, user_photo, timestamp}; `liking notify` and ' +
  '`comment notify` {user_id, user_name, user_photo, art_id, art_title, timestamp} (the user_* fields describe the ' +
  'actor), to every device of the recipient; `announcement` {id, title, timestamp} to everyone when an announcement ' +
  'is published. Chat: emit `message` {msg, timestamp (ms)}, the bot answers `message` {msg, timestamp (s)} to that ' +
  'socket only (20 messages a minute).';

const TEST_EVENTS: Partial<Record<string, NotificationType>> = Object.fromEntries(
  NOTIFICATION_TYPE_NAMES.map((type) => [NOTIFICATION_TYPES[type].testLetter, type]),
);

export function notificationRoutes(
  app: FastifyInstance,
  service: NotificationService,
  present: PresenterContext,
  config: Pick<Config, 'env'>,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/app/v1_0/user/notifications',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['notifications'],
        summary: 'My notifications, newest first, with the unread count (Inkstone extension)',
        description:
          'What was pushed as following/liking/comment notify, kept for users who were offline. A repeated fact (follow, ' +
          'unfollow, follow again) is one entry, made unread and newest again. per_page clamped to 10–50. ' +
          SOCKET_EVENTS_DOC,
        security: bearer,
        querystring: NotificationListQuery,
        response: { 200: NotificationListResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => {
      const page = clampPage(request.query);
      const { total, unread, rows } = await service.list(currentUser(request), page);
      return ok({
        total_count: total,
        unread_count: unread,
        page: page.page,
        per_page: page.perPage,
        results: rows.map((row) => presentNotification(present, row)),
      });
    },
  );

  r.get(
    '/app/v1_0/user/notifications/unread_count',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['notifications'],
        summary: 'How many of my notifications are unread (Inkstone extension)',
        security: bearer,
        response: { 200: UnreadCountResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => ok({ unread_count: await service.unreadCount(currentUser(request)) }),
  );

  r.put(
    '/app/v1_0/user/notifications/read',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['notifications'],
        summary: 'Mark notifications read (Inkstone extension)',
        description:
          'Body `{ids: [...]}` marks those (ids of other users are ignored); no body or no `ids` marks all. 201 `{updated}`.',
        security: bearer,
        body: MarkReadBody,
        response: {
          201: MarkReadResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          403: ErrorResponses[403],
        },
      },
      // No body at all means "all": give the validator the empty object it means.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const ids = request.body?.ids?.map((id) => toId(id, 'ids'));
      const updated = await service.markRead(currentUser(request), ids);
      return reply.code(201).send(ok({ updated }));
    },
  );

  // A08 is a test helper: it lets anyone push events to any user, so production does not have it.
  if (config.env === 'production') return;

  r.get(
    '/app/imtest/:event',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['im'],
        summary: 'Send a test Socket.IO notification (A08; not available in production)',
        description:
          '`event` f, l or c sends a sample following/liking/comment notify to the caller’s room when a token is sent, ' +
          'else to the user `target` (query). Bare 200 {"message":"已发送following notify事件"}; 404 {"message":"错误的事件"} ' +
          'for any other event. Test events are not stored. ' +
          SOCKET_EVENTS_DOC,
        params: ImTestParams,
        querystring: ImTestQuery,
        response: { 200: ImTestResponse, 400: ErrorResponses[400], 401: ErrorResponses[401], 404: ErrorResponses[404] },
      },
    },
    async (request) => {
      const type = TEST_EVENTS[request.params.event];
      if (type === undefined) throw notFound('错误的事件');
      const recipient =
        request.userId ?? (request.query.target !== undefined ? toId(request.query.target, 'target') : undefined);
      if (recipient === undefined) throw invalidField('target', 'is required without a token');
      await service.sendTest(type, recipient.toString(), request.userId, recipient);
      return { message: `已发送${NOTIFICATION_TYPES[type].socketEvent}事件` };
    },
  );
}
