/**
 * Scheduler port (the APScheduler role): named cron jobs. When several processes share Redis,
 * each tick runs in exactly one of them; the lock is taken through the key-value port, so the
 * same code is correct in one process (memory store) and across many (Redis store).
 */
export interface Scheduler {
  /** `cron` is a 5- or 6-field cron expression (croner syntax, seconds optional). */
  schedule(name: string, cron: string, task: () => Promise<void>): void;
  start(): void;
  /** Runs one named job now, with the same once-per-tick guarantee (tests, CLI). */
  runNow(name: string): Promise<boolean>;
  close(): Promise<void>;
}
