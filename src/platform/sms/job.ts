/**
 * Sending from inside a job. The jobs port retries whatever a processor throws (with backoff)
 * until its attempts run out, so `sendInJob` rethrows only retryable failures; a final one is
 * logged (provider, masked number, vendor code; never the code or a secret) and swallowed so
 * the job ends without pointless retries. The processor builds the message itself (the code
 * is read from the kv store when the job runs, never carried in the payload).
 */
import { SmsSendError, maskMobile, type SmsMessage, type SmsProvider } from './sms.js';

export interface SmsJobLogger {
  warn(obj: object, msg: string): void;
}

/** Resolves true when sent, false when the failure is final (logged); throws when retryable. */
export async function sendInJob(provider: SmsProvider, message: SmsMessage, logger: SmsJobLogger): Promise<boolean> {
  try {
    await provider.send(message);
    return true;
  } catch (err) {
    if (err instanceof SmsSendError && !err.retryable) {
      logger.warn(
        {
          provider: provider.kind,
          mobile: maskMobile(String(message.mobile)),
          vendorCode: err.vendorCode,
          reason: err.message,
        },
        'SMS not sent; the failure is final, not retrying',
      );
      return false;
    }
    throw err;
  }
}
