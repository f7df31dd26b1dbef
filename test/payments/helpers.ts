import type { KyselyPlugin } from 'kysely';
/**
 * Shared by the payments suites: an app with payment settings of the test's choosing, signed-in
 * users, paid articles, and `FakeAlipay`, a local HTTP server playing Alipay's gateway. The fake
 * is written from Alipay's documentation with node:crypto alone (no code shared with the app or
 * its simulator): it checks OUR request signatures and signs its answers and notifies as Alipay.
 */
import { createSign, createVerify, generateKeyPairSync, randomInt } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Clock } from '../../src/platform/clock.js';
import type { PaymentsConfig } from '../../src/platform/payments/config.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { randomIp } from '../helpers/http.js';

export function buildPaymentsApp(
  payments: Partial<PaymentsConfig> = {},
  options: {
    clock?: Clock;
    env?: Record<string, string>;
    beforeReady?: (app: TestApp['app']) => void;
    dbPlugin?: KyselyPlugin;
  } = {},
): Promise<TestApp> {
  return buildTestApp(options.env, options.beforeReady, {
    clock: options.clock,
    dbPlugin: options.dbPlugin,
    configure: (config) => void (config.payments = { ...config.payments, ...payments }),
  });
}

let mobileCounter = 0;
const newMobile = () =>
  `135${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter % 100).padStart(2, '0')}`;

export interface TestUser {
  userId: bigint;
  headers: { authorization: string };
}

export async function signIn(t: TestApp, options: { role?: 'admin'; mp?: boolean } = {}): Promise<TestUser> {
  const mobile = newMobile();
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  let token = res.json().data.token as string;
  const userId = BigInt(
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { user_id: number }).user_id,
  );
  if (options.role)
    await t.platform.db.updateTable('users').set({ role: options.role }).where('id', '=', userId).execute();
  if (options.mp) {
    await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', userId).execute();
    const mp = await t.app.inject({
      method: 'POST',
      remoteAddress: randomIp(),
      url: '/mp/v1_0/authorizations',
      payload: { mobile, code: '246810' },
    });
    expect(mp.statusCode).toBe(201);
    token = mp.json().data.token as string;
  }
  return { userId, headers: { authorization: `Bearer ${token}` } };
}

export const PARAGRAPHS = Array.from(
  { length: 6 },
  (_, i) => `<p>Paragraph ${i + 1}: ${'secret words '.repeat(12).trim()}.</p>`,
);

export async function paidArticle(t: TestApp, authorId: bigint, priceCents: number, content = PARAGRAPHS.join('')) {
  const channel = await newChannel(t.platform);
  const article = await newArticle(t.platform, { user_id: authorId, channel_id: channel.id, content });
  await t.platform.db.updateTable('articles').set({ price_cents: priceCents }).where('id', '=', article.id).execute();
  return article;
}

export async function createOrder(t: TestApp, user: TestUser, body: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/app/v1_0/orders', headers: user.headers, payload: body });
}

/** Entries, order statuses and refunds: every balance the payments feature keeps. */
export async function balances(t: TestApp) {
  const db = t.platform.db;
  const [entries, orders, refunds] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .select(['order_id', 'event_key', 'account', 'direction', 'amount_cents'])
      .orderBy('id')
      .execute(),
    db
      .selectFrom('payment_orders')
      .select(['id', 'status', 'refunded_cents', 'refund_reserved_cents', 'provider_trade_no'])
      .orderBy('id')
      .execute(),
    db.selectFrom('payment_refunds').select(['id', 'status', 'amount_cents']).orderBy('id').execute(),
  ]);
  return JSON.parse(JSON.stringify({ entries, orders, refunds }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
}

export const yuan = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

/** Alipay's content to sign: keys sorted, `k=v` joined by `&`, leaving out `exclude`. */
function content(params: Record<string, string>, exclude: string[]): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k))
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

interface FakeTrade {
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
  total: string;
  tradeNo: string;
  refundedCents: number;
}

/** Alipay's gateway, played locally. */
export class FakeAlipay {
  readonly appId = '2021000122600001';
  readonly sellerId = '2088102000000001';
  readonly alipayKeys = keyPair();
  /** The merchant's (our app's) key pair: the app signs with the private key. */
  readonly appKeys = keyPair();
  readonly trades = new Map<string, FakeTrade>();
  readonly refunds = new Map<string, { outTradeNo: string; cents: number }>();
  readonly calls: { method: string; biz: Record<string, string> }[] = [];
  badRequests = 0;
  /** Methods answered with HTTP 502 (an unknown outcome) the next time they are called, before acting. */
  readonly failNext = new Set<string>();
  /** Methods that act, then lose their answer (HTTP 502) the next time they are called. */
  readonly loseAnswerNext = new Set<string>();
  /** Sign answers with a key that is not Alipay's (a forged gateway). */
  forgeResponses = false;
  readonly #forger = keyPair();
  url = '';
  #server?: http.Server;

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const params: Record<string, string> = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
        for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
        const lose = this.loseAnswerNext.delete(params.method ?? '');
        const answer = this.#handle(params);
        const { status, body } = lose ? { status: 502, body: 'Bad Gateway' } : answer;
        res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(body);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}/gateway.do`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  settings(extra: Partial<PaymentsConfig> = {}): Partial<PaymentsConfig> {
    return {
      provider: 'alipay',
      alipay: {
        appId: this.appId,
        privateKey: this.appKeys.privateKey,
        alipayPublicKey: this.alipayKeys.publicKey,
        gateway: this.url,
        sellerId: this.sellerId,
      },
      ...extra,
    };
  }

  sign(text: string, privateKey = this.alipayKeys.privateKey): string {
    return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKey, 'base64');
  }

  #respond(method: string, inner: Record<string, unknown>) {
    const json = JSON.stringify(inner);
    const sign = this.sign(json, this.forgeResponses ? this.#forger.privateKey : this.alipayKeys.privateKey);
    return { status: 200, body: `{"${method.replaceAll('.', '_')}_response":${json},"sign":"${sign}"}` };
  }

  #handle(params: Record<string, string>): { status: number; body: string } {
    const method = params.method ?? '';
    const validSignature =
      params.sign_type === 'RSA2' &&
      !!params.sign &&
      createVerify('RSA-SHA256')
        .update(content(params, ['sign']), 'utf8')
        .verify(this.appKeys.publicKey, params.sign, 'base64');
    if (!validSignature || params.app_id !== this.appId) {
      this.badRequests++;
      return this.#respond(method, {
        code: '40002',
        msg: 'Invalid Arguments',
        sub_code: 'isv.invalid-signature',
        sub_msg: '验签出错',
      });
    }
    const biz = JSON.parse(params.biz_content ?? '{}') as Record<string, string>;
    this.calls.push({ method, biz });
    if (this.failNext.delete(method)) return { status: 502, body: 'Bad Gateway' };
    const outTradeNo = biz.out_trade_no ?? '';
    const trade = this.trades.get(outTradeNo);
    const notFound = () =>
      this.#respond(method, {
        code: '40004',
        msg: 'Business Failed',
        sub_code: 'ACQ.TRADE_NOT_EXIST',
        sub_msg: '交易不存在',
      });
    switch (method) {
      case 'alipay.trade.query':
        if (!trade) return notFound();
        return this.#respond(method, {
          code: '10000',
          msg: 'Success',
          out_trade_no: outTradeNo,
          trade_no: trade.tradeNo,
          trade_status: trade.status,
          total_amount: trade.total,
        });
      case 'alipay.trade.close':
        if (!trade) return notFound();
        if (trade.status !== 'WAIT_BUYER_PAY')
          return this.#respond(method, {
            code: '40004',
            msg: 'Business Failed',
            sub_code: 'ACQ.TRADE_STATUS_ERROR',
            sub_msg: '交易状态不合法',
          });
        trade.status = 'TRADE_CLOSED';
        return this.#respond(method, {
          code: '10000',
          msg: 'Success',
          out_trade_no: outTradeNo,
          trade_no: trade.tradeNo,
        });
      case 'alipay.trade.refund': {
        if (!trade || trade.status !== 'TRADE_SUCCESS') return notFound();
        const cents = Math.round(Number(biz.refund_amount) * 100);
        const requestNo = biz.out_request_no ?? '';
        const previous = this.refunds.get(requestNo);
        if (!previous) {
          const totalCents = Math.round(Number(trade.total) * 100);
          if (trade.refundedCents + cents > totalCents) {
            return this.#respond(method, {
              code: '40004',
              msg: 'Business Failed',
              sub_code: 'ACQ.REASON_TRADE_REFUND_FEE_ERR',
              sub_msg: '退款金额超限',
            });
          }
          trade.refundedCents += cents;
          this.refunds.set(requestNo, { outTradeNo, cents });
        }
        return this.#respond(method, {
          code: '10000',
          msg: 'Success',
          out_trade_no: outTradeNo,
          trade_no: trade.tradeNo,
          fund_change: previous ? 'N' : 'Y',
          refund_fee: yuan(trade.refundedCents),
        });
      }
      default:
        return this.#respond(method, {
          code: '40004',
          msg: 'Business Failed',
          sub_code: 'isv.invalid-method',
          sub_msg: method,
        });
    }
  }

  /** The buyer paid at Alipay (the trade now exists there). */
  pay(orderId: bigint | string, cents: number): FakeTrade {
    const trade: FakeTrade = {
      status: 'TRADE_SUCCESS',
      total: yuan(cents),
      tradeNo: `2026${String(randomInt(1e9)).padStart(12, '0')}`,
      refundedCents: 0,
    };
    this.trades.set(String(orderId), trade);
    return trade;
  }

  /** A notify as Alipay sends it, signed (sign and sign_type left out of the signed content). */
  notify(
    orderId: bigint | string,
    cents: number,
    overrides: Record<string, string | undefined> = {},
    options: { signWith?: string } = {},
  ): Record<string, string> {
    const trade = this.trades.get(String(orderId));
    const fields: Record<string, string | undefined> = {
      notify_time: '2026-01-01 12:00:00',
      notify_type: 'trade_status_sync',
      notify_id: `n${randomInt(1e9)}`,
      app_id: this.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade?.tradeNo ?? '2026000000000000',
      out_trade_no: String(orderId),
      seller_id: this.sellerId,
      trade_status: 'TRADE_SUCCESS',
      total_amount: yuan(cents),
      subject: '订单',
      gmt_payment: '2026-01-01 12:00:00',
      ...overrides,
    };
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    const key = options.signWith ?? this.alipayKeys.privateKey;
    clean.sign = createSign('RSA-SHA256')
      .update(content(clean, ['sign', 'sign_type']), 'utf8')
      .sign(key, 'base64');
    return clean;
  }

  /** A signed return query, as Alipay appends it to return_url. */
  returnQuery(orderId: bigint | string, cents: number, overrides: Record<string, string> = {}): string {
    const fields: Record<string, string> = {
      app_id: this.appId,
      method: 'alipay.trade.page.pay.return',
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      timestamp: '2026-01-01 12:00:01',
      out_trade_no: String(orderId),
      trade_no: this.trades.get(String(orderId))?.tradeNo ?? '2026000000000000',
      total_amount: yuan(cents),
      seller_id: this.sellerId,
      ...overrides,
    };
    fields.sign = this.sign(content(fields, ['sign', 'sign_type']));
    return new URLSearchParams(fields).toString();
  }
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export async function postNotify(t: TestApp, params: Record<string, string>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/payments/alipay/notify',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(params),
  });
  return res;
}
