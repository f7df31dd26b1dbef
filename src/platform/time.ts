/**
 * The contract's date formats (§1.7), all rendered in one configured time zone (Asia/Shanghai by
 * default, as the original service). Times are stored as integer milliseconds.
 */
export interface TimeFormat {
  /** `2019-03-11T09:00:00`: app pubdate, announcements, comments. */
  iso(ms: number): string;
  /** `2019-03-11 09:00:00`: MP article lists. */
  plain(ms: number): string;
  /** `2019-03-11`. */
  date(ms: number): string;
}

export function createTimeFormat(timeZone: string): TimeFormat {
  // The sv-SE locale formats as `YYYY-MM-DD HH:mm:ss`, which is exactly the MP form.
  const formatter = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const plain = (ms: number) => formatter.format(ms);
  return {
    plain,
    iso: (ms) => plain(ms).replace(' ', 'T'),
    date: (ms) => plain(ms).slice(0, 10),
  };
}
