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
import type { Insertable } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { Page } from '../../platform/http/paging.js';
import type { PresenterContext } from '../../platform/presenter.js';
import type { Actor, NotificationListRow, NotificationRepository } from './notification.repository.js';
import type { NotificationsTable } from './notification.tables.js';
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
/** Facts per batch: bounds the IN lists and the multi-row INSERT (8 parameters a row). */
const NOTIFY_BATCH = 500;

export function createNotificationService(deps: NotificationServiceDeps) {
  const { repository, sink, present } = deps;

  const describe = (actor: Actor) => ({
    user_id: actor.id,
    user_name: actor.name,
    user_photo: present.avatar(actor.photo),
  });

  async function describeActor(actorId: bigint) {
    const actor = await repository.actor(actorId);
    return actor && describe(actor);
  }

  /**
   * Facts waiting for the next batch. Each batch reads its actors, titles and blacklist entries
   * with one query each and stores its rows with one statement, instead of four statements per
   * fact: at a thousand likes a second the per-fact statements were what kept the push behind.
   * A batch starts once the code that gave its first fact yields (a microtask): the event bus starts
   * every handler of a loop turn together, so the facts of one turn make one batch, and a lone fact
   * waits for nothing. Facts arriving while a batch is written make the next one.
   */
  const waiting: { fact: NotificationFact; done: (told: boolean) => void; failed: (error: unknown) => void }[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, NOTIFY_BATCH);
      try {
        const told = await deliver(batch.map((entry) => entry.fact));
        batch.forEach((entry, i) => entry.done(told[i]!));
      } catch (error) {
        for (const entry of batch) entry.failed(error);
      }
    }
    draining = false;
  }

  /** Stores and pushes the facts, in order; for each, false when there was nobody (else) to tell. */
  async function deliver(facts: NotificationFact[]): Promise<boolean[]> {
    const unique = (ids: (bigint | undefined)[]) => [...new Set(ids.filter((id) => id !== undefined))];
    const articleOf = (fact: NotificationFact) => (fact.type === 'follow' ? undefined : fact.articleId);
    const actorIds = unique(facts.map((f) => f.actorId));
    const [actors, titles, blocked] = await Promise.all([
      repository.actors(actorIds),
      repository.articleTitles(unique(facts.map(articleOf))),
      repository.blockedPairs(unique(facts.map((f) => f.recipientId)), actorIds),
    ]);
    const actorById = new Map(actors.map((a) => [a.id, describe(a)]));
    const titleById = new Map(titles.map((t) => [t.id, t.title]));
    const blockedPairs = new Set(blocked.map((b) => `${b.user_id}:${b.target_user_id}`));

    const pushes: { recipientId: bigint; event: string; payload: FollowPayload | ArticlePayload }[] = [];
    // One row per (recipient, fact): a later fact of a batch refreshes the row as a later upsert would.
    const rows = new Map<string, Insertable<NotificationsTable>>();
    const told = facts.map((fact) => {
      const { type, recipientId, actorId, at } = fact;
      const articleId = articleOf(fact);
      const actor = actorById.get(actorId);
      const title = articleId === undefined ? undefined : titleById.get(articleId);
      if (!actor || blockedPairs.has(`${recipientId}:${actorId}`) || (articleId !== undefined && title === undefined))
        return false;
      const dedupeKey = dedupeKeyOf(fact);
      rows.set(`${recipientId}:${dedupeKey}`, {
        id: deps.ids.content(),
        user_id: recipientId,
        type,
        actor_id: actorId,
        article_id: articleId ?? null,
        comment_id: fact.type === 'comment' ? fact.commentId : null,
        dedupe_key: dedupeKey,
        created_at: at,
      });
      pushes.push({
        recipientId,
        event: NOTIFICATION_TYPES[type].socketEvent,
        payload:
          articleId === undefined
            ? { ...actor, timestamp: seconds(at) }
            : { ...actor, art_id: articleId, art_title: title!, timestamp: seconds(at) },
      });
      return true;
    });
    await repository.upsertMany([...rows.values()]);
    for (const push of pushes) sink.emitToUser(push.recipientId, push.event, push.payload);
    return told;
  }

  /** Stores and pushes one notification; false when there is nobody (else) to tell. */
  function notify(fact: NotificationFact): Promise<boolean> {
    if (fact.recipientId === fact.actorId) return Promise.resolve(false);
    return new Promise<boolean>((done, failed) => {
      waiting.push({ fact, done, failed });
      if (draining) return;
      draining = true;
      queueMicrotask(() => void drain());
    });
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
