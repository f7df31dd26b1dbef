/**
 * Online notifications (contract §3.2): follows, article likes and top-level comments, pushed to
 * every connected device of the user they concern as `following notify`, `liking notify` and
 * `comment notify`, and stored so that a user who was offline can list what they missed.
 * Announcements are pushed to everyone as `announcement` (an Inkstone addition).
 *
 * Driven by domain events (subscribed in ./notifications.module.ts), so the services that follow,
 * like and comment know nothing about sockets. Nobody is told about their own actions (liking your own article), nor about the
 * actions of someone they blacklisted.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { Page } from '../../platform/http/paging.js';
import type { PresenterContext } from '../../platform/presenter.js';
import type { NotificationListRow, NotificationRepository } from './notification.repository.js';
import { dedupeKeyOf, NOTIFICATION_TYPES, type NotificationFact, type NotificationType } from './notification.types.js';

/** Pushed to every socket when an announcement is published: `{id, title, timestamp}`. */
export const ANNOUNCEMENT_EVENT = 'announcement';

export interface FollowPayload {
  user_id: bigint;
  user_name: string;
  user_photo: string;
  timestamp: number;
}

export interface ArticlePayload extends Omit<FollowPayload, 'timestamp'> {
  art_id: bigint;
  art_title: string;
  timestamp: number;
}

/** Where notifications go: the realtime layer (a user's room on every node, or everyone). */
export interface NotificationSink {
  emitToUser(userId: bigint, event: string, payload: unknown): void;
  emitToRoom(room: string, event: string, payload: unknown): void;
  broadcast(event: string, payload: unknown): void;
}

export interface NotificationServiceDeps {
  repository: NotificationRepository;
  sink: NotificationSink;
  present: PresenterContext;
  ids: IdGenerators;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export function createNotificationService(deps: NotificationServiceDeps) {
  const { repository, sink, present } = deps;

  async function describeActor(actorId: bigint) {
    const actor = await repository.actor(actorId);
    return actor && { user_id: actor.id, user_name: actor.name, user_photo: present.avatar(actor.photo) };
  }

  /** Stores and pushes one notification; false when there is nobody (else) to tell. */
  async function notify(fact: NotificationFact): Promise<boolean> {
    const { type, recipientId, actorId, at } = fact;
    if (recipientId === actorId) return false;
    const articleId = fact.type === 'follow' ? undefined : fact.articleId;
    const [actor, title, blocked] = await Promise.all([
      describeActor(actorId),
      articleId === undefined ? undefined : repository.articleTitle(articleId),
      repository.blocked(recipientId, actorId),
    ]);
    if (!actor || blocked || (articleId !== undefined && title === undefined)) return false;

    await repository.upsert({
      id: deps.ids.content(),
      user_id: recipientId,
      type,
      actor_id: actorId,
      article_id: articleId ?? null,
      comment_id: fact.type === 'comment' ? fact.commentId : null,
      dedupe_key: dedupeKeyOf(fact),
      created_at: at,
    });
    const payload: FollowPayload | ArticlePayload =
      articleId === undefined
        ? { ...actor, timestamp: seconds(at) }
        : { ...actor, art_id: articleId, art_title: title!, timestamp: seconds(at) };
    sink.emitToUser(recipientId, NOTIFICATION_TYPES[type].socketEvent, payload);
    return true;
  }

  return {
    /** Pushes a published announcement to every connected reader (not stored). */
    announce(e: { announcementId: bigint; title: string; at: number }): void {
      sink.broadcast(ANNOUNCEMENT_EVENT, { id: e.announcementId, title: e.title, timestamp: seconds(e.at) });
    },

    notify,

    async list(userId: bigint, page: Page): Promise<{ total: number; unread: number; rows: NotificationListRow[] }> {
      const [counts, rows] = await Promise.all([
        repository.counts(userId),
        repository.list(userId, page.offset, page.perPage),
      ]);
      return { ...counts, rows };
    },

    unreadCount(userId: bigint): Promise<number> {
      return repository.unread(userId);
    },

    markRead(userId: bigint, ids?: bigint[]): Promise<number> {
      return repository.markRead(userId, ids);
    },

    /**
     * A08: a sample event of `type` to a room (not stored). The actor is `actorId` when known (the
     * caller), else the recipient; the article is one of the recipient's, else any visible one.
     */
    async sendTest(
      type: NotificationType,
      room: string,
      actorId: bigint | undefined,
      recipientId: bigint | undefined,
    ): Promise<void> {
      const who = actorId ?? recipientId;
      const actor = (who !== undefined ? await describeActor(who) : undefined) ?? {
        user_id: 0n,
        user_name: '测试用户',
        user_photo: present.avatar(null),
      };
      const timestamp = seconds(deps.clock.now());
      if (type === 'follow') {
        sink.emitToRoom(room, NOTIFICATION_TYPES.follow.socketEvent, { ...actor, timestamp } satisfies FollowPayload);
        return;
      }
      const article =
        (recipientId !== undefined ? await repository.someArticle(recipientId) : undefined) ??
        (await repository.someArticle());
      const payload: ArticlePayload = {
        ...actor,
        art_id: article?.id ?? 0n,
        art_title: article?.title ?? '测试文章',
        timestamp,
      };
      sink.emitToRoom(room, NOTIFICATION_TYPES[type].socketEvent, payload);
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
