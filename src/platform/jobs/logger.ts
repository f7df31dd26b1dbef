/**
 * The slice of a pino-style logger that the job queues need. Injected rather than imported so
 * the platform layer does not depend on the app's logger setup, and tests can record calls.
 */
export interface JobsLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Fallback when no logger is injected: failures must still be visible somewhere. */
export const consoleJobsLogger: JobsLogger = {
  warn: (obj, msg) => console.warn(`[jobs] ${msg}`, obj),
  error: (obj, msg) => console.error(`[jobs] ${msg}`, obj),
};
