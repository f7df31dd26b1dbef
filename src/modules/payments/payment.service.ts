/**
 * Paid content and tips: orders, the provider's notifications and returns, reconciliation,
 * refunds, author earnings and the paid-content gate. Plain arguments in, rows out; no Fastify.
 *
 * Money moves only in three places, each one transaction decided by a conditional UPDATE:
 * `markPaid` (pending → paid + the payment's ledger entries), `completeRefund` (pending refund →
 * succeeded + the reversing entries) and `failRefund` (the reservation given back). Notifications,
 * returns and the reconciler all end in `applyPayment`, so however many of them race, one wins.
 * The provider is reached through the neutral port: nothing here knows Alipay's names.
 */
import type { AuditService } from '../audit/audit.service.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, badRequest, conflict, invalidField, notFound } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/paging.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import type { Platform } from '../../platform/platform.js';
import {
  createPaymentProvider,
  paymentsConfigOf,
  type PaymentChannel,
  type PaymentProvider,
  type PaymentsConfig,
} from '../../platform/payments/index.js';
import type { AlipaySimulator } from '../../platform/payments/alipay-simulator.js';
import { contentAccessWith, previewOf, type ArticlePriceInfo, type ContentAccess } from './content-access.js';
import { feeOf } from './ledger.js';
import {
  createPaymentRepository,
  type OrderRow,
  type PaymentRepository,
  type RefundRow,
} from './payment.repository.js';

/** An unpaid order is closed this long after its expiry (clock skew between us and the provider). */
export const CLOSE_GRACE_MS = 60_000;
/** A refund still pending after this long is asked again (same request id: never twice). */
const REFUND_RETRY_AFTER_MS = 60_000;
const RECONCILE_BATCH = 200;
const RECONCILE_CONCURRENCY = 4;

export type PaymentResult = 'paid' | 'pending' | 'failed';

export interface CreateOrderInput {
  kind: 'article' | 'tip';
  articleId?: bigint;
  authorId?: bigint;
  amount?: number;
  channel: PaymentChannel;
}

export interface ReconcileReport {
  checked: number;
  paid: number;
  closed: number;
  pending: number;
  errors: number;
  refundsRetried: number;
}

export interface PaymentServiceOptions {
  platform: Platform;
  /** Overrides `config.payments` (tests, tools). */
  settings?: Partial<PaymentsConfig>;
  /** Overrides the provider built from the settings. */
  provider?: PaymentProvider | null;
  /** Refunds are staff actions: each is written to the audit log. */
  audit?: AuditService;
}

/** Rejection reasons of messages whose signature did not verify: anyone can send those. */
const UNAUTHENTICATED = new Set(['bad_signature', 'missing_sign', 'sign_type', 'missing_sign_type']);

const PAYMENTS_UNAVAILABLE = () => new AppError('payments_unavailable', 'Payments are not available.');

export interface ResultOrder {
  buyerId: bigint;
  kind: 'article' | 'tip';
  articleId: bigint | null;
}

/** Renders the payment result page (`/payments/result?order_id=…&status=…`). */
export type ResultPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  result: { status: 'paid' | 'pending' | 'failed'; order: ResultOrder | null },
) => Promise<FastifyReply>;

export function createPaymentService(options: PaymentServiceOptions) {
  const { platform } = options;
  const { clock, ids, events } = platform;
  const settings: PaymentsConfig = { ...paymentsConfigOf(platform.config), ...options.settings };
  const log = platform.logger.child({ module: 'payments' });
  const built =
    options.provider !== undefined
      ? { provider: options.provider, simulator: null as AlipaySimulator | null }
      : createPaymentProvider(settings, {
          env: platform.config.env,
          dataDir: platform.config.dataDir,
          publicUrl: platform.config.publicUrl,
          kv: platform.kv,
          clock,
          logger: platform.logger.child({ port: 'payment-simulator' }),
        });
  const provider = built.provider;
  const repo: PaymentRepository = createPaymentRepository(platform.db);
  const newId = () => ids.content();

  /**
   * Rejections and anomalies: always logged; kept in payment_events too when the message was
   * authentic (a valid signature with a wrong amount, order or app; a payment for a closed order).
   * Unauthenticated junk (bad or missing signatures) is only logged, so nobody can fill the table.
   * Never signatures or keys.
   */
  async function audit(
    source: string,
    reason: string,
    orderRef: string | null | undefined,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    log.warn({ audit: 'payments', source, reason, orderRef, detail }, `payments: ${source} ${reason}`);
    if (UNAUTHENTICATED.has(reason)) return;
    await repo.recordEvent({
      id: newId(),
      provider: provider?.name ?? 'none',
      source,
      reason: reason.slice(0, 40),
      order_ref: orderRef ? String(orderRef).slice(0, 64) : null,
      detail: JSON.stringify(detail, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 1024),
      created_at: clock.now(),
    });
  }

  /**
   * A payment the provider vouched for (notify, query). Resolves `accepted` when the outcome is
   * durably recorded (paid now, paid before, or an anomaly written down), false when it must not be
   * believed (unknown order, wrong amount): then nothing changed.
   */
  async function applyPayment(
    payment: { orderId: bigint; amountCents: number; providerTradeNo: string | null },
    source: string,
  ): Promise<{ accepted: boolean; changed: boolean }> {
    let order = await repo.findOrder(payment.orderId);
    if (!order) {
      await audit(source, 'unknown_order', String(payment.orderId));
      return { accepted: false, changed: false };
    }
    if (payment.amountCents !== order.amount_cents) {
      await audit(source, 'amount_mismatch', String(order.id), {
        expected: order.amount_cents,
        received: payment.amountCents,
      });
      return { accepted: false, changed: false };
    }
    if (order.status === 'pending') {
      const at = clock.now();
      if (await repo.markPaid(order, payment.providerTradeNo, at, newId)) {
        log.info({ orderId: String(order.id), source, amountCents: order.amount_cents }, 'payments: order paid');
        events.publish('order.paid', {
          orderId: order.id,
          kind: order.kind,
          buyerId: order.buyer_id,
          authorId: order.author_id,
          articleId: order.article_id,
          amountCents: order.amount_cents,
          at,
        });
        return { accepted: true, changed: true };
      }
      order = (await repo.findOrder(order.id))!;
    }
    if (order.status === 'closed') {
      // The provider took money for an order we closed: nothing moves here; an operator refunds it.
      await audit(source, 'paid_after_close', String(order.id), { providerTradeNo: payment.providerTradeNo });
    }
    // paid / refunded: a replay or a second path (notify and return both): already settled.
    return { accepted: true, changed: false };
  }

  /** Asks the provider about one pending order and settles or closes it. */
  async function reconcileOrder(order: OrderRow, source: string): Promise<void> {
    if (!provider) throw PAYMENTS_UNAVAILABLE();
    const answer = await provider.query(order.id);
    if (answer.status === 'paid') {
      await applyPayment(
        { orderId: order.id, amountCents: answer.amountCents ?? -1, providerTradeNo: answer.providerTradeNo },
        source,
      );
      return;
    }
    if (answer.status === 'closed') {
      await repo.markClosed(order.id, clock.now());
      return;
    }
    // Pending at the provider, or never opened there: close once expired (the provider refuses late payments anyway).
    if (clock.now() < order.expires_at + CLOSE_GRACE_MS) return;
    const closed = await provider.close(order.id);
    if (closed === 'closed' || closed === 'not_found') {
      await repo.markClosed(order.id, clock.now());
      return;
    }
    const again = await provider.query(order.id);
    if (again.status === 'paid') {
      await applyPayment(
        { orderId: order.id, amountCents: again.amountCents ?? -1, providerTradeNo: again.providerTradeNo },
        source,
      );
    } else if (again.status === 'closed') {
      await repo.markClosed(order.id, clock.now());
    }
  }

  async function payUrlFor(order: OrderRow, channel: PaymentChannel): Promise<string> {
    if (!provider) throw PAYMENTS_UNAVAILABLE();
    const { payUrl } = await provider.createPayment(
      { orderId: order.id, amountCents: order.amount_cents, subject: order.subject, expiresAt: order.expires_at },
      channel,
    );
    return payUrl;
  }

  /** Sends a reserved refund to the provider and records the outcome (none when the answer is unknown). */
  async function executeRefund(refund: RefundRow): Promise<RefundRow> {
    if (!provider) throw PAYMENTS_UNAVAILABLE();
    let result;
    try {
      result = await provider.refund(refund.order_id, refund.amount_cents, refund.request_no);
    } catch (error) {
      log.warn({ err: error, refundId: String(refund.id) }, 'payments: refund outcome unknown; it will be retried');
      return refund;
    }
    const at = clock.now();
    if (result.status === 'succeeded') {
      if (await repo.completeRefund(refund, at, newId)) {
        const order = await repo.findOrder(refund.order_id);
        events.publish('order.refunded', {
          orderId: refund.order_id,
          refundId: refund.id,
          amountCents: refund.amount_cents,
          fully: order?.status === 'refunded',
          at,
        });
      }
    } else if (await repo.failRefund(refund, result.reason, at)) {
      await audit('refund', 'refund_refused', String(refund.order_id), { refundId: refund.id, reason: result.reason });
    }
    return (await repo.findRefund(refund.id))!;
  }

  let resultPage: ResultPage | undefined;

  const service = {
    settings,
    /** The page a payer lands on after paying (the reader site sets one; the default is minimal). */
    get resultPage(): ResultPage | undefined {
      return resultPage;
    },
    setResultPage(page: ResultPage): void {
      resultPage = page;
    },
    /** What a result page may say of an order: whose, what kind, for which article. */
    async resultOrder(orderId: bigint): Promise<ResultOrder | null> {
      const order = await repo.findOrder(orderId);
      return order ? { buyerId: order.buyer_id, kind: order.kind, articleId: order.article_id } : null;
    },
    provider,
    publicUrl: platform.config.publicUrl,
    /** Set when the embedded simulator plays Alipay (the routes serve its cashier page). */
    simulator: built.simulator,

    /** POST /app/v1_0/orders: an article purchase (reusing a pending one) or a tip. */
    async createOrder(
      buyerId: bigint,
      input: CreateOrderInput,
    ): Promise<{ order: OrderRow; payUrl: string; reused: boolean }> {
      if (!provider) throw PAYMENTS_UNAVAILABLE();
      const now = clock.now();
      if (input.kind === 'article') {
        if (input.articleId === undefined) throw invalidField('article_id', 'is required');
        const article = await repo.article(input.articleId);
        if (!article || !article.visible) throw notFound('Article does not exist.');
        if (article.price_cents <= 0) throw invalidField('article_id', 'is free to read');
        if (article.user_id === buyerId) throw badRequest('You cannot buy your own article.');
        if (await repo.owns(buyerId, article.id)) throw conflict('You already own this article.');
        const pendingKey = `${buyerId}:${article.id}`;

        const reuse = async (): Promise<{ order: OrderRow; payUrl: string; reused: boolean } | null> => {
          const existing = await repo.findPending(pendingKey);
          if (!existing) return null;
          if (existing.expires_at > clock.now()) {
            if (existing.channel !== input.channel) await repo.setChannel(existing.id, input.channel, clock.now());
            return {
              order: { ...existing, channel: input.channel },
              payUrl: await payUrlFor(existing, input.channel),
              reused: true,
            };
          }
          // Expired but not yet reconciled: settle it now, then start afresh.
          try {
            await reconcileOrder(existing, 'create');
          } catch (error) {
            log.warn({ err: error, orderId: String(existing.id) }, 'payments: could not reconcile an expired order');
          }
          const after = (await repo.findOrder(existing.id))!;
          if (after.status === 'paid') throw conflict('You already own this article.');
          if (after.status === 'pending')
            throw conflict('A payment for this article is still being settled; try again in a minute.');
          return null;
        };

        const reused = await reuse();
        if (reused) return reused;
        const order = {
          id: newId(),
          kind: 'article' as const,
          buyer_id: buyerId,
          author_id: article.user_id,
          article_id: article.id,
          amount_cents: article.price_cents,
          fee_cents: feeOf(article.price_cents, settings.feeBasisPoints),
          channel: input.channel,
          provider: provider.name,
          subject: `《${article.title}》`,
          pending_key: pendingKey,
          created_at: now,
          expires_at: now + settings.orderTtlSeconds * 1000,
        };
        try {
          await repo.insertOrder(order);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // A concurrent request made the pending order first: share it.
          const raced = await reuse();
          if (raced) return raced;
          throw conflict('A payment for this article is already in progress.');
        }
        const row = (await repo.findOrder(order.id))!;
        return { order: row, payUrl: await payUrlFor(row, input.channel), reused: false };
      }

      // A tip: to an author, optionally for one of their articles (then the author may be left out).
      let authorId = input.authorId;
      if (input.articleId !== undefined) {
        const article = await repo.article(input.articleId);
        if (!article || !article.visible) throw notFound('Article does not exist.');
        if (authorId !== undefined && authorId !== article.user_id)
          throw invalidField('article_id', 'is not an article of this author');
        authorId = article.user_id;
      }
      if (authorId === undefined) throw invalidField('author_id', 'is required');
      const amount = input.amount;
      if (amount === undefined) throw invalidField('amount', 'is required');
      if (!Number.isSafeInteger(amount) || amount < settings.tipMinCents || amount > settings.tipMaxCents) {
        throw invalidField(
          'amount',
          `must be a whole number of cents from ${settings.tipMinCents} to ${settings.tipMaxCents}`,
        );
      }
      if (authorId === buyerId) throw badRequest('You cannot tip yourself.');
      const author = await repo.user(authorId);
      if (!author || author.status !== 1) throw notFound('User does not exist.');
      const order = {
        id: newId(),
        kind: 'tip' as const,
        buyer_id: buyerId,
        author_id: author.id,
        article_id: input.articleId ?? null,
        amount_cents: amount,
        fee_cents: feeOf(amount, settings.feeBasisPoints),
        channel: input.channel,
        provider: provider.name,
        subject: `打赏 ${author.name}`,
        pending_key: null,
        created_at: now,
        expires_at: now + settings.orderTtlSeconds * 1000,
      };
      await repo.insertOrder(order);
      const row = (await repo.findOrder(order.id))!;
      return { order: row, payUrl: await payUrlFor(row, input.channel), reused: false };
    },

    /** One of the buyer's orders; someone else's is "not found". */
    async getOrder(buyerId: bigint, orderId: bigint): Promise<OrderRow> {
      const order = await repo.findOrder(orderId);
      if (!order || order.buyer_id !== buyerId) throw notFound('Order does not exist.');
      return order;
    },

    listOrders(buyerId: bigint, page: Page) {
      return repo.listByBuyer(buyerId, page.offset, page.perPage);
    },

    /**
     * The provider's asynchronous notification (form fields as received). `accepted` is the answer
     * to give (`success`): true only once the outcome is durably written.
     */
    async handleNotification(params: Record<string, string>): Promise<{ accepted: boolean; answer: string }> {
      if (!provider) return { accepted: false, answer: 'failure' };
      const answer = (accepted: boolean) => ({ accepted, answer: provider.acknowledgement(accepted) });
      const verified = provider.parseNotification(params);
      if (!verified.ok) {
        await audit('notify', verified.reason, params.out_trade_no, verified.detail);
        return answer(false);
      }
      const payment = verified.value;
      if (payment.status === 'paid') return answer((await applyPayment(payment, 'notify')).accepted);

      const order = await repo.findOrder(payment.orderId);
      if (!order) {
        await audit('notify', 'unknown_order', String(payment.orderId));
        return answer(false);
      }
      if (payment.amountCents !== order.amount_cents) {
        await audit('notify', 'amount_mismatch', String(order.id), {
          expected: order.amount_cents,
          received: payment.amountCents,
        });
        return answer(false);
      }
      // Closed by the provider (timeout, or a full refund of a paid order): only a pending order changes.
      if (payment.status === 'closed' && order.status === 'pending') await repo.markClosed(order.id, clock.now());
      return answer(true);
    },

    /**
     * The buyer's browser back from the provider: verified, and when the order is still pending
     * the provider is asked (the notify may be late or lost). Resolves the front-end URL to go to.
     */
    async handleReturn(
      params: Record<string, string>,
    ): Promise<{ location: string; status: PaymentResult; orderId: bigint | null }> {
      const go = (orderId: bigint | null, status: PaymentResult) => {
        const url = new URL(settings.resultUrl);
        if (orderId !== null) url.searchParams.set('order_id', String(orderId));
        url.searchParams.set('status', status);
        return { location: url.toString(), status, orderId };
      };
      if (!provider) return go(null, 'failed');
      const verified = provider.parseReturn(params);
      if (!verified.ok) {
        await audit('return', verified.reason, params.out_trade_no, verified.detail);
        return go(null, 'failed');
      }
      let order = await repo.findOrder(verified.value.orderId);
      if (!order) {
        await audit('return', 'unknown_order', String(verified.value.orderId));
        return go(null, 'failed');
      }
      if (verified.value.amountCents !== null && verified.value.amountCents !== order.amount_cents) {
        await audit('return', 'amount_mismatch', String(order.id), {
          expected: order.amount_cents,
          received: verified.value.amountCents,
        });
        return go(order.id, 'failed');
      }
      if (order.status === 'pending') {
        try {
          await reconcileOrder(order, 'return');
        } catch (error) {
          log.warn(
            { err: error, orderId: String(order.id) },
            'payments: query on return failed; reconciliation will retry',
          );
        }
        order = (await repo.findOrder(order.id))!;
      }
      return go(order.id, order.status === 'paid' ? 'paid' : order.status === 'pending' ? 'pending' : 'failed');
    },

    /**
     * The scheduled job: pending orders older than `reconcileAfterSeconds` are asked about and
     * settled, or closed once expired; refunds whose outcome was unknown are sent again.
     */
    async reconcile(): Promise<ReconcileReport> {
      const report: ReconcileReport = { checked: 0, paid: 0, closed: 0, pending: 0, errors: 0, refundsRetried: 0 };
      if (!provider) return report;
      const now = clock.now();
      const orders = await repo.pendingCreatedBefore(now - settings.reconcileAfterSeconds * 1000, RECONCILE_BATCH);
      let next = 0;
      const worker = async () => {
        while (next < orders.length) {
          const order = orders[next++]!;
          report.checked++;
          try {
            await reconcileOrder(order, 'reconcile');
            const after = await repo.findOrder(order.id);
            if (after?.status === 'paid') report.paid++;
            else if (after?.status === 'closed') report.closed++;
            else report.pending++;
          } catch (error) {
            report.errors++;
            log.warn({ err: error, orderId: String(order.id) }, 'payments: reconciliation of an order failed');
          }
        }
      };
      await Promise.all(Array.from({ length: RECONCILE_CONCURRENCY }, worker));
      for (const refund of await repo.pendingRefundsBefore(now - REFUND_RETRY_AFTER_MS, 50)) {
        report.refundsRetried++;
        await executeRefund(refund);
      }
      if (report.checked > 0 || report.refundsRetried > 0) log.info(report, 'payments: reconciliation');
      return report;
    },

    /** Admin (the route's access rule): a full (no amount) or partial refund. Idempotent at the provider. */
    async refund(adminId: bigint, orderId: bigint, amount?: number): Promise<{ refund: RefundRow; order: OrderRow }> {
      if (!provider) throw PAYMENTS_UNAVAILABLE();
      const order = await repo.findOrder(orderId);
      if (!order) throw notFound('Order does not exist.');
      if (order.status === 'refunded') throw conflict('Order is already fully refunded.');
      if (order.status !== 'paid') throw conflict('Only paid orders can be refunded.');
      const refundable = order.amount_cents - order.refund_reserved_cents;
      if (refundable <= 0) throw conflict('Nothing is left to refund (refunds are in progress).');
      const cents = amount ?? refundable;
      if (!Number.isSafeInteger(cents) || cents < 1 || cents > refundable)
        throw invalidField('amount', `must be a whole number of cents from 1 to ${refundable}`);
      const id = newId();
      const reserved = await repo.reserveRefund(
        { id, order_id: order.id, request_no: `R${id}`, amount_cents: cents, admin_id: adminId },
        clock.now(),
      );
      if (!reserved) throw conflict('The refund exceeds what is left to refund.');
      await options.audit?.record({
        actorId: adminId,
        action: 'order.refund',
        targetType: 'order',
        targetId: order.id,
        before: { status: order.status, refunded_cents: order.refunded_cents },
        after: { refund_id: id, amount_cents: cents },
      });
      const refund = await executeRefund((await repo.findRefund(id))!);
      return { refund, order: (await repo.findOrder(order.id))! };
    },

    /** MP: what the author earned (net of the platform fee) and what refunds took back. */
    async earnings(authorId: bigint) {
      const summary = await repo.authorSummary(authorId);
      return {
        balance: summary.credits - summary.debits,
        earned: summary.credits,
        refunded: summary.debits,
        gross: summary.gross,
        articleSales: summary.articleSales,
        tips: summary.tips,
      };
    },

    earningEntries(authorId: bigint, page: Page) {
      return repo.authorEntries(authorId, page.offset, page.perPage);
    },

    /** For article detail (A34): may `viewerId` read the whole article? */
    contentAccess(viewerId: bigint | null, article: ArticlePriceInfo): Promise<ContentAccess> {
      return contentAccessWith(repo.owns, viewerId, article);
    },

    /** For article detail (A34): the part of the content everybody may read. */
    previewOf,

    async shutdown(): Promise<void> {
      await provider?.shutdown();
    },
  };
  return service;
}

export type PaymentService = ReturnType<typeof createPaymentService>;
