/**
 * The MP date filters (contract §1.7): `begin_pubdate` / `end_pubdate` are calendar days
 * (YYYY-MM-DD) in the site's time zone; the end is inclusive through 23:59:59.999, so the range is
 * [start of begin, start of the day after end).
 */
import { invalidField } from '../../platform/http/errors.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/** A real calendar day in YYYY-MM-DD form, or null (2023-02-30, 2023-1-5 and 20230105 are not). */
export function parseDay(value: string): CalendarDay | null {
  const match = DAY.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at the instant `ms`, in ms (Asia/Shanghai: +8 h). */
export function zoneOffset(ms: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant (ms) a calendar day starts in `timeZone` (the first instant of that local date). */
export function startOfDay(day: CalendarDay, timeZone: string): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day);
  let instant = wall - zoneOffset(wall, timeZone);
  // Across a DST change the offset at the guess may differ from the offset at the answer.
  const corrected = wall - zoneOffset(instant, timeZone);
  if (corrected !== instant) instant = corrected;
  return instant;
}

export interface DayRange {
  /** Inclusive, ms. */
  from?: number;
  /** Exclusive, ms: the start of the day after the end day. */
  until?: number;
}

/** Parses the two filters; 400 naming the field when one does not parse or the range runs backwards. */
export function dayRange(begin: string | undefined, end: string | undefined, timeZone: string): DayRange {
  const range: DayRange = {};
  if (begin !== undefined) {
    const beginDay = parseDay(begin);
    if (!beginDay) throw invalidField('begin_pubdate', 'Invalid pubdate param. (a date YYYY-MM-DD)');
    range.from = startOfDay(beginDay, timeZone);
  }
  if (end !== undefined) {
    const endDay = parseDay(end);
    if (!endDay) throw invalidField('end_pubdate', 'Invalid pubdate param. (a date YYYY-MM-DD)');
    const next = new Date(Date.UTC(endDay.year, endDay.month - 1, endDay.day + 1));
    range.until = startOfDay(
      { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
      timeZone,
    );
  }
  if (range.from !== undefined && range.until !== undefined && range.from >= range.until) {
    throw invalidField('end_pubdate', 'Invalid pubdate param. (end_pubdate is before begin_pubdate)');
  }
  return range;
}
