/**
 * One-time SMS codes (seed 001): 6 digits, valid 5 minutes, kept in the kv store (never in the
 * database and never in a job payload), void after 5 wrong tries, used up on success. Sending is
 * a background job with retries; the job reads the code from the kv store when it runs.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { JobQueue } from '../../platform/jobs/jobs.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';

export const CODE_TTL_MS = 5 * 60_000;
export const MAX_WRONG_TRIES = 5;
export const SEND_SMS_JOB = 'sms.send-code';

export interface SendCodeJob {
  mobile: string;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Equal lengths are required by timingSafeEqual; comparing against itself keeps the timing flat.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(x, x), false);
}

export function createSmsCodeService(deps: { kv: KeyValueStore; jobs: JobQueue; demoCode: string | null }) {
  const { kv, jobs } = deps;
  const codeKey = (mobile: string) => `sms:code:${mobile}`;
  const triesKey = (mobile: string) => `sms:tries:${mobile}`;

  return {
    codeKey,

    /** Issues a fresh code (replacing any earlier one) and queues its delivery. */
    async issue(mobile: string): Promise<void> {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await kv.set(codeKey(mobile), code, { ttlMs: CODE_TTL_MS });
      await kv.del(triesKey(mobile));
      await jobs.enqueue<SendCodeJob>(
        SEND_SMS_JOB,
        { mobile },
        { attempts: 4, backoffMs: 2_000, jobId: `sms:${mobile}` },
      );
    },

    /** The code to deliver now, or null when it expired or was used meanwhile. */
    pending(mobile: string): Promise<string | null> {
      return kv.get(codeKey(mobile));
    },

    /**
     * True once per issued code (or always for the demo code); a wrong try counts towards the limit.
     * Compare and count are one atomic kv step: of any number of concurrent guesses, at most
     * MAX_WRONG_TRIES are compared with a live code, and the code is gone after the last of them.
     */
    async consume(mobile: string, code: string): Promise<boolean> {
      if (deps.demoCode !== null && constantTimeEqual(code, deps.demoCode)) return true;
      const result = await kv.verifyAndCount(codeKey(mobile), code, {
        counterKey: triesKey(mobile),
        maxMisses: MAX_WRONG_TRIES,
      });
      return result === 'match';
    },
  };
}

export type SmsCodeService = ReturnType<typeof createSmsCodeService>;
