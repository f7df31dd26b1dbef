import { defineModule } from '../module.js';
import * as paymentTables from './migrations/0007-payments.js';
import { paymentEvents } from './payment.events.js';
import { paymentRoutes } from './payment.routes.js';
import { createPaymentService, type PaymentService } from './payment.service.js';

declare module '../module.js' {
  interface ModuleServices {
    payments: PaymentService;
  }
}

/** Paid articles, tips, the ledger and refunds (Alipay, or its simulator outside production). */
export const paymentsModule = defineModule({
  name: 'payments',
  migrations: { '0007-payments': paymentTables },
  events: paymentEvents,
  needs: ['audit'],
  create: ({ platform, audit }) => createPaymentService({ platform, audit }),
  routes: (app, payments, { present }) => paymentRoutes(app, payments, present),
  jobs(payments, { platform }) {
    // Lost notifies never lose a payment: pending orders are asked about, settled or closed once expired.
    platform.scheduler.schedule('payments.reconcile', '0 * * * * *', async () => {
      await payments.reconcile();
    });
  },
});
