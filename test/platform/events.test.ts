/**
 * The in-process domain event bus: handlers run detached from the publisher, failures are logged
 * and isolated, settle() waits for everything started, unsubscribe stops delivery.
 */
import { describe, expect, it } from 'vitest';
import { createEventBus, type EventLogger } from '../../src/platform/events/events.js';
import { pause } from '../helpers/wait.js';

function recordingLogger(): EventLogger & { calls: { obj: object; msg: string }[] } {
  const calls: { obj: object; msg: string }[] = [];
  return { calls, error: (obj, msg) => calls.push({ obj, msg }) };
}

const liked = (n: number) => ({ actorId: BigInt(n), articleId: 10n, authorId: 20n, at: n });

describe('event bus', () => {
  it('publish returns before any handler runs, even a synchronous one', async () => {
    const bus = createEventBus(recordingLogger());
    const seen: string[] = [];
    bus.subscribe('article.liked', (payload) => void seen.push(`handler ${payload.actorId}`));
    bus.publish('article.liked', liked(1));
    seen.push('after publish');
    // Not even a microtask later: the handler waits for the next turn of the event loop.
    await Promise.resolve();
    seen.push('microtask');
    await bus.settle();
    expect(seen).toEqual(['after publish', 'microtask', 'handler 1']);
  });

  it('the handlers of events published in one turn all start before any of them goes on, in publishing order', async () => {
    const bus = createEventBus(recordingLogger());
    const seen: string[] = [];
    bus.subscribe('article.liked', async (payload) => {
      seen.push(`start ${payload.actorId}`);
      await Promise.resolve();
      seen.push(`end ${payload.actorId}`);
    });
    for (const n of [1, 2, 3]) bus.publish('article.liked', liked(n));
    await bus.settle();
    expect(seen).toEqual(['start 1', 'start 2', 'start 3', 'end 1', 'end 2', 'end 3']);
  });

  it('a slow handler does not delay the publisher', async () => {
    const bus = createEventBus(recordingLogger());
    let done = false;
    bus.subscribe('user.followed', async () => {
      await pause(50);
      done = true;
    });
    const started = performance.now();
    bus.publish('user.followed', { actorId: 1n, targetUserId: 2n, at: 0 });
    expect(performance.now() - started).toBeLessThan(20);
    expect(done).toBe(false);
    await bus.settle();
    expect(done).toBe(true);
  });

  it('delivers the payload to every handler of the event and only of that event', async () => {
    const bus = createEventBus(recordingLogger());
    const got: unknown[] = [];
    bus.subscribe('article.liked', (p) => void got.push(['a', p.actorId]));
    bus.subscribe('article.liked', (p) => void got.push(['b', p.actorId]));
    bus.subscribe('user.followed', () => void got.push(['other']));
    bus.publish('article.liked', liked(7));
    bus.publish('comment.created', { actorId: 1n, articleId: 1n, authorId: 1n, commentId: 1n, parentId: null, at: 0 });
    await bus.settle();
    expect(got).toEqual([
      ['a', 7n],
      ['b', 7n],
    ]);
  });

  it('a throwing or rejecting handler is logged and does not affect the others', async () => {
    const logger = recordingLogger();
    const bus = createEventBus(logger);
    const ran: string[] = [];
    bus.subscribe('article.liked', () => {
      throw new Error('sync failure');
    });
    bus.subscribe('article.liked', async () => {
      await pause(5);
      throw new Error('async failure');
    });
    bus.subscribe('article.liked', async () => {
      await pause(10);
      ran.push('survivor');
    });
    expect(() => bus.publish('article.liked', liked(1))).not.toThrow();
    await bus.settle();
    expect(ran).toEqual(['survivor']);
    expect(logger.calls).toHaveLength(2);
    const errors = logger.calls.map((c) => (c.obj as { err: Error; event: string }).err.message).sort();
    expect(errors).toEqual(['async failure', 'sync failure']);
    for (const call of logger.calls) {
      expect(call.msg).toBe('event handler failed');
      expect((call.obj as { event: string }).event).toBe('article.liked');
    }
    // The bus keeps working after failures.
    bus.publish('article.liked', liked(2));
    await bus.settle();
    expect(ran).toEqual(['survivor', 'survivor']);
  });

  it('settle waits for handlers started so far, including events they publish', async () => {
    const bus = createEventBus(recordingLogger());
    const order: string[] = [];
    bus.subscribe('article.liked', async (p) => {
      await pause(20);
      order.push(`liked ${p.actorId}`);
      bus.publish('article.changed', { articleId: p.articleId, visible: true, at: 0 });
    });
    bus.subscribe('article.changed', async () => {
      await pause(20);
      order.push('changed');
    });
    bus.publish('article.liked', liked(1));
    bus.publish('article.liked', liked(2));
    await bus.settle();
    expect(order.sort()).toEqual(['changed', 'changed', 'liked 1', 'liked 2']);
  });

  it('settle resolves at once when nothing runs', async () => {
    const bus = createEventBus(recordingLogger());
    await expect(bus.settle()).resolves.toBeUndefined();
    bus.publish('article.liked', liked(1)); // no subscribers
    await expect(bus.settle()).resolves.toBeUndefined();
  });

  it('unsubscribe stops delivery to that handler only', async () => {
    const bus = createEventBus(recordingLogger());
    const got: string[] = [];
    const off = bus.subscribe('article.liked', () => void got.push('a'));
    bus.subscribe('article.liked', () => void got.push('b'));
    bus.publish('article.liked', liked(1));
    await bus.settle();
    off();
    off(); // idempotent
    bus.publish('article.liked', liked(2));
    await bus.settle();
    expect(got).toEqual(['a', 'b', 'b']);
  });
});
