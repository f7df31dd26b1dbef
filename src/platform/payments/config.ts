/**
 * Payment settings. `src/config.ts` (the one reader of process.env) is meant to fill
 * `config.payments` with `readPaymentsConfig`; until it does, `paymentsConfigOf(config)` falls
 * back to the defaults below, which run the embedded simulator outside production.
 */
import fs from 'node:fs';
import type { Config, NodeEnv } from '../../config.js';

export interface AlipayConfig {
  appId: string;
  /** The application's private key: PEM (PKCS#1 or PKCS#8) or bare base64 as Alipay's key tool prints it. */
  privateKey: string;
  /** Alipay's public key (from the open platform console), PEM or bare base64. */
  alipayPublicKey: string;
  /** Production `https://openapi.alipay.com/gateway.do`; sandbox `https://openapi-sandbox.dl.alipaydev.com/gateway.do`. */
  gateway: string;
  /** The merchant's Alipay user id (2088…): notifies for another seller are refused. */
  sellerId?: string;
}

export type PaymentsProviderName = 'simulator' | 'alipay' | 'off';

export interface PaymentsConfig {
  /** `simulator` (default outside production), `alipay`, or `off` (default in production). */
  provider: PaymentsProviderName;
  alipay?: AlipayConfig;
  /** A pending order is closed after this long. */
  orderTtlSeconds: number;
  /** The platform's share of every payment, in basis points (1000 = 10 %). */
  feeBasisPoints: number;
  tipMinCents: number;
  tipMaxCents: number;
  /** Reconciliation asks the provider about pending orders older than this. */
  reconcileAfterSeconds: number;
  /** Where the buyer's browser lands after paying: `?order_id=…&status=paid|pending|failed` is appended. */
  resultUrl: string;
}

export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';

export function defaultPaymentsConfig(context: { env: NodeEnv; publicUrl: string }): PaymentsConfig {
  return {
    provider: context.env === 'production' ? 'off' : 'simulator',
    orderTtlSeconds: 15 * 60,
    feeBasisPoints: 1000,
    tipMinCents: 1,
    tipMaxCents: 50_000,
    reconcileAfterSeconds: 3 * 60,
    resultUrl: `${context.publicUrl}/payments/result`,
  };
}

/** The payment settings of a loaded config: `config.payments` when present, over the defaults. */
export function paymentsConfigOf(config: Config): PaymentsConfig {
  const given = (config as Config & { payments?: Partial<PaymentsConfig> }).payments ?? {};
  return { ...defaultPaymentsConfig(config), ...given };
}

type Read = (name: string) => string | undefined;
type Fail = (name: string, problem: string) => Error;

/**
 * Parses the PAYMENTS_* and ALIPAY_* variables, for `loadConfig`:
 * `payments: readPaymentsConfig((n) => read(env, n), { env: nodeEnv, publicUrl }, (n, p) => new ConfigError(n, p))`.
 */
export function readPaymentsConfig(
  read: Read,
  context: { env: NodeEnv; publicUrl: string },
  fail: Fail,
): PaymentsConfig {
  const defaults = defaultPaymentsConfig(context);
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw fail(name, `must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw fail(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  };
  const httpUrl = (name: string) => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw fail(name, 'is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw fail(name, 'must use http: or https:');
    return raw;
  };
  /** A key given inline (`ALIPAY_PRIVATE_KEY`, `\n` escapes allowed) or as a file (`ALIPAY_PRIVATE_KEY_FILE`). */
  const key = (name: string) => {
    const inline = read(name);
    if (inline !== undefined) return inline.replace(/\\n/g, '\n');
    const file = read(`${name}_FILE`);
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw fail(`${name}_FILE`, `cannot be read: ${file}`);
    }
  };

  const providerRaw = read('PAYMENTS_PROVIDER') ?? defaults.provider;
  if (!['simulator', 'alipay', 'off'].includes(providerRaw))
    throw fail('PAYMENTS_PROVIDER', `must be simulator, alipay or off, got "${providerRaw}"`);
  const provider = providerRaw as PaymentsProviderName;
  if (provider === 'simulator' && context.env === 'production') {
    throw fail('PAYMENTS_PROVIDER', 'cannot be simulator in production (configure Alipay or set off)');
  }

  let alipay: AlipayConfig | undefined;
  if (provider === 'alipay') {
    const need = (name: string, value: string | undefined) => {
      if (value === undefined) throw fail(name, 'is required when PAYMENTS_PROVIDER=alipay');
      return value;
    };
    alipay = {
      appId: need('ALIPAY_APP_ID', read('ALIPAY_APP_ID')),
      privateKey: need('ALIPAY_PRIVATE_KEY', key('ALIPAY_PRIVATE_KEY')),
      alipayPublicKey: need('ALIPAY_PUBLIC_KEY', key('ALIPAY_PUBLIC_KEY')),
      gateway: httpUrl('ALIPAY_GATEWAY') ?? ALIPAY_PRODUCTION_GATEWAY,
      sellerId: read('ALIPAY_SELLER_ID'),
    };
  }

  const tipMinCents = integer('PAYMENTS_TIP_MIN_CENTS', defaults.tipMinCents, 1, 10_000_000);
  const tipMaxCents = integer('PAYMENTS_TIP_MAX_CENTS', defaults.tipMaxCents, 1, 10_000_000);
  if (tipMaxCents < tipMinCents) throw fail('PAYMENTS_TIP_MAX_CENTS', 'must not be below PAYMENTS_TIP_MIN_CENTS');
  return {
    provider,
    alipay,
    orderTtlSeconds: integer('PAYMENTS_ORDER_TTL_SECONDS', defaults.orderTtlSeconds, 60, 7 * 86400),
    feeBasisPoints: integer('PAYMENTS_FEE_BPS', defaults.feeBasisPoints, 0, 10_000),
    tipMinCents,
    tipMaxCents,
    reconcileAfterSeconds: integer('PAYMENTS_RECONCILE_AFTER_SECONDS', defaults.reconcileAfterSeconds, 30, 86400),
    resultUrl: httpUrl('PAYMENTS_RESULT_URL') ?? defaults.resultUrl,
  };
}
