/**
 * The one HTTP call every vendor adapter makes: global fetch with a timeout, network failures
 * and timeouts mapped to retryable SmsSendErrors. Error messages name the vendor and the kind
 * of failure only, never the URL (Ronglian's carries the account id and sig) or headers.
 */
import { SmsSendError } from './sms.js';

export const DEFAULT_TIMEOUT_MS = 5000;

export interface VendorResponse {
  status: number;
  text: string;
}

export async function vendorRequest(
  vendor: string,
  fetchImpl: typeof fetch,
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<VendorResponse> {
  try {
    const response = await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, text: await response.text() };
  } catch (err) {
    throw new SmsSendError(`${vendor}: ${describeNetworkError(err, timeoutMs)}`, true);
  }
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no response within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' && /^[A-Z_]+$/.test(cause.code) ? ` (${cause.code})` : '';
  return `network error${code}`;
}

/** Parses a JSON object body; `undefined` when the body is not one (a proxy's HTML page, say). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Error for an answer without a usable vendor code: 5xx (and an unreadable 2xx) may pass, 4xx will not. */
export function httpError(vendor: string, status: number): SmsSendError {
  const retryable = status >= 500 || status === 429 || (status >= 200 && status < 300);
  const what = status >= 200 && status < 300 ? 'unreadable response' : `HTTP ${status}`;
  return new SmsSendError(`${vendor}: ${what}`, retryable);
}
