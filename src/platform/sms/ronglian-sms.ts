/**
 * Ronglian Yuntongxun (容联云通讯) template SMS, REST API 2013-12-26:
 * POST `${endpoint}/2013-12-26/Accounts/{accountSid}/SMS/TemplateSMS?sig={SigParameter}` with
 *   SigParameter  = uppercase hex MD5(accountSid + authToken + timestamp)
 *   Authorization = base64(accountSid + ':' + timestamp)
 *   timestamp     = yyyyMMddHHmmss in China time (UTC+8, no DST); the vendor accepts it for 24 h.
 * Body `{"to","appId","templateId","datas":[code, minutes]}`; success is statusCode "000000".
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TIMEOUT_MS, httpError, parseJsonObject, str, vendorRequest } from './http.js';
import { SmsSendError, checkMessage, redact, type SmsMessage, type SmsProvider } from './sms.js';

export interface RonglianSmsOptions {
  /** Main account ACCOUNT SID. */
  accountSid: string;
  /** Main account AUTH TOKEN. */
  authToken: string;
  /** Application APP ID. */
  appId: string;
  /** Approved template id; its variables are {1} = code, {2} = minutes. */
  templateId: string;
  /** Default https://app.cloopen.com:8883 (sandbox: https://sandboxapp.cloopen.com:8883). */
  endpoint?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  timeoutMs?: number;
}

/** yyyyMMddHHmmss in Asia/Shanghai (UTC+8 all year). */
export function ronglianTimestamp(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace(/\D/g, '');
}

export function ronglianSig(accountSid: string, authToken: string, timestamp: string): string {
  return createHash('md5').update(`${accountSid}${authToken}${timestamp}`, 'utf8').digest('hex').toUpperCase();
}

export function ronglianAuthorization(accountSid: string, timestamp: string): string {
  return Buffer.from(`${accountSid}:${timestamp}`, 'utf8').toString('base64');
}

/**
 * Codes where another try within seconds can succeed: 160000 system error, 111000-111099
 * internal errors, 111111 concurrency limit exceeded. Everything else (111109 sig check
 * failed, 111106 timestamp expired, 160038 too frequent for this number, 160039/160040 daily
 * limits, 160042 bad number, 112xxx template/number errors, account and app state) is final.
 */
const isRetryableCode = (code: string) => code === '160000' || code === '111111' || /^1110\d\d$/.test(code);

export class RonglianSms implements SmsProvider {
  readonly kind = 'ronglian' as const;
  readonly #options: RonglianSmsOptions;
  readonly #endpoint: string;
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;

  constructor(options: RonglianSmsOptions) {
    for (const key of ['accountSid', 'authToken', 'appId', 'templateId'] as const) {
      if (!options[key]) throw new Error(`ronglian SMS: ${key} is required`);
    }
    this.#options = options;
    this.#endpoint = (options.endpoint ?? 'https://app.cloopen.com:8883').replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? (() => new Date());
  }

  async send(message: SmsMessage): Promise<void> {
    const { mobile, code, minutes } = checkMessage(message);
    const { accountSid, authToken, appId, templateId } = this.#options;
    const timestamp = ronglianTimestamp(this.#now());
    const url = `${this.#endpoint}/2013-12-26/Accounts/${encodeURIComponent(accountSid)}/SMS/TemplateSMS?sig=${ronglianSig(accountSid, authToken, timestamp)}`;
    const headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json;charset=utf-8',
      Authorization: ronglianAuthorization(accountSid, timestamp),
    };
    const body = JSON.stringify({ to: mobile, appId, templateId, datas: [code, minutes] });

    const response = await vendorRequest(
      'ronglian',
      this.#fetch,
      url,
      { method: 'POST', headers, body },
      this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const result = parseJsonObject(response.text);
    const vendorCode = str(result?.statusCode);
    if (response.status === 200 && vendorCode === '000000') return;
    if (!vendorCode || vendorCode === '000000') throw httpError('ronglian', response.status);

    const detail = redact(str(result?.statusMsg) ?? '', [code, mobile, authToken]);
    const retryable = isRetryableCode(vendorCode) || response.status >= 500;
    throw new SmsSendError(
      `ronglian TemplateSMS failed: ${vendorCode}${detail ? ` (${detail})` : ''}`,
      retryable,
      vendorCode,
    );
  }
}
