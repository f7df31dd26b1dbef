/**
 * Waiting in tests: poll for the condition a test needs instead of sleeping for a guessed time.
 * A fixed sleep is either too short on a loaded machine (a flaky test) or too long everywhere (a
 * slow suite); `until` returns as soon as the condition holds and names it when it never does.
 */
import { setTimeout as pause } from 'node:timers/promises';

/**
 * A fixed wait, for the few places where elapsed time is the subject (traffic before a fault, a
 * heartbeat outliving a time to live, "nothing more happens"): say why beside each call.
 */
export { pause };

export interface UntilOptions {
  /** Default 10 s: generous for a loaded 2-core machine, still short of vitest's own timeouts. */
  timeoutMs?: number;
  /** Default 25 ms. */
  intervalMs?: number;
  /** Added to the timeout error, e.g. the tail of a server's output. */
  context?: () => string;
}

type Held<T> = Exclude<T, undefined | null | false>;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that.
 * A probe that throws counts as "not yet" (a server still starting refuses connections); the last
 * error is named if the deadline passes.
 */
export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25, context }: UntilOptions = {},
): Promise<Held<T>> {
  const started = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as Held<T>;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - started > timeoutMs) {
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      const more = context ? `\n${context()}` : '';
      throw new Error(`${what}: not within ${timeoutMs} ms${why}${more}`);
    }
    await pause(intervalMs);
  }
}
