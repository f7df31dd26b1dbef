/**
 * Tencent Cloud SMS API 3.0 `SendSms` (version 2021-01-11): a JSON POST to `${endpoint}/`
 * signed with TC3-HMAC-SHA256 over the content-type and host headers.
 *
 * CanonicalRequest = POST \n / \n (empty query) \n content-type:…\nhost:…\n \n content-type;host \n hex(sha256(payload))
 * StringToSign     = TC3-HMAC-SHA256 \n timestamp \n date/sms/tc3_request \n hex(sha256(CanonicalRequest))
 * key              = HMAC(HMAC(HMAC('TC3' + SecretKey, date), 'sms'), 'tc3_request')
 * Signature        = hex(HMAC(key, StringToSign)), date = the timestamp's UTC date.
 *
 * The host that is signed is the endpoint's (with its port, if any), which is what fetch sends
 * as Host, so the adapter works unchanged against a local fake.
 */
import { createHash, createHmac } from 'node:crypto';
import { DEFAULT_TIMEOUT_MS, httpError, parseJsonObject, str, vendorRequest } from './http.js';
import { SmsSendError, checkMessage, redact, type SmsMessage, type SmsProvider } from './sms.js';

export interface TencentSmsOptions {
  secretId: string;
  secretKey: string;
  /** SMS application id (SmsSdkAppId), e.g. 1400006666. */
  sdkAppId: string;
  signName: string;
  /** Approved template id; its variables are {1} = code, {2} = minutes. */
  templateId: string;
  /** Default ap-guangzhou. */
  region?: string;
  /** Default https://sms.tencentcloudapi.com. */
  endpoint?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  timeoutMs?: number;
}

export const TENCENT_CONTENT_TYPE = 'application/json; charset=utf-8';

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export interface Tc3Input {
  secretKey: string;
  /** Service name in the credential scope: `sms` here. */
  service: string;
  /** Host header value, lowercase. */
  host: string;
  payload: string;
  /** Unix seconds. */
  timestamp: number;
}

/** The TC3-HMAC-SHA256 signature (hex) of a POST to `/` with content-type;host signed. */
export function tc3Signature(input: Tc3Input): string {
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${TENCENT_CONTENT_TYPE}\nhost:${input.host}\n`,
    'content-type;host',
    sha256Hex(input.payload),
  ].join('\n');
  const stringToSign = [
    'TC3-HMAC-SHA256',
    String(input.timestamp),
    `${date}/${input.service}/tc3_request`,
    sha256Hex(canonicalRequest),
  ].join('\n');
  const secretDate = hmac(`TC3${input.secretKey}`, date);
  const secretService = hmac(secretDate, input.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  return createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Codes where another try within seconds can succeed: Tencent's transient internal failures,
 * service unavailability and API request-rate limits. Per-number limits (LimitExceeded.PhoneNumber*),
 * auth failures, invalid numbers and unapproved sign/template are final.
 */
const RETRYABLE_CODES = new Set([
  'InternalError',
  'InternalError.Timeout',
  'InternalError.SendAndRecvFail',
  'InternalError.ParseBackendResponseFail',
  'ServiceUnavailable',
  'RequestLimitExceeded',
]);
const isRetryableCode = (code: string) => RETRYABLE_CODES.has(code) || code.startsWith('RequestLimitExceeded.');

export class TencentSms implements SmsProvider {
  readonly kind = 'tencent' as const;
  readonly #options: TencentSmsOptions;
  readonly #url: string;
  readonly #host: string;
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;

  constructor(options: TencentSmsOptions) {
    for (const key of ['secretId', 'secretKey', 'sdkAppId', 'signName', 'templateId'] as const) {
      if (!options[key]) throw new Error(`tencent SMS: ${key} is required`);
    }
    const endpoint = new URL(options.endpoint ?? 'https://sms.tencentcloudapi.com');
    if (endpoint.pathname !== '/' || endpoint.search)
      throw new Error('tencent SMS: endpoint must be an origin without a path');
    this.#options = options;
    this.#url = `${endpoint.origin}/`;
    this.#host = endpoint.host.toLowerCase();
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? (() => new Date());
  }

  async send(message: SmsMessage): Promise<void> {
    const { mobile, code, minutes } = checkMessage(message);
    const payload = JSON.stringify({
      PhoneNumberSet: [`+86${mobile}`],
      SmsSdkAppId: this.#options.sdkAppId,
      SignName: this.#options.signName,
      TemplateId: this.#options.templateId,
      TemplateParamSet: [code, minutes],
    });
    const timestamp = Math.floor(this.#now().getTime() / 1000);
    const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
    const signature = tc3Signature({
      secretKey: this.#options.secretKey,
      service: 'sms',
      host: this.#host,
      payload,
      timestamp,
    });
    const headers = {
      Authorization: `TC3-HMAC-SHA256 Credential=${this.#options.secretId}/${date}/sms/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
      'Content-Type': TENCENT_CONTENT_TYPE,
      'X-TC-Action': 'SendSms',
      'X-TC-Version': '2021-01-11',
      'X-TC-Timestamp': String(timestamp),
      'X-TC-Region': this.#options.region ?? 'ap-guangzhou',
    };

    const response = await vendorRequest(
      'tencent',
      this.#fetch,
      this.#url,
      { method: 'POST', headers, body: payload },
      this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    if (response.status !== 200) throw httpError('tencent', response.status);
    const body = parseJsonObject(response.text)?.Response;
    if (body === null || typeof body !== 'object') throw httpError('tencent', response.status);
    const result = body as { Error?: unknown; SendStatusSet?: unknown };
    const sensitive = [code, mobile, this.#options.secretKey];

    if (result.Error !== undefined) {
      const error = result.Error as { Code?: unknown; Message?: unknown } | null;
      const vendorCode = str(error?.Code) ?? 'UnknownError';
      throw this.#error(vendorCode, str(error?.Message), sensitive);
    }
    const status = Array.isArray(result.SendStatusSet)
      ? (result.SendStatusSet[0] as { Code?: unknown; Message?: unknown } | undefined)
      : undefined;
    const statusCode = str(status?.Code);
    if (statusCode === 'Ok') return;
    if (!statusCode) throw httpError('tencent', response.status);
    throw this.#error(statusCode, str(status?.Message), sensitive);
  }

  #error(vendorCode: string, vendorMessage: string | undefined, sensitive: string[]): SmsSendError {
    const detail = redact(vendorMessage ?? '', sensitive);
    return new SmsSendError(
      `tencent SendSms failed: ${vendorCode}${detail ? ` (${detail})` : ''}`,
      isRetryableCode(vendorCode),
      vendorCode,
    );
  }
}
