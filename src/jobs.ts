/**
 * Every background job type and cron schedule, registered in one place so that `serve`, `inkstone worker` and the
 * tests run the same processors. Registering does not start processing: `jobs.start()` does.
 */
import type { Platform } from './platform/platform.js';
import { sendInJob } from './platform/sms/index.js';
import { CODE_TTL_MS, SEND_SMS_JOB, type SendCodeJob } from './modules/auth/sms-code.service.js';
import { CATCH_UP_JOB, INDEX_ARTICLE_JOB, type IndexArticleJob } from './modules/search/search.service.js';
import { catchUpProcessor } from './modules/search/search.catch-up.js';
import type { Services } from './services.js';

export function registerJobProcessors(platform: Platform, services: Services): void {
  platform.jobs.register<IndexArticleJob>(INDEX_ARTICLE_JOB, ({ articleId }) =>
    services.search.indexArticle(BigInt(articleId)),
  );
  platform.jobs.register(
    CATCH_UP_JOB,
    catchUpProcessor(services.search, platform.logger.child({ job: CATCH_UP_JOB })),
    { concurrency: 1 },
  );
  const log = platform.logger.child({ job: SEND_SMS_JOB });

  platform.jobs.register<SendCodeJob>(SEND_SMS_JOB, async ({ mobile }) => {
    // Read the code now: if it was used or replaced meanwhile there is nothing (or something newer) to send.
    const code = await services.codes.pending(mobile);
    if (code === null) return;
    await sendInJob(
      platform.sms,
      { mobile, template: 'verification-code', params: { code, minutes: CODE_TTL_MS / 60_000 } },
      log,
    );
  });
}

/** Cron jobs (the APScheduler role); with Redis each tick runs once across all processes. */
export function registerSchedules(platform: Platform, services: Services): void {
  platform.scheduler.schedule('search.vocabulary', '0 */5 * * * *', async () => {
    await services.search.refreshVocabulary();
  });
  platform.scheduler.schedule('counters.flush', '*/5 * * * * *', async () => {
    await services.counters.flush();
  });
  // Lost notifies never lose a payment: pending orders are asked about, settled or closed once expired.
  platform.scheduler.schedule('payments.reconcile', '0 * * * * *', async () => {
    await services.payments.reconcile();
  });
}
