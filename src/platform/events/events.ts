/**
 * Domain events: what happened, published by the service that made it happen, after its
 * transaction committed. Subscribers (real-time push, notifications, search indexing) run
 * detached from the request: publishing never waits for them and their failures never reach
 * the publisher; they are logged.
 *
 * The bus is in-process on purpose. Cross-node fan-out happens where it is needed (Socket.IO's
 * Redis adapter, the BullMQ queue), so every event is handled once, on the node that produced it.
 */
/**
 * Every domain event by name, with its payload. Each module declares the events it publishes in its
 * `<name>.events.ts` by augmenting this interface, next to the subject its log lines use.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface DomainEvents {}

export type EventName = keyof DomainEvents;

/** What each event is about, for the log line of a failed handler (`article:123`). */
export type EventSubjects = { [E in EventName]: (payload: DomainEvents[E]) => string };

/** A module's events and their subjects: `defineEvents({ 'order.paid': (e) => \`order:${e.orderId}\` })`. */
export function defineEvents<K extends EventName>(subjects: { [E in K]: EventSubjects[E] }): {
  [E in K]: EventSubjects[E];
} {
  return subjects;
}

export type EventHandler<E extends EventName> = (payload: DomainEvents[E]) => void | Promise<void>;

export interface EventBus {
  publish<E extends EventName>(name: E, payload: DomainEvents[E]): void;
  subscribe<E extends EventName>(name: E, handler: EventHandler<E>): () => void;
  /** Resolves when every handler started so far has finished (tests, graceful shutdown). */
  settle(): Promise<void>;
  /** Adds log subjects (the composition root passes every module's). */
  describe(subjects: Partial<EventSubjects>): void;
}

export interface EventLogger {
  error(obj: object, msg: string): void;
}

export function createEventBus(logger: EventLogger): EventBus {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one map holds the handlers of every event type
  const handlers = new Map<EventName, Set<EventHandler<any>>>();
  const running = new Set<Promise<void>>();
  const subjects: Partial<EventSubjects> = {};
  const subjectOf = <E extends EventName>(name: E, payload: DomainEvents[E]): string | undefined => {
    try {
      return (subjects[name] as EventSubjects[E] | undefined)?.(payload);
    } catch {
      // A payload from outside the types: the log line still names the event.
      return undefined;
    }
  };

  // setImmediate: the publisher's response is never delayed by a subscriber's synchronous work.
  // One per loop turn, shared by every event published in it: their handlers then start together,
  // in publishing order, so a subscriber that batches (notifications) takes them in one batch
  // without waiting for another turn of a busy loop.
  let turn: Promise<void> | undefined;
  const nextTurn = () =>
    (turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        turn = undefined;
        resolve();
      }),
    ));

  return {
    publish(name, payload) {
      for (const handler of handlers.get(name) ?? []) {
        const run = nextTurn()
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
    describe(more) {
      Object.assign(subjects, more);
    },
    async settle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
