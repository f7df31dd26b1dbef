/**
 * Development adapter: logs the code instead of sending it. This is the one place a
 * verification code is logged, so it must never be selected in production; `kind` is
 * `console` so the caller can refuse it there.
 */
import { checkMessage, maskMobile, type SmsLogger, type SmsMessage, type SmsProvider } from './sms.js';

export class ConsoleSms implements SmsProvider {
  readonly kind = 'console' as const;
  readonly #logger: SmsLogger;

  constructor(logger: SmsLogger) {
    this.#logger = logger;
  }

  async send(message: SmsMessage): Promise<void> {
    const { mobile, code } = checkMessage(message);
    this.#logger.info(
      { mobile: maskMobile(mobile), code },
      'SMS not sent (console provider, development only): verification code',
    );
  }
}
