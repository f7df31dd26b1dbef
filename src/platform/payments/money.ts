/**
 * Money is integer cents everywhere inside Inkstone. Providers that speak decimal yuan ("12.30")
 * get it formatted here, at the edge, and their amounts are parsed back exactly: no floating
 * point ever touches an amount.
 */

/** The largest amount a provider may send us (Alipay caps a trade at 100,000,000.00 yuan). */
export const MAX_CENTS = 10_000_000_000;

/** 1230 → "12.30". */
export function formatYuan(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`not an amount of cents: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** "12.30" (or "12.3", "12") → 1230; anything else (signs, exponents, 3 decimals, spaces) → null. */
export function parseYuan(text: string | undefined): number | null {
  if (typeof text !== 'string') return null;
  const match = /^(0|[1-9][0-9]{0,9})(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents <= MAX_CENTS ? cents : null;
}
