import { defineEvents } from '../../platform/events/events.js';

declare module '../../platform/events/events.js' {
  interface DomainEvents {
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
}

export const paymentEvents = defineEvents({
  'order.paid': (e) => `order:${e.orderId}`,
  'order.refunded': (e) => `refund:${e.refundId}`,
});
