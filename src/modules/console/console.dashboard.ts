/**
 * The dashboard: live tiles (this instance's traffic over the last five minutes from its own
 * metrics, and the job queue), then today and the last 30 days, per day, from the database
 * (console.read-model.ts).
 */
import type { JobStats } from '../../platform/jobs/jobs.js';
import type { RecentTraffic } from '../../platform/metrics/recent.js';
import { dashboardBody } from './console.pages.js';
import { PAGE, wordsOf, type ConsoleSection } from './console.kit.js';
import { DAY_MS } from './console.read-model.js';

const WORDS = {
  zh: {
    live: '实时状态',
    window: (minutes: number) => `本实例近 ${minutes} 分钟`,
    requests: '请求数',
    errorRate: '错误率（5xx）',
    clientErrors: '4xx 响应',
    p50: '延迟 p50',
    p95: '延迟 p95',
    waiting: '待处理任务',
    active: '运行中任务',
    failed: '失败任务',
    unavailable: '不可用',
  },
  en: {
    live: 'Live',
    window: (minutes: number) => `this instance, last ${minutes} minutes`,
    requests: 'Requests',
    errorRate: 'Error rate (5xx)',
    clientErrors: '4xx responses',
    p50: 'Latency p50',
    p95: 'Latency p95',
    waiting: 'Queued jobs',
    active: 'Running jobs',
    failed: 'Failed jobs',
    unavailable: 'unavailable',
  },
};
export type LiveWords = typeof WORDS.zh;

export interface LiveFigures {
  traffic: RecentTraffic;
  /** null when the queue could not answer (Redis down): the dashboard still shows. */
  jobs: JobStats | null;
}

/** Milliseconds the zone is ahead of UTC at `at` (Asia/Shanghai: 8 h). */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000;
}

export const dashboardSection: ConsoleSection = (r, { ctx, readModel, page, textOf }) => {
  const { platform } = ctx;
  r.get('/admin/', { config: PAGE, schema: { hide: true } }, async (request, reply) => {
    const T = textOf(request);
    const now = Date.now();
    // Asked now, not at start-up: a zone with summer time changes its offset under a running process.
    const offsetMs = zoneOffsetMs(platform.config.timeZone, now);
    const today = now + offsetMs - ((now + offsetMs) % DAY_MS) - offsetMs;
    const [figures, jobs] = await Promise.all([
      readModel.figures(today - 29 * DAY_MS, offsetMs),
      platform.jobs.stats().catch((err: unknown) => {
        request.log.warn({ err }, 'job queue stats unavailable');
        return null;
      }),
    ]);
    const live: LiveFigures = { traffic: platform.metrics.recentTraffic(), jobs };
    const date = (ms: number) => ctx.present.time.plain(ms).slice(0, 10);
    const body = dashboardBody(T, figures, today, date, { words: wordsOf(WORDS, request), figures: live });
    return page(request, reply, 'dashboard', T.dashboard, body);
  });
};
