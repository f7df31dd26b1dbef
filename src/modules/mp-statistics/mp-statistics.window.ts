/**
 * `begin_pubdate` / `end_pubdate` (contract §1.7: `YYYY-MM-DD`, the end inclusive through 23:59:59)
 * as a range of epoch milliseconds, in the service's time zone (the one TimeFormat renders in).
 */
import { badRequest, invalidField } from '../../platform/http/errors.js';
import type { TimeFormat } from '../../platform/time.js';

export const INVALID_PUBDATE = 'Invalid pubdate param.';

/** Inclusive bounds; either may be absent (open). */
export interface TimeWindow {
  from?: number;
  to?: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Wall-clock fields of `ms` in the zone, read back as if they were UTC. */
function wallClockAsUtc(time: TimeFormat, ms: number): number {
  const [date, clock] = time.plain(ms).split(' ') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss] = clock.split(':').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, hh, mm, ss);
}

/** The first millisecond of a local day given as UTC-midnight of its date. */
function localMidnight(time: TimeFormat, utcMidnight: number): number {
  let guess = utcMidnight - (wallClockAsUtc(time, utcMidnight) - utcMidnight);
  // Once more, in case the offset differs on that side of a daylight-saving change.
  const corrected = utcMidnight - (wallClockAsUtc(time, guess) - guess);
  if (corrected !== guess) guess = corrected;
  return guess;
}

function parseDay(value: string, field: string): number {
  const match = DATE.exec(value);
  const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const utc = Date.UTC(y, m - 1, d);
  const check = new Date(utc);
  if (!match || check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw invalidField(field, 'must be a date YYYY-MM-DD');
  }
  return utc;
}

export function timeWindow(time: TimeFormat, begin: string | undefined, end: string | undefined): TimeWindow {
  const window: TimeWindow = {};
  const beginDay = begin === undefined ? undefined : parseDay(begin, 'begin_pubdate');
  const endDay = end === undefined ? undefined : parseDay(end, 'end_pubdate');
  if (beginDay !== undefined && endDay !== undefined && beginDay > endDay) throw badRequest(INVALID_PUBDATE);
  if (beginDay !== undefined) window.from = localMidnight(time, beginDay);
  if (endDay !== undefined) window.to = localMidnight(time, endDay + DAY_MS) - 1;
  return window;
}
