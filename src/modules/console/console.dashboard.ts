/** The dashboard: today and the last 30 days, per day, from the database (console.read-model.ts). */
import { dashboardBody } from './console.pages.js';
import { PAGE, type ConsoleSection } from './console.kit.js';
import { DAY_MS } from './console.read-model.js';

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
  r.get('/admin/', { config: PAGE, schema: { hide: true } }, async (request, reply) => {
    const T = textOf(request);
    const now = Date.now();
    // Asked now, not at start-up: a zone with summer time changes its offset under a running process.
    const offsetMs = zoneOffsetMs(ctx.platform.config.timeZone, now);
    const today = now + offsetMs - ((now + offsetMs) % DAY_MS) - offsetMs;
    const figures = await readModel.figures(today - 29 * DAY_MS, offsetMs);
    const date = (ms: number) => ctx.present.time.plain(ms).slice(0, 10);
    return page(request, reply, 'dashboard', T.dashboard, dashboardBody(T, figures, today, date));
  });
};
