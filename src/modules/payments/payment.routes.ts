/**
 * Orders (app), earnings (MP), refunds (admin), and the endpoints the payment provider calls:
 * the asynchronous notify (form-encoded, no auth: the signature is the authentication), the
 * browser's return, a small result page (the default front-end target) and, when the simulator
 * plays Alipay, its cashier page. Form bodies are parsed only inside the provider scope.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, MessageSchema, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import { clampPage } from '../../platform/http/paging.js';
import { PAYMENT_PATHS } from '../../platform/payments/index.js';
import { formFields, registerFormBody } from '../../platform/payments/form-body.js';
import { deliverByHttp } from '../../platform/payments/alipay-simulator.js';
import { simulatorRoutes } from '../../platform/payments/simulator-routes.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentEntry, presentOrder, presentRefund } from './payment.presenter.js';
import {
  CreatedOrderResponse,
  CreateOrderBody,
  EarningEntriesQuery,
  EarningEntriesResponse,
  EarningsResponse,
  OrderListQuery,
  OrderListResponse,
  OrderParams,
  OrderResponse,
  RefundBody,
  RefundResponse,
} from './payment.schema.js';
import type { PaymentService } from './payment.service.js';
import { escapeHtml } from '../../platform/web/html.js';

const Unavailable = { 503: MessageSchema };
const ADMIN: RouteAccess = { roles: ['admin'] };

function rawQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

export function paymentRoutes(app: FastifyInstance, service: PaymentService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/app/v1_0/orders',
    {
      config: { auth: 'required', rateLimit: { rule: '60/minute;1000/day', key: 'user' } },
      schema: {
        tags: ['payments'],
        summary: 'Create an order: buy a paid article, or tip an author (Inkstone extension)',
        description:
          'Amounts are integer cents. 201 with the order and `pay_url` (the provider’s cashier). A pending order for the same ' +
          'article is reused (`reused: true`). 409 when the article is already owned; 400 for one’s own article or oneself; ' +
          'tips must lie within the configured bounds.',
        security: [{ bearer: [] }],
        body: CreateOrderBody,
        response: {
          201: CreatedOrderResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          404: ErrorResponses[404],
          409: ErrorResponses[409],
          429: ErrorResponses[429],
          ...Unavailable,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await service.createOrder(currentUser(request), {
        kind: body.kind,
        articleId: body.article_id === undefined ? undefined : toId(body.article_id, 'article_id'),
        authorId: body.author_id === undefined ? undefined : toId(body.author_id, 'author_id'),
        amount: body.amount,
        channel: body.channel ?? 'pc',
      });
      return reply
        .code(201)
        .send(ok({ ...presentOrder(present, result.order), pay_url: result.payUrl, reused: result.reused }));
    },
  );

  r.get(
    '/app/v1_0/orders/:target',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['payments'],
        summary: 'One of my orders (Inkstone extension)',
        security: [{ bearer: [] }],
        params: OrderParams,
        response: { 200: OrderResponse, 401: ErrorResponses[401], 404: ErrorResponses[404] },
      },
    },
    async (request) =>
      ok(presentOrder(present, await service.getOrder(currentUser(request), toId(request.params.target, 'target')))),
  );

  r.get(
    '/app/v1_0/orders',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['payments'],
        summary: 'My orders, newest first (Inkstone extension); per_page clamped to 10–50',
        security: [{ bearer: [] }],
        querystring: OrderListQuery,
        response: { 200: OrderListResponse, 401: ErrorResponses[401] },
      },
    },
    async (request) => {
      const page = clampPage(request.query);
      const { total, rows } = await service.listOrders(currentUser(request), page);
      return ok({
        total_count: total,
        page: page.page,
        per_page: page.perPage,
        results: rows.map((row) => presentOrder(present, row)),
      });
    },
  );

  r.get(
    '/mp/v1_0/earnings',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['payments'],
        summary: 'My earnings from paid articles and tips, net of the platform fee (Inkstone extension)',
        security: [{ bearer: [] }],
        response: { 200: EarningsResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => {
      const e = await service.earnings(currentUser(request));
      return ok({
        balance: e.balance,
        earned: e.earned,
        refunded: e.refunded,
        gross: e.gross,
        article_sales: e.articleSales,
        tips: e.tips,
        currency: 'CNY' as const,
      });
    },
  );

  r.get(
    '/mp/v1_0/earnings/entries',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['payments'],
        summary: 'My earnings ledger, newest first: sales and tips (credits), refunds (negative) (Inkstone extension)',
        security: [{ bearer: [] }],
        querystring: EarningEntriesQuery,
        response: { 200: EarningEntriesResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => {
      const page = clampPage(request.query);
      const { total, rows } = await service.earningEntries(currentUser(request), page);
      return ok({
        total_count: total,
        page: page.page,
        per_page: page.perPage,
        results: rows.map((row) => presentEntry(present, row)),
      });
    },
  );

  r.post(
    '/admin/v1_0/orders/:target/refunds',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: ['admin'],
        summary: 'Refund an order, fully or partly (admins only)',
        description:
          `${describeAccess(ADMIN)} Without \`amount\`, everything not yet refunded. ` +
          'Reversing ledger entries are written when the provider confirms; ' +
          '`status: pending` means its answer is unknown and the same request (idempotent) is retried by reconciliation.',
        security: [{ bearer: [] }],
        params: OrderParams,
        body: RefundBody,
        response: {
          201: RefundResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          403: ErrorResponses[403],
          404: ErrorResponses[404],
          409: ErrorResponses[409],
          ...Unavailable,
        },
      },
      // No body at all is a full refund, like `{}`.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { refund, order } = await service.refund(
        currentUser(request),
        toId(request.params.target, 'target'),
        request.body?.amount,
      );
      return reply.code(201).send(ok(presentRefund(present, refund, order)));
    },
  );

  // The provider's side: form bodies, plain-text answers, redirects.
  void app.register(async (scope) => {
    registerFormBody(scope);

    scope.post(
      PAYMENT_PATHS.alipayNotify,
      {
        config: { rateLimit: false },
        schema: {
          tags: ['payments'],
          summary: 'Alipay asynchronous notify (called by Alipay, form-encoded)',
          description:
            'Verified with the Alipay public key (RSA2 only), then app_id, seller_id, out_trade_no and total_amount are checked. ' +
            'Answers the plain text `success` once the outcome is durably recorded, otherwise `failure` (Alipay retries).',
        },
      },
      async (request, reply) => {
        const form = formFields(request.body);
        try {
          const { answer } = await service.handleNotification(form);
          return reply.code(200).type('text/plain; charset=utf-8').send(answer);
        } catch (error) {
          request.log.error(
            { err: error, outTradeNo: form.out_trade_no },
            'payments: notify not recorded; the provider will retry',
          );
          return reply
            .code(500)
            .type('text/plain; charset=utf-8')
            .send(service.provider?.acknowledgement(false) ?? 'failure');
        }
      },
    );

    scope.get(
      PAYMENT_PATHS.alipayReturn,
      {
        config: { rateLimit: { rule: '60/minute', key: 'ip' } },
        schema: {
          tags: ['payments'],
          summary: 'Alipay synchronous return: the buyer’s browser comes back here',
          description:
            'Verified; a pending order is queried at Alipay. 302 to the front-end result URL with ?order_id=…&status=paid|pending|failed.',
        },
      },
      async (request, reply) => {
        const params = Object.fromEntries(new URLSearchParams(rawQuery(request.url)));
        const { location } = await service.handleReturn(params);
        return reply.code(302).header('cache-control', 'no-store').header('location', location).send();
      },
    );

    scope.get(
      PAYMENT_PATHS.result,
      { schema: { tags: ['payments'], summary: 'A minimal payment result page (the default PAYMENTS_RESULT_URL)' } },
      async (request, reply) => {
        const query = new URLSearchParams(rawQuery(request.url));
        const status = ['paid', 'pending', 'failed'].includes(query.get('status') ?? '')
          ? query.get('status')!
          : 'failed';
        const orderId = /^[0-9]{1,19}$/.test(query.get('order_id') ?? '') ? query.get('order_id')! : '';
        const page = service.resultPage;
        if (page) {
          const order = orderId ? await service.resultOrder(BigInt(orderId)) : null;
          return page(request, reply, { status: status as 'paid' | 'pending' | 'failed', order });
        }
        const text = {
          paid: '支付成功 · Payment received',
          pending: '等待确认 · Payment pending',
          failed: '支付未完成 · Payment not completed',
        }[status]!;
        return reply
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(text)}</title></head>` +
              `<body><h1 id="status" data-status="${status}">${escapeHtml(text)}</h1>` +
              (orderId ? `<p>Order <span id="order-id">${orderId}</span></p>` : '') +
              `</body></html>`,
          );
      },
    );

    if (service.simulator) simulatorRoutes(scope, service.simulator, PAYMENT_PATHS.simulatorPay);
  });

  const simulator = service.simulator;
  if (simulator) {
    // Notifies for this very server are delivered in process (no loop through the network or a proxy).
    const origin = new URL(PAYMENT_PATHS.alipayNotify, service.publicUrl).origin;
    simulator.setDeliverer(async (url, form) => {
      const target = new URL(url);
      if (target.origin !== origin) return deliverByHttp(url, form);
      const response = await app.inject({
        method: 'POST',
        url: `${target.pathname}${target.search}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        payload: new URLSearchParams(form).toString(),
      });
      return response.body;
    });
  }
  app.addHook('onClose', () => service.shutdown());
}
