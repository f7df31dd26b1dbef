import { defineModule } from '../module.js';
import { createCounterService, type CounterService } from './counter.service.js';

declare module '../module.js' {
  interface ModuleServices {
    counters: CounterService;
  }
}

export const countersModule = defineModule({
  name: 'counters',
  create: ({ platform }) => createCounterService({ kv: platform.kv, db: platform.db, now: platform.clock.now }),
  jobs(counters, { platform }) {
    platform.scheduler.schedule('counters.flush', '*/5 * * * * *', async () => {
      await counters.flush();
    });
  },
});
