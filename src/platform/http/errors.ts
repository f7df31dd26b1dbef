/**
 * One error type for everything a client should see. The contract's error body is
 * `{"message": string | {field: reason}}` (§1.4); anything else that escapes a handler becomes a
 * masked 500 carrying the request id.
 */
export type ErrorMessage = string | Record<string, string>;

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: ErrorMessage,
    /** Extra response headers (Retry-After, Allow…). */
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.name = 'AppError';
  }
}

export const badRequest = (message: ErrorMessage) => new AppError(400, message);
/** 400 naming one field, in the contract's parameter-validation shape. */
export const invalidField = (field: string, reason: string) => new AppError(400, { [field]: reason });
export const unauthorized = (message = 'User must be authorized.') => new AppError(401, message);
export const forbidden = (message: string) => new AppError(403, message);
export const notFound = (message = 'Not found.') => new AppError(404, message);
export const conflict = (message: string) => new AppError(409, message);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, 'Too many requests.', { 'retry-after': String(retryAfterSeconds) });
/** A dependency (database, Redis) is down: the client should retry shortly, not report a bug. */
export const SERVICE_UNAVAILABLE_RETRY_S = 5;
export const serviceUnavailable = (retryAfterSeconds = SERVICE_UNAVAILABLE_RETRY_S) =>
  new AppError(503, 'Service temporarily unavailable.', { 'retry-after': String(retryAfterSeconds) });
