/**
 * Rate-limit rules as people write them: `10/hour;100/day`, `1/minute`, `100/day, 500/7days`.
 * A rule has one or more windows; a request must fit in every one of them. Rules are parsed when
 * routes are registered, so a typo stops the boot instead of silently disabling a limit.
 */
export interface Window {
  /** How many units (requests, by default) the window allows. */
  limit: number;
  windowMs: number;
  /** Normalised text of the window, e.g. `500/7days` (for messages and logs). */
  label: string;
}

const UNITS: Record<string, { name: string; ms: number }> = {
  s: { name: 'second', ms: 1000 },
  second: { name: 'second', ms: 1000 },
  seconds: { name: 'second', ms: 1000 },
  m: { name: 'minute', ms: 60_000 },
  minute: { name: 'minute', ms: 60_000 },
  minutes: { name: 'minute', ms: 60_000 },
  h: { name: 'hour', ms: 3_600_000 },
  hour: { name: 'hour', ms: 3_600_000 },
  hours: { name: 'hour', ms: 3_600_000 },
  d: { name: 'day', ms: 86_400_000 },
  day: { name: 'day', ms: 86_400_000 },
  days: { name: 'day', ms: 86_400_000 },
};

// N/[M]unit, e.g. `10/hour`, `500/7days`, `5 / 10 minutes`.
const WINDOW = /^(\d+)\s*\/\s*(\d+)?\s*([a-z]+)$/i;

function parseWindow(part: string, rule: string): Window {
  const match = WINDOW.exec(part);
  const unit = match && UNITS[match[3]!.toLowerCase()];
  if (!match || !unit) {
    throw new Error(
      `Invalid rate-limit rule "${rule}": "${part}" is not of the form N/unit or N/Munit ` +
        `(unit: second, minute, hour, day, or s, m, h, d)`,
    );
  }
  const limit = Number(match[1]);
  const multiplier = match[2] === undefined ? 1 : Number(match[2]);
  const windowMs = multiplier * unit.ms;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`Invalid rate-limit rule "${rule}": the limit in "${part}" must be at least 1`);
  }
  if (!Number.isSafeInteger(windowMs) || multiplier < 1) {
    throw new Error(`Invalid rate-limit rule "${rule}": the period in "${part}" must be at least 1 ${unit.name}`);
  }
  const label = multiplier === 1 ? `${limit}/${unit.name}` : `${limit}/${multiplier}${unit.name}s`;
  return { limit, windowMs, label };
}

export function parseRule(text: string): Window[] {
  const parts = text.split(/[;,]/).map((part) => part.trim());
  if (parts.length === 1 && parts[0] === '') throw new Error('Invalid rate-limit rule: it is empty');
  const windows: Window[] = [];
  for (const part of parts) {
    if (part === '') throw new Error(`Invalid rate-limit rule "${text}": it has an empty window`);
    const window = parseWindow(part, text);
    // Counters are keyed by window length: two windows of one length would share (and double) a count.
    const same = windows.find((w) => w.windowMs === window.windowMs);
    if (same)
      throw new Error(`Invalid rate-limit rule "${text}": "${same.label}" and "${window.label}" cover the same period`);
    windows.push(window);
  }
  return windows;
}
