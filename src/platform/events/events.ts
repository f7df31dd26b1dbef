/**
 * Domain events: what happened, published by the service that made it happen, after its
 * transaction committed. Subscribers (real-time push, notifications, search indexing) run
 * detached from the request: publishing never waits for them and their failures never reach
 * the publisher; they are logged.
 *
 * The bus is in-process on purpose. Cross-node fan-out happens where it is needed (Socket.IO's
 * Redis adapter, the BullMQ queue), so every event is handled once, on the node that produced it.
 */
export interface DomainEvents {
  /** A20: `actorId` started following `targetUserId`. */
  'user.followed': { actorId: bigint; targetUserId: bigint; at: number };
  /** A35: `actorId` liked an article written by `authorId`. */
  'article.liked': { actorId: bigint; articleId: bigint; authorId: bigint; at: number };
  /** A44: a comment (`parentId` null) or a reply on an article written by `authorId`. */
  'comment.created': {
    actorId: bigint;
    articleId: bigint;
    authorId: bigint;
    commentId: bigint;
    parentId: bigint | null;
    at: number;
  };
  /** An article became visible, changed or disappeared for readers (search index, caches). */
  'article.changed': { articleId: bigint; visible: boolean; at: number };
  /** An announcement was published. */
  'announcement.published': { announcementId: bigint; title: string; at: number };
  /** An order was paid (once per order). */
  'order.paid': {
    orderId: bigint;
    kind: 'article' | 'tip';
    buyerId: bigint;
    authorId: bigint;
    articleId: bigint | null;
    amountCents: number;
    at: number;
  };
  /** A refund was confirmed by the provider. */
  'order.refunded': { orderId: bigint; refundId: bigint; amountCents: number; fully: boolean; at: number };
}

export type EventName = keyof DomainEvents;

export interface EventSpec<E extends EventName> {
  /** What the event is about, for the log line of a failed handler (`article:123`). */
  subject(payload: DomainEvents[E]): string;
}

/**
 * Every event, once. All of them are declared in DomainEvents above (modules do not augment it),
 * so this registry is exhaustive: an event added there without an entry here fails to compile.
 */
export const DOMAIN_EVENTS: { [E in EventName]: EventSpec<E> } = {
  'user.followed': { subject: (e) => `user:${e.targetUserId}` },
  'article.liked': { subject: (e) => `article:${e.articleId}` },
  'comment.created': { subject: (e) => `comment:${e.commentId}` },
  'article.changed': { subject: (e) => `article:${e.articleId}` },
  'announcement.published': { subject: (e) => `announcement:${e.announcementId}` },
  'order.paid': { subject: (e) => `order:${e.orderId}` },
  'order.refunded': { subject: (e) => `refund:${e.refundId}` },
};

function subjectOf<E extends EventName>(name: E, payload: DomainEvents[E]): string | undefined {
  try {
    return (DOMAIN_EVENTS[name] as EventSpec<E>).subject(payload);
  } catch {
    // A payload from outside the types: the log line still names the event.
    return undefined;
  }
}
export type EventHandler<E extends EventName> = (payload: DomainEvents[E]) => void | Promise<void>;

export interface EventBus {
  publish<E extends EventName>(name: E, payload: DomainEvents[E]): void;
  subscribe<E extends EventName>(name: E, handler: EventHandler<E>): () => void;
  /** Resolves when every handler started so far has finished (tests, graceful shutdown). */
  settle(): Promise<void>;
}

export interface EventLogger {
  error(obj: object, msg: string): void;
}

export function createEventBus(logger: EventLogger): EventBus {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one map holds the handlers of every event type
  const handlers = new Map<EventName, Set<EventHandler<any>>>();
  const running = new Set<Promise<void>>();

  return {
    publish(name, payload) {
      for (const handler of handlers.get(name) ?? []) {
        // setImmediate: the publisher's response is never delayed by a subscriber's synchronous work.
        const run = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => handler(payload))
          .catch((error: unknown) =>
            logger.error({ err: error, event: name, subject: subjectOf(name, payload) }, 'event handler failed'),
          )
          .finally(() => running.delete(run));
        running.add(run);
      }
    },
    subscribe(name, handler) {
      let set = handlers.get(name);
      if (!set) handlers.set(name, (set = new Set()));
      set.add(handler);
      return () => set.delete(handler);
    },
    async settle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
