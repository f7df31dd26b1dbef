/**
 * Tables added by the payments feature (migration 0007-payments). Kept in their own file so each
 * feature's schema changes stay in one place; `Database` in ../schema.ts extends this.
 * Money is integer cents in every column.
 */
import type { ColumnType } from 'kysely';

type Defaulted<T> = ColumnType<T, T | undefined, T>;

export type OrderKind = 'article' | 'tip';
/**
 * pending → paid (exactly once, by a conditional UPDATE) or → closed (expired / cancelled);
 * paid → refunded once refunds reach the whole amount (a partly refunded order stays paid).
 */
export type OrderStatus = 'pending' | 'paid' | 'closed' | 'refunded';

export interface PaymentOrdersTable {
  id: bigint;
  kind: OrderKind;
  buyer_id: bigint;
  /** Who is paid: the article's author, or the tipped author. */
  author_id: bigint;
  article_id: bigint | null;
  amount_cents: number;
  /** The platform's share, fixed when the order is made. */
  fee_cents: number;
  status: OrderStatus;
  /** 'pc' | 'wap': the last pay link made for it. */
  channel: string;
  /** Adapter name ('alipay'). */
  provider: string;
  provider_trade_no: ColumnType<string | null, string | null | undefined, string | null>;
  subject: string;
  /**
   * `buyer:article` while an article order is pending, null otherwise: the unique index makes a
   * second pending order for the same purchase impossible, so creation reuses the first.
   */
  pending_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** Refunds asked for (pending or succeeded); never above amount_cents. */
  refund_reserved_cents: Defaulted<number>;
  /** Refunds the provider confirmed; the ledger's reversing entries sum to this. */
  refunded_cents: Defaulted<number>;
  created_at: number;
  updated_at: number;
  expires_at: number;
  paid_at: ColumnType<number | null, number | null | undefined, number | null>;
  closed_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface PaymentRefundsTable {
  id: bigint;
  order_id: bigint;
  /** Sent to the provider (Alipay's out_request_no): repeating a request never refunds twice. */
  request_no: string;
  amount_cents: number;
  status: RefundStatus;
  /** The admin who asked. */
  admin_id: bigint;
  failure_reason: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: number;
  updated_at: number;
}

export type LedgerAccount = 'buyer' | 'author' | 'platform';

/**
 * Double-entry ledger. A paid order writes one set (`event_key` 'payment'): buyer debit = author
 * credit + platform credit. A refund writes one reversing set (`refund:<id>`). The unique key
 * (order_id, event_key, account) makes a second set for the same event impossible.
 */
export interface LedgerEntriesTable {
  id: bigint;
  order_id: bigint;
  refund_id: bigint | null;
  event_key: string;
  account: LedgerAccount;
  /** The buyer or author; null for the platform. */
  user_id: bigint | null;
  direction: 'debit' | 'credit';
  amount_cents: number;
  created_at: number;
}

/** Rejected or unusual provider traffic, kept for audit (never signatures or keys). */
export interface PaymentEventsTable {
  id: bigint;
  provider: string;
  /** notify | return | reconcile | refund */
  source: string;
  /** Short machine word: bad_signature, amount_mismatch, paid_after_close, … */
  reason: string;
  /** The order reference as received (may be junk), trimmed. */
  order_ref: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON of the safe fields. */
  detail: string;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    payment_orders: PaymentOrdersTable;
    payment_refunds: PaymentRefundsTable;
    ledger_entries: LedgerEntriesTable;
    payment_events: PaymentEventsTable;
  }
}
