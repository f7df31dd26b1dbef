/**
 * The Alipay adapter of the payment port, on the official `alipay-sdk` (OpenAPI v2, RSA2):
 * - pay: `alipay.trade.page.pay` (PC) / `alipay.trade.wap.pay` (mobile web) as a signed gateway
 *   URL, with `time_expire` so Alipay itself refuses a payment after the order's expiry;
 * - notify and return: `sign_type` must be RSA2 (the SDK would otherwise verify the weaker RSA-SHA1
 *   a forger asked for), then the SDK verifies the signature with the Alipay public key, then
 *   app_id, seller_id (when configured), out_trade_no and total_amount are checked;
 * - query / close / refund: `exec` with `validateSign`, so every answer is verified against the
 *   Alipay public key before it is believed.
 * Alipay's names and decimal amounts stay in this file; callers see the neutral port.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type * as Alipay from 'alipay-sdk';
import type { AlipaySdk, AlipaySdkCommonResult } from 'alipay-sdk';
import { optionalPackage } from '../optional-package.js';
import { createTimeFormat } from '../time.js';
import { formatYuan, parseYuan } from './money.js';
import { privateKeyType } from './keys.js';
import {
  PaymentProviderError,
  type CloseResult,
  type PaymentChannel,
  type PaymentProvider,
  type PaymentRequest,
  type PaymentState,
  type QueryResult,
  type RefundResult,
  type Verification,
  type VerifiedPayment,
  type VerifiedReturn,
} from './provider.js';

export interface AlipayAdapterOptions {
  appId: string;
  privateKey: string;
  alipayPublicKey: string;
  /** Server-to-server gateway (query, close, refund); a function when it is only known later (the simulator's). */
  gateway: string | (() => Promise<string>);
  /** Where the browser is sent to pay; the gateway unless the simulator serves its page elsewhere. */
  payGateway?: string;
  sellerId?: string;
  notifyUrl: string;
  returnUrl: string;
  /** Where a mobile buyer who gives up goes (`quit_url` of wap.pay). */
  quitUrl: string;
  timeoutMs?: number;
}

const PRODUCTS: Record<PaymentChannel, { method: string; productCode: string }> = {
  pc: { method: 'alipay.trade.page.pay', productCode: 'FAST_INSTANT_TRADE_PAY' },
  wap: { method: 'alipay.trade.wap.pay', productCode: 'QUICK_WAP_WAY' },
};

const TRADE_STATES: Record<string, PaymentState> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'paid',
  TRADE_FINISHED: 'paid',
  TRADE_CLOSED: 'closed',
};

const ORDER_ID = /^[0-9]{1,19}$/;

/** Alipay reads times as China Standard Time (`yyyy-MM-dd HH:mm:ss`), whatever our own zone. */
export const alipayTime = createTimeFormat('Asia/Shanghai').plain;

/** Subjects may not carry `/`, `=` or `&` (Alipay rejects them) and are at most 256 characters. */
function subjectOf(text: string): string {
  const clean = text
    .replace(/[/=&\r\n\t]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(clean || 'Inkstone')
    .slice(0, 128)
    .join('');
}

function reject(
  reason: string,
  params: Record<string, string>,
): { ok: false; reason: string; detail: Record<string, string> } {
  // Only what helps an audit: never the signature.
  const detail: Record<string, string> = {};
  for (const key of [
    'app_id',
    'out_trade_no',
    'trade_no',
    'trade_status',
    'total_amount',
    'seller_id',
    'sign_type',
    'notify_id',
    'method',
  ]) {
    const value = params[key];
    if (value !== undefined) detail[key] = value.slice(0, 80);
  }
  return { ok: false, reason, detail };
}

export function createAlipayProvider(options: AlipayAdapterOptions): PaymentProvider {
  const keyType = privateKeyType(options.privateKey);
  const { AlipaySdk: Sdk } = optionalPackage<typeof Alipay>('alipay-sdk');
  const sdkFor = (gateway: string) => {
    const sdk = new Sdk({
      appId: options.appId,
      privateKey: options.privateKey,
      alipayPublicKey: options.alipayPublicKey,
      keyType,
      signType: 'RSA2',
      gateway,
      camelcase: false,
      timeout: options.timeoutMs ?? 5000,
    });
    // The SDK keeps both keys as PEM text, and node:crypto decodes PEM on every sign and verify
    // (~0.5 ms each with OpenSSL 3, twice per notify). Every use in alipay-sdk 4.14 hands the key
    // straight to createSign/createVerify, which take a decoded KeyObject as well: decode once.
    const config = sdk.config as unknown as { privateKey: string | KeyObject; alipayPublicKey: string | KeyObject };
    config.privateKey = createPrivateKey(config.privateKey as string);
    config.alipayPublicKey = createPublicKey(config.alipayPublicKey as string);
    return sdk;
  };
  // Pages and signature checks need no network: one SDK for them, built now so a bad key fails the boot.
  const pageSdk = sdkFor(
    options.payGateway ??
      (typeof options.gateway === 'string' ? options.gateway : 'https://openapi.alipay.com/gateway.do'),
  );
  let execSdk: Promise<AlipaySdk> | undefined;
  const gatewaySdk = () => {
    if (!execSdk) {
      const gateway = typeof options.gateway === 'string' ? Promise.resolve(options.gateway) : options.gateway();
      execSdk = gateway.then(sdkFor);
      execSdk.catch(() => (execSdk = undefined));
    }
    return execSdk;
  };

  /** Signature, sign_type and app checks shared by notifies and returns. */
  function verifySigned(
    params: Record<string, string>,
  ): { ok: false; reason: string; detail: Record<string, string> } | null {
    if (params.sign_type !== 'RSA2')
      return reject(params.sign_type === undefined ? 'missing_sign_type' : 'sign_type', params);
    if (!params.sign) return reject('missing_sign', params);
    let valid: boolean;
    try {
      // V2: the values as received (already form-decoded), not decoded a second time.
      valid = pageSdk.checkNotifySignV2(params);
    } catch {
      valid = false;
    }
    if (!valid) return reject('bad_signature', params);
    if (params.app_id !== options.appId) return reject('app_id', params);
    if (options.sellerId !== undefined && params.seller_id !== options.sellerId) return reject('seller_id', params);
    if (!params.out_trade_no || !ORDER_ID.test(params.out_trade_no)) return reject('out_trade_no', params);
    return null;
  }

  async function exec(method: string, bizContent: Record<string, string>): Promise<AlipaySdkCommonResult> {
    const sdk = await gatewaySdk();
    let result: AlipaySdkCommonResult;
    try {
      result = await sdk.exec(method, { bizContent }, { validateSign: true });
    } catch (error) {
      throw new PaymentProviderError(`${method}: ${(error as Error).message.slice(0, 200)}`);
    }
    if (result.code !== '10000' && result.code !== '40004') {
      // 20000 (service busy), 40002 (bad arguments / signature), …: nothing we can act on.
      throw new PaymentProviderError(
        `${method}: ${result.code} ${result.sub_code ?? result.msg}`,
        result.sub_code ?? result.code,
      );
    }
    if (
      result.code === '10000' &&
      result.out_trade_no !== undefined &&
      result.out_trade_no !== bizContent.out_trade_no
    ) {
      throw new PaymentProviderError(`${method}: answer is about another order`);
    }
    return result;
  }

  return {
    name: 'alipay',

    async createPayment(request: PaymentRequest, channel: PaymentChannel) {
      const product = PRODUCTS[channel];
      const bizContent: Record<string, string> = {
        out_trade_no: String(request.orderId),
        total_amount: formatYuan(request.amountCents),
        subject: subjectOf(request.subject),
        product_code: product.productCode,
        time_expire: alipayTime(request.expiresAt),
      };
      if (channel === 'wap') bizContent.quit_url = options.quitUrl;
      const payUrl = pageSdk.pageExecute(product.method, 'GET', {
        bizContent,
        notify_url: options.notifyUrl,
        return_url: options.returnUrl,
      });
      return { payUrl };
    },

    parseNotification(params): Verification<VerifiedPayment> {
      const problem = verifySigned(params);
      if (problem) return problem;
      const status = TRADE_STATES[params.trade_status ?? ''];
      if (!status) return reject('trade_status', params);
      const amountCents = parseYuan(params.total_amount);
      if (amountCents === null) return reject('total_amount', params);
      return {
        ok: true,
        value: { orderId: BigInt(params.out_trade_no!), amountCents, status, providerTradeNo: params.trade_no ?? null },
      };
    },

    parseReturn(params): Verification<VerifiedReturn> {
      const problem = verifySigned(params);
      if (problem) return problem;
      const amountCents = params.total_amount === undefined ? null : parseYuan(params.total_amount);
      if (params.total_amount !== undefined && amountCents === null) return reject('total_amount', params);
      return {
        ok: true,
        value: { orderId: BigInt(params.out_trade_no!), amountCents, providerTradeNo: params.trade_no ?? null },
      };
    },

    async query(orderId): Promise<QueryResult> {
      const result = await exec('alipay.trade.query', { out_trade_no: String(orderId) });
      if (result.code === '40004') {
        if (result.sub_code === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found' };
        throw new PaymentProviderError(`alipay.trade.query: ${result.sub_code}`, result.sub_code);
      }
      const status = TRADE_STATES[String(result.trade_status)];
      if (!status)
        throw new PaymentProviderError(
          `alipay.trade.query: unknown trade_status ${String(result.trade_status).slice(0, 40)}`,
        );
      return {
        status,
        amountCents: parseYuan(typeof result.total_amount === 'string' ? result.total_amount : undefined),
        providerTradeNo: typeof result.trade_no === 'string' ? result.trade_no : null,
      };
    },

    async close(orderId): Promise<CloseResult> {
      const result = await exec('alipay.trade.close', { out_trade_no: String(orderId) });
      if (result.code === '10000') return 'closed';
      if (result.sub_code === 'ACQ.TRADE_NOT_EXIST') return 'not_found';
      if (result.sub_code === 'ACQ.TRADE_STATUS_ERROR') return 'conflict';
      throw new PaymentProviderError(`alipay.trade.close: ${result.sub_code}`, result.sub_code);
    },

    async refund(orderId, amountCents, requestId): Promise<RefundResult> {
      const result = await exec('alipay.trade.refund', {
        out_trade_no: String(orderId),
        refund_amount: formatYuan(amountCents),
        out_request_no: requestId,
      });
      if (result.code === '10000') return { status: 'succeeded' };
      // ACQ.SYSTEM_ERROR is "try again with the same out_request_no": not a definite answer.
      if (result.sub_code === 'ACQ.SYSTEM_ERROR')
        throw new PaymentProviderError('alipay.trade.refund: ACQ.SYSTEM_ERROR', result.sub_code);
      return { status: 'failed', reason: String(result.sub_code ?? result.msg) };
    },

    acknowledgement: (accepted) => (accepted ? 'success' : 'failure'),

    async shutdown() {},
  };
}
