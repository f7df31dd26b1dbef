/**
 * Orders, refunds, ledger entries and the audit log (Kysely; no Fastify). Every state change that
 * moves money is one transaction: a conditional UPDATE (`… WHERE status = 'pending'`, or the
 * refund's `… WHERE status = 'pending'`) decides the single writer, and the ledger entries go in
 * with it or not at all.
 */
import type { Insertable, Selectable, UpdateResult } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { OrderKind, PaymentOrdersTable, PaymentRefundsTable, RefundStatus } from './payment.tables.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import { paymentEntries, refundEntries, type EntryDraft } from './ledger.js';

export type OrderRow = Selectable<PaymentOrdersTable>;
export type RefundRow = Selectable<PaymentRefundsTable>;

/** An order as created: always pending; the columns that change later keep their defaults. */
export type NewOrder = Omit<
  Insertable<PaymentOrdersTable>,
  'status' | 'updated_at' | 'provider_trade_no' | 'paid_at' | 'closed_at' | 'refund_reserved_cents' | 'refunded_cents'
>;

export interface PaidArticle {
  id: bigint;
  user_id: bigint;
  title: string;
  price_cents: number;
  visible: boolean;
}

export interface EarningEntryRow {
  id: bigint;
  order_id: bigint;
  refund_id: bigint | null;
  direction: 'debit' | 'credit';
  amount_cents: number;
  created_at: number;
  kind: OrderKind;
  article_id: bigint | null;
  article_title: string | null;
}

const num = (value: unknown) => Number(value ?? 0);
/** A conditional UPDATE won: it changed exactly the one row it named. */
const won = (result: UpdateResult) => Number(result.numUpdatedRows) === 1;

export function createPaymentRepository(db: Db) {
  const insertEntries = async (
    trx: Db,
    orderId: bigint,
    eventKey: string,
    refundId: bigint | null,
    drafts: EntryDraft[],
    at: number,
    newId: () => bigint,
  ) => {
    await trx
      .insertInto('ledger_entries')
      .values(
        drafts.map((d) => ({
          id: newId(),
          order_id: orderId,
          refund_id: refundId,
          event_key: eventKey,
          created_at: at,
          ...d,
        })),
      )
      .execute();
  };

  /** pending → succeeded | failed: true for the one writer that moved it. */
  const settleRefund = async (
    trx: Db,
    refund: RefundRow,
    status: Exclude<RefundStatus, 'pending'>,
    at: number,
    failureReason: string | null = null,
  ) =>
    won(
      await trx
        .updateTable('payment_refunds')
        .set({ status, failure_reason: failureReason, updated_at: at })
        .where('id', '=', refund.id)
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    );

  return {
    async article(id: bigint): Promise<PaidArticle | undefined> {
      const row = await db
        .selectFrom('articles')
        .select(['id', 'user_id', 'title', 'price_cents', 'status', 'deleted_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        user_id: row.user_id,
        title: row.title,
        price_cents: Number(row.price_cents ?? 0),
        visible: row.status === ArticleStatus.approved && row.deleted_at === null,
      };
    },

    user(id: bigint) {
      return db.selectFrom('users').select(['id', 'name', 'status']).where('id', '=', id).executeTakeFirst();
    },

    async insertOrder(order: NewOrder): Promise<void> {
      await db
        .insertInto('payment_orders')
        .values({ ...order, status: 'pending', updated_at: order.created_at })
        .execute();
    },

    findOrder(id: bigint): Promise<OrderRow | undefined> {
      return db.selectFrom('payment_orders').selectAll().where('id', '=', id).executeTakeFirst();
    },

    findPending(pendingKey: string): Promise<OrderRow | undefined> {
      return db
        .selectFrom('payment_orders')
        .selectAll()
        .where('pending_key', '=', pendingKey)
        .where('status', '=', 'pending')
        .executeTakeFirst();
    },

    async setChannel(id: bigint, channel: string, at: number): Promise<void> {
      await db
        .updateTable('payment_orders')
        .set({ channel, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    },

    /** A purchase that grants the full text: an article order that is paid (a partly refunded one still is). */
    async owns(buyerId: bigint, articleId: bigint): Promise<boolean> {
      const row = await db
        .selectFrom('payment_orders')
        .select('id')
        .where('buyer_id', '=', buyerId)
        .where('article_id', '=', articleId)
        .where('status', '=', 'paid')
        .where('kind', '=', 'article')
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async listByBuyer(buyerId: bigint, offset: number, limit: number): Promise<{ total: number; rows: OrderRow[] }> {
      const [count, rows] = await Promise.all([
        db
          .selectFrom('payment_orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('buyer_id', '=', buyerId)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('payment_orders')
          .selectAll()
          .where('buyer_id', '=', buyerId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute(),
      ]);
      return { total: num(count.n), rows };
    },

    /**
     * pending → paid with its ledger entries, in one transaction. Resolves false when another
     * writer (a concurrent notify, the reconciler) already moved the order: nothing is written.
     */
    async markPaid(order: OrderRow, providerTradeNo: string | null, at: number, newId: () => bigint): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('payment_orders')
          .set({ status: 'paid', paid_at: at, provider_trade_no: providerTradeNo, pending_key: null, updated_at: at })
          .where('id', '=', order.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (!won(updated)) return false;
        await insertEntries(trx, order.id, 'payment', null, paymentEntries(order), at, newId);
        return true;
      });
    },

    /** pending → closed; false when it is not pending any more. */
    async markClosed(id: bigint, at: number): Promise<boolean> {
      const updated = await db
        .updateTable('payment_orders')
        .set({ status: 'closed', closed_at: at, pending_key: null, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return won(updated);
    },

    pendingCreatedBefore(cutoff: number, limit: number): Promise<OrderRow[]> {
      return db
        .selectFrom('payment_orders')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '<', cutoff)
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },

    /**
     * Reserves `amount` of the order for a refund and records the request, in one transaction.
     * Resolves false (nothing written) when the order is not paid or the reservation would exceed it.
     */
    async reserveRefund(
      refund: { id: bigint; order_id: bigint; request_no: string; amount_cents: number; admin_id: bigint },
      at: number,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('payment_orders')
          .set((eb) => ({
            refund_reserved_cents: eb('refund_reserved_cents', '+', refund.amount_cents),
            updated_at: at,
          }))
          .where('id', '=', refund.order_id)
          .where('status', '=', 'paid')
          .where((eb) => eb(eb('refund_reserved_cents', '+', refund.amount_cents), '<=', eb.ref('amount_cents')))
          .executeTakeFirst();
        if (!won(updated)) return false;
        await trx
          .insertInto('payment_refunds')
          .values({ ...refund, status: 'pending', created_at: at, updated_at: at })
          .execute();
        return true;
      });
    },

    findRefund(id: bigint): Promise<RefundRow | undefined> {
      return db.selectFrom('payment_refunds').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /**
     * pending → succeeded with the reversing entries and the order's refunded total (and status
     * `refunded` once it reaches the amount), in one transaction. False when already settled.
     */
    async completeRefund(refund: RefundRow, at: number, newId: () => bigint): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        if (!(await settleRefund(trx, refund, 'succeeded', at))) return false;
        // Updating first locks the order row, so concurrent refunds of one order see each other's totals.
        await trx
          .updateTable('payment_orders')
          .set((eb) => ({ refunded_cents: eb('refunded_cents', '+', refund.amount_cents), updated_at: at }))
          .where('id', '=', refund.order_id)
          .execute();
        const order = await trx
          .selectFrom('payment_orders')
          .selectAll()
          .where('id', '=', refund.order_id)
          .executeTakeFirstOrThrow();
        const before = order.refunded_cents - refund.amount_cents;
        await insertEntries(
          trx,
          order.id,
          `refund:${refund.id}`,
          refund.id,
          refundEntries(order, before, refund.amount_cents),
          at,
          newId,
        );
        if (order.refunded_cents === order.amount_cents) {
          await trx
            .updateTable('payment_orders')
            .set({ status: 'refunded', updated_at: at })
            .where('id', '=', order.id)
            .where('status', '=', 'paid')
            .execute();
        }
        return true;
      });
    },

    /** pending → failed, giving the reservation back. */
    async failRefund(refund: RefundRow, reason: string, at: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        if (!(await settleRefund(trx, refund, 'failed', at, reason.slice(0, 128)))) return false;
        await trx
          .updateTable('payment_orders')
          .set((eb) => ({
            refund_reserved_cents: eb('refund_reserved_cents', '-', refund.amount_cents),
            updated_at: at,
          }))
          .where('id', '=', refund.order_id)
          .execute();
        return true;
      });
    },

    pendingRefundsBefore(cutoff: number, limit: number): Promise<RefundRow[]> {
      return db
        .selectFrom('payment_refunds')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '<', cutoff)
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },

    /** An author's account: what was credited, what refunds took back, and the sales behind it. */
    async authorSummary(authorId: bigint) {
      const [sums, counts] = await Promise.all([
        db
          .selectFrom('ledger_entries')
          .select((eb) => [
            eb.fn
              .sum<string>(eb.case().when('direction', '=', 'credit').then(eb.ref('amount_cents')).else(0).end())
              .as('credits'),
            eb.fn
              .sum<string>(eb.case().when('direction', '=', 'debit').then(eb.ref('amount_cents')).else(0).end())
              .as('debits'),
          ])
          .where('account', '=', 'author')
          .where('user_id', '=', authorId)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('payment_orders')
          .select(['kind', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.sum<string>('amount_cents').as('gross')])
          .where('author_id', '=', authorId)
          .where('status', 'in', ['paid', 'refunded'])
          .groupBy('kind')
          .execute(),
      ]);
      const of = (kind: OrderKind) => counts.find((c) => c.kind === kind);
      return {
        credits: num(sums.credits),
        debits: num(sums.debits),
        articleSales: num(of('article')?.n),
        tips: num(of('tip')?.n),
        gross: num(of('article')?.gross) + num(of('tip')?.gross),
      };
    },

    async authorEntries(
      authorId: bigint,
      offset: number,
      limit: number,
    ): Promise<{ total: number; rows: EarningEntryRow[] }> {
      const [count, rows] = await Promise.all([
        db
          .selectFrom('ledger_entries')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account', '=', 'author')
          .where('user_id', '=', authorId)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('ledger_entries as e')
          .innerJoin('payment_orders as o', 'o.id', 'e.order_id')
          .leftJoin('articles as a', 'a.id', 'o.article_id')
          .select([
            'e.id',
            'e.order_id',
            'e.refund_id',
            'e.direction',
            'e.amount_cents',
            'e.created_at',
            'o.kind',
            'o.article_id',
            'a.title as article_title',
          ])
          .where('e.account', '=', 'author')
          .where('e.user_id', '=', authorId)
          .orderBy('e.created_at', 'desc')
          .orderBy('e.id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute(),
      ]);
      return { total: num(count.n), rows: rows as EarningEntryRow[] };
    },

    async recordEvent(event: {
      id: bigint;
      provider: string;
      source: string;
      reason: string;
      order_ref: string | null;
      detail: string;
      created_at: number;
    }): Promise<void> {
      await db.insertInto('payment_events').values(event).execute();
    },
  };
}

export type PaymentRepository = ReturnType<typeof createPaymentRepository>;
