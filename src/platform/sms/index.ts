/**
 * SMS port entry point. `console` is for development only (it logs codes): the caller must
 * refuse it in production by checking `provider.kind`.
 */
import { AliyunSms, type AliyunSmsOptions } from './aliyun-sms.js';
import { ConsoleSms } from './console-sms.js';
import { RonglianSms, type RonglianSmsOptions } from './ronglian-sms.js';
import type { SmsLogger, SmsProvider } from './sms.js';
import { TencentSms, type TencentSmsOptions } from './tencent-sms.js';

/** Test seams (fetch, clock, nonce) are not configuration. */
type Seams = 'fetch' | 'now' | 'nonce';

export type SmsConfig =
  | { provider: 'console' }
  | ({ provider: 'aliyun' } & Omit<AliyunSmsOptions, Seams>)
  | ({ provider: 'tencent' } & Omit<TencentSmsOptions, Seams>)
  | ({ provider: 'ronglian' } & Omit<RonglianSmsOptions, Seams>);

export function createSmsProvider(config: SmsConfig, logger: SmsLogger): SmsProvider {
  switch (config.provider) {
    case 'console':
      return new ConsoleSms(logger);
    case 'aliyun': {
      const { provider: _provider, ...options } = config;
      return new AliyunSms(options);
    }
    case 'tencent': {
      const { provider: _provider, ...options } = config;
      return new TencentSms(options);
    }
    case 'ronglian': {
      const { provider: _provider, ...options } = config;
      return new RonglianSms(options);
    }
  }
}

export {
  SmsSendError,
  maskMobile,
  type SmsLogger,
  type SmsMessage,
  type SmsProvider,
  type SmsProviderKind,
} from './sms.js';
export { ConsoleSms } from './console-sms.js';
export { AliyunSms, type AliyunSmsOptions } from './aliyun-sms.js';
export { TencentSms, type TencentSmsOptions } from './tencent-sms.js';
export { RonglianSms, type RonglianSmsOptions } from './ronglian-sms.js';
export { sendInJob, type SmsJobLogger } from './job.js';
