/**
 * The ledger's arithmetic, free of I/O: the platform fee of an amount, the balanced set of entries
 * a payment writes and the reversing set a refund writes. Integer cents only.
 *
 * Payment of A with fee F:  buyer debit A = author credit (A − F) + platform credit F.
 * Refund of R:              buyer credit R = author debit (R − f) + platform debit f, where the
 *                           fee reversed so far is ⌊F × refunded / A⌋, so a full refund (in any
 *                           number of parts) gives back exactly F and never a cent more.
 */
import type { LedgerAccount } from './payment.tables.js';

export interface EntryDraft {
  account: LedgerAccount;
  user_id: bigint | null;
  direction: 'debit' | 'credit';
  amount_cents: number;
}

export function feeOf(amountCents: number, basisPoints: number): number {
  return Math.floor((amountCents * basisPoints) / 10_000);
}

export interface LedgerOrder {
  buyer_id: bigint;
  author_id: bigint;
  amount_cents: number;
  fee_cents: number;
}

export function paymentEntries(order: LedgerOrder): EntryDraft[] {
  return [
    { account: 'buyer', user_id: order.buyer_id, direction: 'debit', amount_cents: order.amount_cents },
    {
      account: 'author',
      user_id: order.author_id,
      direction: 'credit',
      amount_cents: order.amount_cents - order.fee_cents,
    },
    { account: 'platform', user_id: null, direction: 'credit', amount_cents: order.fee_cents },
  ];
}

/** The fee given back by a refund that takes the refunded total from `before` to `before + amount`. */
export function refundFeeShare(order: LedgerOrder, before: number, amount: number): number {
  const feeBackAfter = Math.floor((order.fee_cents * (before + amount)) / order.amount_cents);
  const feeBackBefore = Math.floor((order.fee_cents * before) / order.amount_cents);
  return feeBackAfter - feeBackBefore;
}

export function refundEntries(order: LedgerOrder, before: number, amount: number): EntryDraft[] {
  const fee = refundFeeShare(order, before, amount);
  return [
    { account: 'buyer', user_id: order.buyer_id, direction: 'credit', amount_cents: amount },
    { account: 'author', user_id: order.author_id, direction: 'debit', amount_cents: amount - fee },
    { account: 'platform', user_id: null, direction: 'debit', amount_cents: fee },
  ];
}
