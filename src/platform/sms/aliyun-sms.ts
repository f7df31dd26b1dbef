/**
 * Aliyun Dysmsapi `SendSms` (RPC style, API version 2017-05-25, signature version 1.0):
 * a signed GET to `${endpoint}/?<sorted params>&Signature=...`.
 *
 * Signature: the parameters (without Signature) sorted by name, each name and value
 * percent-encoded per RFC 3986 (only A-Z a-z 0-9 - _ . ~ left as they are, UTF-8, uppercase
 * hex), joined as `name=value` with `&`; StringToSign = `GET&%2F&` + percentEncode(that);
 * Signature = base64(HMAC-SHA1(AccessKeySecret + '&', StringToSign)).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { DEFAULT_TIMEOUT_MS, httpError, parseJsonObject, str, vendorRequest } from './http.js';
import { SmsSendError, checkMessage, redact, type SmsMessage, type SmsProvider } from './sms.js';

export interface AliyunSmsOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** Approved sign name (签名), e.g. 墨石. */
  signName: string;
  /** Approved template (模板) code, e.g. SMS_123456789; its only variable is `${code}`. */
  templateCode: string;
  /** Default https://dysmsapi.aliyuncs.com. */
  endpoint?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  nonce?: () => string;
  timeoutMs?: number;
}

/** RFC 3986 percent-encoding as Aliyun specifies it (encodeURIComponent leaves !'()* alone; Aliyun does not). */
export function aliyunPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `name=value&...` sorted by name (code-unit order), both percent-encoded. */
export function aliyunCanonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${aliyunPercentEncode(name)}=${aliyunPercentEncode(params[name]!)}`)
    .join('&');
}

export function aliyunSignature(
  method: 'GET' | 'POST',
  params: Record<string, string>,
  accessKeySecret: string,
): string {
  const stringToSign = `${method}&${aliyunPercentEncode('/')}&${aliyunPercentEncode(aliyunCanonicalQuery(params))}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

/** ISO 8601 UTC to the second: 2024-05-01T08:30:00Z. */
export function aliyunTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Codes where another try within seconds can succeed: the vendor's own transient failures and
 * API-wide flow control (QPS). Per-number limits (isv.BUSINESS_LIMIT_CONTROL, isv.DAY_LIMIT_CONTROL)
 * only get worse when retried, and everything else (signature, key, number, sign, template,
 * balance) needs a person.
 */
const RETRYABLE_CODES = new Set([
  'isp.SYSTEM_ERROR',
  'isv.SYSTEM_ERROR',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableTemporary',
  'Throttling',
  'Throttling.Api',
  'Throttling.User',
  // A retry signs with a fresh nonce and timestamp.
  'SignatureNonceUsed',
]);

export class AliyunSms implements SmsProvider {
  readonly kind = 'aliyun' as const;
  readonly #options: AliyunSmsOptions;
  readonly #endpoint: string;
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;
  readonly #nonce: () => string;

  constructor(options: AliyunSmsOptions) {
    for (const key of ['accessKeyId', 'accessKeySecret', 'signName', 'templateCode'] as const) {
      if (!options[key]) throw new Error(`aliyun SMS: ${key} is required`);
    }
    this.#options = options;
    this.#endpoint = (options.endpoint ?? 'https://dysmsapi.aliyuncs.com').replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? (() => new Date());
    this.#nonce = options.nonce ?? randomUUID;
  }

  async send(message: SmsMessage): Promise<void> {
    const { mobile, code } = checkMessage(message);
    const params: Record<string, string> = {
      AccessKeyId: this.#options.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: mobile,
      RegionId: 'cn-hangzhou',
      SignName: this.#options.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: this.#nonce(),
      SignatureVersion: '1.0',
      TemplateCode: this.#options.templateCode,
      TemplateParam: JSON.stringify({ code }),
      Timestamp: aliyunTimestamp(this.#now()),
      Version: '2017-05-25',
    };
    const signature = aliyunSignature('GET', params, this.#options.accessKeySecret);
    const url = `${this.#endpoint}/?${aliyunCanonicalQuery(params)}&Signature=${aliyunPercentEncode(signature)}`;

    const response = await vendorRequest(
      'aliyun',
      this.#fetch,
      url,
      { method: 'GET', headers: { Accept: 'application/json' } },
      this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const body = parseJsonObject(response.text);
    const vendorCode = str(body?.Code);
    if (response.status === 200 && vendorCode === 'OK') return;
    if (!vendorCode) throw httpError('aliyun', response.status);

    const retryable = RETRYABLE_CODES.has(vendorCode) || (response.status >= 500 && !vendorCode.startsWith('isv.'));
    const detail = redact(str(body?.Message) ?? '', [code, mobile, this.#options.accessKeySecret]);
    throw new SmsSendError(
      `aliyun SendSms failed: ${vendorCode}${detail ? ` (${detail})` : ''}`,
      retryable,
      vendorCode,
    );
  }
}
