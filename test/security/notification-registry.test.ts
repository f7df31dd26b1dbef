/**
 * Notification types are one registry: the stored dedupe key, the Socket.IO event, A08's letter
 * and the OpenAPI enum all come from it. (The compiler refuses a type without an entry; here the
 * run-time side: a type from outside the union fails loudly instead of becoming `comment:undefined`.)
 */
import { describe, expect, it } from 'vitest';
import {
  dedupeKeyOf,
  NOTIFICATION_TYPE_NAMES,
  NOTIFICATION_TYPES,
  type NotificationFact,
} from '../../src/modules/notifications/notification.types.js';
import { moduleSchema } from '../../src/services.js';
import { buildTestApp } from '../helpers/app.js';

describe('notification and event registries', () => {
  it('derives a distinct dedupe key per fact and refuses unknown types', () => {
    const facts: NotificationFact[] = [
      { type: 'follow', recipientId: 1n, actorId: 2n, at: 0 },
      { type: 'like', recipientId: 1n, actorId: 2n, articleId: 3n, at: 0 },
      { type: 'comment', recipientId: 1n, actorId: 2n, articleId: 3n, commentId: 4n, at: 0 },
    ];
    expect(facts.map(dedupeKeyOf)).toEqual(['follow:2', 'like:2:3', 'comment:4']);
    expect(() =>
      dedupeKeyOf({ type: 'mention', recipientId: 1n, actorId: 2n, at: 0 } as unknown as NotificationFact),
    ).toThrow(/unhandled notification type: mention/);
  });

  it('gives every type its contract event and A08 letter, and the OpenAPI enum lists them all', async () => {
    expect(NOTIFICATION_TYPE_NAMES.map((type) => NOTIFICATION_TYPES[type].socketEvent)).toEqual([
      'following notify',
      'liking notify',
      'comment notify',
    ]);
    const t = await buildTestApp();
    try {
      const doc = (await t.app.inject({ url: '/openapi.json' })).json();
      const schema = doc.paths['/app/v1_0/user/notifications'].get.responses['200'].content['application/json'].schema;
      const typeSchema = schema.properties.data.properties.results.items.properties.type;
      expect(typeSchema.anyOf.map((s: { enum?: string[]; const?: string }) => s.enum?.[0] ?? s.const)).toEqual(
        NOTIFICATION_TYPE_NAMES,
      );
      for (const type of NOTIFICATION_TYPE_NAMES) {
        const res = await t.app.inject({ url: `/app/imtest/${NOTIFICATION_TYPES[type].testLetter}?target=1` });
        expect(res.json()).toEqual({ message: `已发送${NOTIFICATION_TYPES[type].socketEvent}事件` });
      }
    } finally {
      await t.close();
    }
  });

  it('names a subject for every domain event', () => {
    const subjects = moduleSchema().events;
    expect(
      subjects['order.paid']!({
        orderId: 5n,
        kind: 'tip',
        buyerId: 1n,
        authorId: 2n,
        articleId: null,
        amountCents: 100,
        at: 0,
      }),
    ).toBe('order:5');
    expect(Object.keys(subjects).sort()).toEqual(
      [
        'announcement.published',
        'article.changed',
        'article.liked',
        'comment.created',
        'order.paid',
        'order.refunded',
        'user.followed',
      ].sort(),
    );
  });
});
