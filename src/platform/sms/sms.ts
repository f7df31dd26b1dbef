/**
 * SMS port: one verification-code template, sent through a vendor adapter (Aliyun, Tencent
 * Cloud, Ronglian Yuntongxun) or, in development only, logged by the console adapter.
 *
 * Sending is meant to run inside a job (see `createSmsJobProcessor`): adapters throw
 * `SmsSendError`, whose `retryable` flag says whether another try a few seconds later could
 * succeed (network failure, timeout, HTTP 5xx, vendor-side transient error or API rate limit) or
 * cannot (bad credentials or signature, invalid number, unapproved sign/template, per-number
 * frequency limits, no balance).
 *
 * Secrets never appear in error messages, and neither does the code or the full mobile number:
 * vendor messages are echoed only after `redact` (Aliyun, for one, echoes its whole string to
 * sign on a signature mismatch, and that contains the template parameters).
 */
export interface SmsMessage {
  /** 11-digit mainland China number without country code, e.g. 13600001111. */
  mobile: string;
  template: 'verification-code';
  params: { code: string; minutes: number };
}

export type SmsProviderKind = 'console' | 'aliyun' | 'tencent' | 'ronglian';

export interface SmsProvider {
  /** `console` logs codes and must never be selected in production: the caller enforces that. */
  readonly kind: SmsProviderKind;
  send(message: SmsMessage): Promise<void>;
}

export class SmsSendError extends Error {
  override readonly name = 'SmsSendError';
  constructor(
    message: string,
    /** Whether trying again shortly could succeed. */
    readonly retryable: boolean,
    /** The vendor's error code, when the vendor answered with one. */
    readonly vendorCode?: string,
  ) {
    super(message);
  }
}

/** Logger shape the console adapter needs (pino's `info` fits). */
export interface SmsLogger {
  info(obj: object, msg: string): void;
}

const MAINLAND_MOBILE = /^1\d{10}$/;

/** `13600001111` → `136****1111`; anything shorter than 8 characters is masked entirely. */
export function maskMobile(mobile: string): string {
  if (mobile.length < 8) return '*'.repeat(mobile.length);
  return `${mobile.slice(0, 3)}****${mobile.slice(-4)}`;
}

/**
 * Rejects what no vendor would accept before anything is sent (not retryable). Returns the
 * values every adapter fills into its template.
 */
export function checkMessage(message: SmsMessage): { mobile: string; code: string; minutes: string } {
  if (message.template !== 'verification-code') {
    throw new SmsSendError(`unsupported SMS template: ${String(message.template)}`, false);
  }
  if (typeof message.mobile !== 'string' || !MAINLAND_MOBILE.test(message.mobile)) {
    throw new SmsSendError(`not an 11-digit mainland mobile number: ${maskMobile(String(message.mobile))}`, false);
  }
  const { code, minutes } = message.params;
  if (typeof code !== 'string' || code.length === 0 || code.length > 20) {
    throw new SmsSendError('verification code must be a non-empty string of at most 20 characters', false);
  }
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new SmsSendError('minutes must be a positive integer', false);
  }
  return { mobile: message.mobile, code, minutes: String(minutes) };
}

/**
 * Removes every occurrence of the given values (raw and percent-encoded, as vendors echo
 * either) from a vendor-supplied message and bounds its length.
 */
export function redact(text: string, sensitive: readonly string[], maxLength = 200): string {
  let out = text;
  for (const value of sensitive) {
    if (!value) continue;
    const once = encodeURIComponent(value);
    for (const form of new Set([value, once, encodeURIComponent(once)])) {
      out = out.split(form).join('***');
    }
  }
  // Aliyun: "Specified signature is not matched with our calculation. server string to sign is:..."
  out = out.replace(/\s*server string to sign is:.*$/is, '');
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}
