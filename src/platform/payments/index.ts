/**
 * Builds the payment provider the configuration asks for: the Alipay adapter against real Alipay
 * (sandbox or production), or the same adapter against the embedded simulator; null when payments
 * are off.
 */
import type { NodeEnv } from '../../config.js';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/kv.js';
import { createAlipayProvider } from './alipay.js';
import { AlipaySimulator, type SimulatorLogger } from './alipay-simulator.js';
import type { PaymentsConfig } from './config.js';
import type { PaymentProvider } from './provider.js';

export * from './provider.js';
export { AlipaySimulator } from './alipay-simulator.js';
export { paymentsConfigOf, readPaymentsConfig, type PaymentsConfig, type AlipayConfig } from './config.js';
export { formatYuan, parseYuan } from './money.js';

/** Paths of the HTTP endpoints the providers talk to (served by the payments module). */
export const PAYMENT_PATHS = {
  alipayNotify: '/payments/alipay/notify',
  alipayReturn: '/payments/alipay/return',
  simulatorPay: '/payments/simulator/pay',
  result: '/payments/result',
} as const;

export interface PaymentProviderDeps {
  env: NodeEnv;
  dataDir: string;
  publicUrl: string;
  kv: KeyValueStore;
  clock: Clock;
  logger: SimulatorLogger;
}

export interface PaymentProviders {
  provider: PaymentProvider | null;
  /** Set when the simulator plays Alipay (its pay page is then served). */
  simulator: AlipaySimulator | null;
}

function lazily<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

export function createPaymentProvider(config: PaymentsConfig, deps: PaymentProviderDeps): PaymentProviders {
  const urls = {
    notifyUrl: `${deps.publicUrl}${PAYMENT_PATHS.alipayNotify}`,
    returnUrl: `${deps.publicUrl}${PAYMENT_PATHS.alipayReturn}`,
    quitUrl: config.resultUrl,
  };
  switch (config.provider) {
    case 'off':
      return { provider: null, simulator: null };
    case 'alipay': {
      if (!config.alipay)
        throw new Error('payments: provider alipay needs the Alipay settings (app id, keys, gateway)');
      return { provider: createAlipayProvider({ ...config.alipay, ...urls }), simulator: null };
    }
    case 'simulator': {
      const simulator = new AlipaySimulator({
        env: deps.env,
        dataDir: deps.dataDir,
        kv: deps.kv,
        clock: deps.clock,
        logger: deps.logger,
      });
      // The same Alipay adapter, pointed at the simulator; built on first use (that is when the keys are made).
      const adapter = lazily(() =>
        createAlipayProvider({
          appId: simulator.appId,
          sellerId: simulator.sellerId,
          privateKey: simulator.appKeys.privateKey,
          // The simulator's key stands in for Alipay's: verification is the real code path.
          alipayPublicKey: simulator.alipayKeys.publicKey,
          gateway: () => simulator.gatewayUrl(),
          payGateway: `${deps.publicUrl}${PAYMENT_PATHS.simulatorPay}`,
          ...urls,
        }),
      );
      const provider: PaymentProvider = {
        name: 'alipay',
        createPayment: (request, channel) => adapter().createPayment(request, channel),
        parseNotification: (params) => adapter().parseNotification(params),
        parseReturn: (params) => adapter().parseReturn(params),
        query: (orderId) => adapter().query(orderId),
        close: (orderId) => adapter().close(orderId),
        refund: (orderId, amountCents, requestId) => adapter().refund(orderId, amountCents, requestId),
        acknowledgement: (accepted) => adapter().acknowledgement(accepted),
        async shutdown() {
          await simulator.shutdown();
        },
      };
      return { provider, simulator };
    }
  }
}
