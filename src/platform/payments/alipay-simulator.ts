/**
 * A stand-in for Alipay's gateway, so payments work with no Alipay account (development, demos,
 * tests). It speaks Alipay's protocol, not a shortcut of it:
 * - the pay page (`alipay.trade.page.pay` / `wap.pay` links made by alipay-sdk) checks OUR request
 *   signature with our application's public key, then lets the buyer pay or cancel;
 * - paying sends an asynchronous notify signed with the simulator's own "Alipay" private key
 *   exactly as Alipay signs (parameters sorted, `sign`/`sign_type` left out, RSA-SHA256, base64),
 *   retried while the answer is not `success`, and sends the browser to the signed return URL;
 * - `alipay.trade.query`, `close` and `refund` are answered on a loopback HTTP gateway with
 *   responses signed as Alipay signs them, so the same adapter and SDK code runs as in production.
 * The application is configured with the simulator's public key as "the Alipay public key", so
 * every signature check is the real one. Both key pairs are generated once and kept under the data
 * directory. Trades live in the key-value store (shared by processes when it is Redis).
 * Refused in production.
 */
import { createPrivateKey, createPublicKey, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NodeEnv } from '../../config.js';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/kv.js';
import { alipayTime } from './alipay.js';
import { signAsAlipay, signedGatewayResponse, verifyMerchantRequest } from './alipay-signing.js';
import { loadOrCreateKeyPair, type RsaKeyPair } from './keys.js';
import { formatYuan, parseYuan } from './money.js';
import { escapeHtml } from '../web/html.js';

export const SIMULATOR_APP_ID = '9021000000000001';
export const SIMULATOR_SELLER_ID = '2088000000000001';
const BUYER_ID = '2088000000000002';
const PAGE_METHODS = ['alipay.trade.page.pay', 'alipay.trade.wap.pay'];
const PRODUCT_OF: Record<string, string> = {
  'alipay.trade.page.pay': 'FAST_INSTANT_TRADE_PAY',
  'alipay.trade.wap.pay': 'QUICK_WAP_WAY',
};
const TRADE_TTL_MS = 30 * 86400_000;
/** Alipay retries a notify for 25 hours; the simulator for a few minutes. */
const RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 60_000, 120_000];

/** Sends a notify (form fields) to a URL and resolves with the answer's body. */
export type NotifyDeliverer = (url: string, form: Record<string, string>) => Promise<string>;

export interface SimulatorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AlipaySimulatorOptions {
  env: NodeEnv;
  dataDir: string;
  kv: KeyValueStore;
  clock: Clock;
  logger: SimulatorLogger;
}

interface Trade {
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  total_cents: number;
  subject: string;
  trade_no: string;
  refunded_cents: number;
  expires_at: number;
  created_at: number;
  paid_at: number;
}

/** A verified page request: what the merchant asked the buyer to pay. */
interface PageRequest {
  params: Record<string, string>;
  method: string;
  outTradeNo: string;
  totalCents: number;
  subject: string;
  expiresAt: number | null;
  notifyUrl: string;
  returnUrl: string;
}

export type PageOutcome = { ok: true; html: string } | { ok: false; status: number; html: string };
export type ActionOutcome = { ok: true; redirect: string } | { ok: false; status: number; html: string };

/** "2026-01-02 03:04:05" read as China Standard Time. */
function parseAlipayTime(text: string | undefined): number | null {
  if (!text || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isFinite(ms) ? ms : null;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:8px;padding:1.5rem}.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
.note{color:#a15c00;font-size:.85rem}button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem;border-radius:6px;border:1px solid #1677ff;cursor:pointer}
#pay{background:#1677ff;color:#fff}#cancel{background:#fff;color:#1677ff}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#666}</style>
</head><body><div class="card">${body}</div></body></html>`;
}

const errorPage = (status: number, message: string) => ({
  ok: false as const,
  status,
  html: page('支付失败', `<h1>无法支付</h1><p id="error">${escapeHtml(message)}</p>`),
});

export class AlipaySimulator {
  readonly appId = SIMULATOR_APP_ID;
  readonly sellerId = SIMULATOR_SELLER_ID;
  readonly #keyDir: string;
  #keys: { alipay: RsaKeyPair; app: RsaKeyPair; signing: KeyObject; appPublic: KeyObject } | undefined;
  readonly #kv: KeyValueStore;
  readonly #clock: Clock;
  readonly #logger: SimulatorLogger;
  #deliver: NotifyDeliverer = deliverByHttp;
  #server: Promise<{ server: http.Server; url: string }> | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: AlipaySimulatorOptions) {
    if (options.env === 'production') {
      throw new Error(
        'The payment simulator is refused in production: configure Alipay (PAYMENTS_PROVIDER=alipay) or turn payments off',
      );
    }
    this.#keyDir = path.join(options.dataDir, 'payments-simulator');
    this.#kv = options.kv;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /**
   * Both pairs are loaded (generated on first use, then kept) when payments are first used, not at
   * boot: an RSA key takes up to a second to generate, and most processes never take a payment.
   */
  #loadKeys() {
    if (!this.#keys) {
      const alipay = loadOrCreateKeyPair(this.#keyDir, 'alipay');
      const app = loadOrCreateKeyPair(this.#keyDir, 'app');
      // Decoded once: signing and verifying with PEM text decodes it every time.
      this.#keys = {
        alipay,
        app,
        signing: createPrivateKey(alipay.privateKey),
        appPublic: createPublicKey(app.publicKey),
      };
    }
    return this.#keys;
  }

  /** The simulator's own pair: it signs as "Alipay"; the app verifies with its public key. */
  get alipayKeys(): RsaKeyPair {
    return this.#loadKeys().alipay;
  }

  /** The application's pair: the app signs requests with it; the simulator verifies with its public key. */
  get appKeys(): RsaKeyPair {
    return this.#loadKeys().app;
  }

  get #signingKey(): KeyObject {
    return this.#loadKeys().signing;
  }

  get #appPublicKey(): KeyObject {
    return this.#loadKeys().appPublic;
  }

  /** How notifies reach the merchant (the routes deliver same-origin notifies in process). */
  setDeliverer(deliver: NotifyDeliverer): void {
    this.#deliver = deliver;
  }

  // ---------------------------------------------------------------- trades

  #tradeKey = (outTradeNo: string) => `paysim:trade:${this.appId}:${outTradeNo}`;
  #finalKey = (outTradeNo: string) => `paysim:final:${this.appId}:${outTradeNo}`;

  async #trade(outTradeNo: string): Promise<Trade | null> {
    const fields = await this.#kv.hgetall(this.#tradeKey(outTradeNo));
    if (!fields.status) return null;
    const trade: Trade = {
      status: fields.status as Trade['status'],
      total_cents: Number(fields.total_cents),
      subject: fields.subject ?? '',
      trade_no: fields.trade_no ?? '',
      refunded_cents: Number(fields.refunded_cents ?? 0),
      expires_at: Number(fields.expires_at ?? 0),
      created_at: Number(fields.created_at ?? 0),
      paid_at: Number(fields.paid_at ?? 0),
    };
    // Alipay closes an unpaid trade at its time_expire.
    if (trade.status === 'WAIT_BUYER_PAY' && trade.expires_at > 0 && this.#clock.now() > trade.expires_at) {
      if (await this.#decide(outTradeNo, 'closed')) {
        await this.#update(outTradeNo, { status: 'TRADE_CLOSED' });
        trade.status = 'TRADE_CLOSED';
      }
    }
    return trade;
  }

  async #update(outTradeNo: string, fields: Record<string, string | number>): Promise<void> {
    const key = this.#tradeKey(outTradeNo);
    await this.#kv.hset(key, fields);
    await this.#kv.expire(key, TRADE_TTL_MS);
  }

  /** Paid or closed, decided once: the first of pay / close / expiry wins. Resolves true when `outcome` won. */
  #decide(outTradeNo: string, outcome: 'paid' | 'closed'): Promise<boolean> {
    const key = this.#finalKey(outTradeNo);
    return this.#kv.set(key, outcome, { onlyIfAbsent: true, ttlMs: TRADE_TTL_MS });
  }

  async #finalOutcome(outTradeNo: string): Promise<string | null> {
    return this.#kv.get(this.#finalKey(outTradeNo));
  }

  // ---------------------------------------------------------------- pay page

  /** Checks a page request exactly as Alipay would before showing its cashier. */
  #verifyPageRequest(params: Record<string, string>): PageRequest | string {
    if (params.sign_type !== 'RSA2') return 'sign_type must be RSA2';
    if (!verifyMerchantRequest(params, this.#appPublicKey)) return '验签出错 (invalid signature)';
    if (params.app_id !== this.appId) return 'isv.invalid-app-id';
    const method = params.method ?? '';
    if (!PAGE_METHODS.includes(method)) return `unsupported method ${method}`;
    let biz: Record<string, unknown>;
    try {
      biz = JSON.parse(params.biz_content ?? '') as Record<string, unknown>;
    } catch {
      return 'biz_content is not JSON';
    }
    const outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(outTradeNo)) return 'out_trade_no is invalid';
    const totalCents = parseYuan(typeof biz.total_amount === 'string' ? biz.total_amount : undefined);
    if (totalCents === null || totalCents < 1) return 'total_amount is invalid';
    if (biz.product_code !== PRODUCT_OF[method]) return 'product_code does not match the method';
    const expiresAt =
      biz.time_expire === undefined
        ? null
        : parseAlipayTime(typeof biz.time_expire === 'string' ? biz.time_expire : '');
    if (biz.time_expire !== undefined && expiresAt === null) return 'time_expire is invalid';
    const notifyUrl = params.notify_url ?? '';
    const returnUrl = params.return_url ?? '';
    if (!/^https?:\/\//.test(notifyUrl) || !/^https?:\/\//.test(returnUrl))
      return 'notify_url and return_url are required';
    return {
      params,
      method,
      outTradeNo,
      totalCents,
      subject: typeof biz.subject === 'string' ? biz.subject : '',
      expiresAt,
      notifyUrl,
      returnUrl,
    };
  }

  /** Opens (or re-opens) the trade the page request describes. */
  async #openTrade(request: PageRequest): Promise<Trade | string> {
    const now = this.#clock.now();
    if (request.expiresAt !== null && now > request.expiresAt) return '交易已超时关闭 (the trade has expired)';
    const existing = await this.#trade(request.outTradeNo);
    if (existing) {
      if (existing.total_cents !== request.totalCents) return 'ACQ.CONTEXT_INCONSISTENT: 交易信息被篡改';
      return existing;
    }
    await this.#update(request.outTradeNo, {
      status: 'WAIT_BUYER_PAY',
      total_cents: request.totalCents,
      subject: request.subject.slice(0, 256),
      trade_no:
        `${alipayTime(now).slice(0, 10).replaceAll('-', '')}2200${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e9)).padStart(9, '0')}`.slice(
          0,
          28,
        ),
      refunded_cents: 0,
      expires_at: request.expiresAt ?? now + 24 * 3600_000,
      created_at: now,
      paid_at: 0,
    });
    return (await this.#trade(request.outTradeNo))!;
  }

  /** GET of the pay URL: the cashier page. `rawQuery` is the query string exactly as received. */
  async openPayPage(params: Record<string, string>, rawQuery: string, actionPath: string): Promise<PageOutcome> {
    const request = this.#verifyPageRequest(params);
    if (typeof request === 'string') return errorPage(400, request);
    const trade = await this.#openTrade(request);
    if (typeof trade === 'string') return errorPage(400, trade);
    const amount = formatYuan(trade.total_cents);
    const state =
      trade.status === 'TRADE_SUCCESS'
        ? '<p id="state">已支付 (already paid)</p>'
        : trade.status === 'TRADE_CLOSED'
          ? '<p id="state">交易已关闭 (closed)</p>'
          : `<form method="post" action="${escapeHtml(actionPath)}">
<input type="hidden" name="request" value="${escapeHtml(rawQuery)}">
<button id="pay" type="submit" name="action" value="pay">Pay ¥${amount}</button>
<button id="cancel" type="submit" name="action" value="cancel">Cancel</button></form>`;
    const html = page(
      '支付宝 · 模拟收银台',
      `<p class="note">Inkstone payment simulator: no real money moves.</p>
<h1 id="subject">${escapeHtml(trade.subject)}</h1>
<div class="amount" id="amount">¥${amount}</div>
<dl><dt>Order</dt><dd id="out-trade-no">${escapeHtml(request.outTradeNo)}</dd>
<dt>Expires</dt><dd>${escapeHtml(alipayTime(trade.expires_at))}</dd></dl>
${state}`,
    );
    return { ok: true, html };
  }

  /** POST from the cashier page: `pay` or `cancel`. Redirects the browser to the merchant's return URL. */
  async act(params: Record<string, string>, action: string): Promise<ActionOutcome> {
    const request = this.#verifyPageRequest(params);
    if (typeof request === 'string') return errorPage(400, request);
    const trade = await this.#openTrade(request);
    if (typeof trade === 'string') return errorPage(400, trade);
    if (action === 'pay') {
      if (trade.status === 'WAIT_BUYER_PAY' && (await this.#decide(request.outTradeNo, 'paid'))) {
        await this.#update(request.outTradeNo, { status: 'TRADE_SUCCESS', paid_at: this.#clock.now() });
        const paid = (await this.#trade(request.outTradeNo))!;
        await this.#sendNotify(request, paid);
      } else if ((await this.#finalOutcome(request.outTradeNo)) !== 'paid') {
        return errorPage(409, '交易已关闭 (the trade is closed)');
      }
    } else if (action === 'cancel') {
      if (trade.status === 'WAIT_BUYER_PAY' && (await this.#decide(request.outTradeNo, 'closed'))) {
        await this.#update(request.outTradeNo, { status: 'TRADE_CLOSED' });
      }
    } else {
      return errorPage(400, 'unknown action');
    }
    const final = (await this.#trade(request.outTradeNo))!;
    return { ok: true, redirect: this.#returnUrl(request, final) };
  }

  #returnUrl(request: PageRequest, trade: Trade): string {
    const fields: Record<string, string> = {
      app_id: this.appId,
      auth_app_id: this.appId,
      method: `${request.method}.return`,
      charset: 'utf-8',
      version: '1.0',
      timestamp: alipayTime(this.#clock.now()),
      out_trade_no: request.outTradeNo,
      total_amount: formatYuan(trade.total_cents),
      seller_id: this.sellerId,
    };
    if (trade.status !== 'WAIT_BUYER_PAY' && trade.paid_at > 0) fields.trade_no = trade.trade_no;
    const url = new URL(request.returnUrl);
    for (const [key, value] of Object.entries(signAsAlipay(fields, this.#signingKey))) url.searchParams.set(key, value);
    return url.toString();
  }

  /** The asynchronous notify: sent now, then retried while the merchant does not answer `success`. */
  async #sendNotify(request: PageRequest, trade: Trade): Promise<void> {
    const amount = formatYuan(trade.total_cents);
    const now = this.#clock.now();
    const form = signAsAlipay(
      {
        notify_time: alipayTime(now),
        notify_type: 'trade_status_sync',
        notify_id: randomBytes(16).toString('hex'),
        app_id: this.appId,
        auth_app_id: this.appId,
        charset: 'utf-8',
        version: '1.0',
        trade_no: trade.trade_no,
        out_trade_no: request.outTradeNo,
        buyer_id: BUYER_ID,
        buyer_logon_id: 'sim***@inkstone.local',
        seller_id: this.sellerId,
        seller_email: 'simulator@inkstone.local',
        trade_status: 'TRADE_SUCCESS',
        total_amount: amount,
        receipt_amount: amount,
        invoice_amount: amount,
        buyer_pay_amount: amount,
        point_amount: '0.00',
        subject: trade.subject,
        gmt_create: alipayTime(trade.created_at),
        gmt_payment: alipayTime(trade.paid_at || now),
        fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
      },
      this.#signingKey,
    );
    const attempt = async (n: number): Promise<void> => {
      let answer: string;
      try {
        answer = (await this.#deliver(request.notifyUrl, form)).trim();
      } catch (error) {
        answer = `error: ${(error as Error).message}`;
      }
      if (answer === 'success') return;
      this.#logger.warn(
        { outTradeNo: request.outTradeNo, attempt: n + 1, answer: answer.slice(0, 60) },
        'payment simulator: notify not acknowledged',
      );
      const delay = RETRY_DELAYS_MS[n];
      if (delay === undefined || this.#closed) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void attempt(n + 1);
      }, delay);
      timer.unref();
      this.#timers.add(timer);
    };
    await attempt(0);
  }

  // ---------------------------------------------------------------- gateway

  /** The loopback URL of the server-to-server gateway (started on first use). */
  gatewayUrl(): Promise<string> {
    this.#server ??= new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => void this.#serve(req, res));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.unref();
        resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do` });
      });
    });
    return this.#server.then((s) => s.url);
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/x-www-form-urlencoded')) {
      for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[key] = value;
    }
    let body: string;
    try {
      body = await this.gateway(params);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end((error as Error).message);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(body);
  }

  /** One gateway call (`alipay.trade.query|close|refund`): the signed JSON answer. */
  async gateway(params: Record<string, string>): Promise<string> {
    const method = params.method ?? '';
    const answer = (body: Record<string, unknown>) => signedGatewayResponse(method, body, this.#signingKey);
    const failure = (code: string, msg: string, subCode: string, subMsg: string, extra: Record<string, unknown> = {}) =>
      answer({ code, msg, sub_code: subCode, sub_msg: subMsg, ...extra });
    if (params.sign_type !== 'RSA2' || !verifyMerchantRequest(params, this.#appPublicKey)) {
      return failure('40002', 'Invalid Arguments', 'isv.invalid-signature', '验签出错');
    }
    if (params.app_id !== this.appId)
      return failure('40002', 'Invalid Arguments', 'isv.invalid-app-id', '无效的AppID参数');
    let biz: Record<string, unknown>;
    try {
      biz = JSON.parse(params.biz_content ?? '') as Record<string, unknown>;
    } catch {
      return failure('40002', 'Invalid Arguments', 'isv.invalid-parameter', 'biz_content');
    }
    const outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : '';
    const trade = outTradeNo ? await this.#trade(outTradeNo) : null;
    const notFound = () =>
      failure('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在', { out_trade_no: outTradeNo });

    switch (method) {
      case 'alipay.trade.query': {
        if (!trade) return notFound();
        const amount = formatYuan(trade.total_cents);
        return answer({
          code: '10000',
          msg: 'Success',
          out_trade_no: outTradeNo,
          trade_no: trade.trade_no,
          trade_status: trade.status,
          total_amount: amount,
          buyer_pay_amount: trade.status === 'WAIT_BUYER_PAY' ? '0.00' : amount,
          buyer_logon_id: 'sim***@inkstone.local',
          buyer_user_id: BUYER_ID,
          send_pay_date: trade.paid_at ? alipayTime(trade.paid_at) : undefined,
        });
      }
      case 'alipay.trade.close': {
        if (!trade) return notFound();
        if (trade.status === 'WAIT_BUYER_PAY' && (await this.#decide(outTradeNo, 'closed'))) {
          await this.#update(outTradeNo, { status: 'TRADE_CLOSED' });
        }
        if ((await this.#finalOutcome(outTradeNo)) === 'paid') {
          return failure('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法', {
            out_trade_no: outTradeNo,
          });
        }
        return answer({ code: '10000', msg: 'Success', out_trade_no: outTradeNo, trade_no: trade.trade_no });
      }
      case 'alipay.trade.refund': {
        if (!trade) return notFound();
        const requestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : '';
        const cents = parseYuan(typeof biz.refund_amount === 'string' ? biz.refund_amount : undefined);
        if (!requestNo || cents === null || cents < 1)
          return failure('40002', 'Invalid Arguments', 'isv.invalid-parameter', 'refund_amount / out_request_no');
        if ((await this.#finalOutcome(outTradeNo)) !== 'paid') {
          return failure('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法', {
            out_trade_no: outTradeNo,
          });
        }
        const refundKey = `paysim:refund:${this.appId}:${outTradeNo}:${requestNo}`;
        const success = (fundChange: 'Y' | 'N', refunded: number) =>
          answer({
            code: '10000',
            msg: 'Success',
            out_trade_no: outTradeNo,
            trade_no: trade.trade_no,
            buyer_logon_id: 'sim***@inkstone.local',
            fund_change: fundChange,
            refund_fee: formatYuan(refunded),
            gmt_refund_pay: alipayTime(this.#clock.now()),
          });
        if (!(await this.#kv.set(refundKey, String(cents), { onlyIfAbsent: true, ttlMs: TRADE_TTL_MS }))) {
          // The same out_request_no again: Alipay answers the first outcome and moves no money.
          if ((await this.#kv.get(refundKey)) !== String(cents)) {
            return failure('40004', 'Business Failed', 'ACQ.REASON_REQUEST_AMOUNT_INCONSISTENT', '请求金额不一致', {
              out_trade_no: outTradeNo,
            });
          }
          return success('N', (await this.#trade(outTradeNo))!.refunded_cents);
        }
        const refunded = await this.#kv.hincr(this.#tradeKey(outTradeNo), 'refunded_cents', cents);
        if (refunded > trade.total_cents) {
          await this.#kv.hincr(this.#tradeKey(outTradeNo), 'refunded_cents', -cents);
          await this.#kv.del(refundKey);
          return failure('40004', 'Business Failed', 'ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额超限', {
            out_trade_no: outTradeNo,
          });
        }
        // A fully refunded trade is closed, as Alipay does.
        if (refunded === trade.total_cents) await this.#update(outTradeNo, { status: 'TRADE_CLOSED' });
        return success('Y', refunded);
      }
      default:
        return failure('40004', 'Business Failed', 'isv.invalid-method', `simulator does not implement ${method}`);
    }
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const running = this.#server;
    this.#server = undefined;
    if (running) {
      const { server } = await running.catch(() => ({ server: null }));
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

/** Posts a notify over HTTP, as Alipay does. */
export const deliverByHttp: NotifyDeliverer = async (url, form) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return response.text();
};
