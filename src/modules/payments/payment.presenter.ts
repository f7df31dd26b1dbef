import type { PresenterContext } from '../../platform/presenter.js';
import type { EarningEntryRow, OrderRow, RefundRow } from './payment.repository.js';

export function presentOrder(present: PresenterContext, row: OrderRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    amount: row.amount_cents,
    refunded_amount: row.refunded_cents,
    currency: 'CNY' as const,
    article_id: row.article_id,
    author_id: row.author_id,
    channel: row.channel,
    created_at: present.time.iso(row.created_at),
    expires_at: present.time.iso(row.expires_at),
    paid_at: row.paid_at === null ? null : present.time.iso(row.paid_at),
  };
}

export function presentEntry(present: PresenterContext, row: EarningEntryRow) {
  const refund = row.direction === 'debit';
  return {
    id: row.id,
    order_id: row.order_id,
    type: refund ? ('refund' as const) : row.kind === 'tip' ? ('tip' as const) : ('sale' as const),
    amount: refund ? -row.amount_cents : row.amount_cents,
    article_id: row.article_id,
    article_title: row.article_title,
    created_at: present.time.iso(row.created_at),
  };
}

export function presentRefund(present: PresenterContext, refund: RefundRow, order: OrderRow) {
  return {
    id: refund.id,
    order_id: refund.order_id,
    amount: refund.amount_cents,
    status: refund.status,
    failure_reason: refund.failure_reason,
    order: presentOrder(present, order),
  };
}
