/**
 * One error type for everything a client should see. The contract's error body is
 * `{"message": string | {field: reason}}` (§1.4); we add `code` from the catalogue in
 * `error-codes.ts`, which also fixes the status. Anything else that escapes a handler becomes a
 * masked 500 carrying the request id.
 */
import { errorStatus, type CodeWithStatus, type ErrorCode } from './error-codes.js';

export type ErrorMessage = string | Record<string, string>;

export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    readonly body: ErrorMessage,
    /** Extra response headers (Retry-After, Allow…). */
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.name = 'AppError';
    this.statusCode = errorStatus(code);
  }
}

/** A string message is a `bad_request`; an object names fields, so it is an `invalid_field`. */
export const badRequest = (message: ErrorMessage, code?: CodeWithStatus<400>) =>
  new AppError(code ?? (typeof message === 'string' ? 'bad_request' : 'invalid_field'), message);
/** 400 naming one field, in the contract's parameter-validation shape. */
export const invalidField = (field: string, reason: string) => new AppError('invalid_field', { [field]: reason });
export const unauthorized = (message = 'User must be authorized.', code: CodeWithStatus<401> = 'unauthorized') =>
  new AppError(code, message);
export const forbidden = (message: string, code: CodeWithStatus<403> = 'forbidden') => new AppError(code, message);
export const notFound = (message = 'Not found.') => new AppError('not_found', message);
export const conflict = (message: string, code: CodeWithStatus<409> = 'conflict') => new AppError(code, message);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError('rate_limited', 'Too many requests.', { 'retry-after': String(retryAfterSeconds) });
/** A dependency (database, Redis) is down: the client should retry shortly, not report a bug. */
export const SERVICE_UNAVAILABLE_RETRY_S = 5;
export const serviceUnavailable = (retryAfterSeconds = SERVICE_UNAVAILABLE_RETRY_S) =>
  new AppError('service_unavailable', 'Service temporarily unavailable.', { 'retry-after': String(retryAfterSeconds) });
