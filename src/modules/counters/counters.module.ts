import { defineModule } from '../module.js';
import { createCounterService, type CounterService } from './counter.service.js';
import * as counterMarks from './migrations/0017-counter-marks.js';

declare module '../module.js' {
  interface ModuleServices {
    counters: CounterService;
  }
}

export const countersModule = defineModule({
  name: 'counters',
  migrations: { '0017-counter-marks': counterMarks },
  create: ({ platform }) =>
    createCounterService({ kv: platform.kv, db: platform.db, now: platform.clock.now, newId: platform.ids.content }),
  jobs(counters, { platform }) {
    const log = platform.logger.child({ job: 'counters.flush' });
    platform.scheduler.schedule('counters.flush', '*/5 * * * * *', async () => {
      const started = performance.now();
      const rows = await counters.flush();
      // How long a tick takes against its 5 s period tells whether the flush keeps up; idle ticks stay quiet.
      if (rows > 0) log.info({ rows, ms: Math.round((performance.now() - started) * 100) / 100 }, 'counters flushed');
    });
  },
});
