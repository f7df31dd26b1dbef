/**
 * Validation and defaults shared by both adapters, so a mistake fails the same way in the
 * in-process queue (tests, single instance) as on BullMQ (production).
 */
import type { EnqueueOptions } from './jobs.js';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
export const DEFAULT_CONCURRENCY = 4;

export interface ResolvedEnqueueOptions {
  attempts: number;
  backoffMs: number;
  delayMs: number;
  jobId: string | undefined;
}

export function resolveEnqueueOptions(options: EnqueueOptions = {}): ResolvedEnqueueOptions {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const delayMs = options.delayMs ?? 0;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`attempts must be an integer >= 1, got ${attempts}`);
  if (!Number.isFinite(backoffMs) || backoffMs < 0) throw new RangeError(`backoffMs must be >= 0, got ${backoffMs}`);
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delayMs must be >= 0, got ${delayMs}`);
  if (options.jobId !== undefined && options.jobId === '') throw new RangeError('jobId must not be empty');
  return { attempts, backoffMs, delayMs, jobId: options.jobId };
}

export function resolveConcurrency(concurrency: number | undefined): number {
  const value = concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${value}`);
  return value;
}

/**
 * JSON text of a payload. Both adapters go through JSON (BullMQ stores it in Redis), so the
 * memory adapter does too: a bigint or an undefined payload fails at enqueue in tests rather
 * than in production.
 */
export function serializePayload(type: string, payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw new TypeError(`payload of job '${type}' is not JSON-serialisable (pass bigint ids as strings)`, {
      cause: err,
    });
  }
  if (json === undefined)
    throw new TypeError(`payload of job '${type}' is not JSON-serialisable (got ${typeof payload})`);
  return json;
}
