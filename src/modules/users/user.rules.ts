/**
 * Profile field rules (contract A09, M07). Each takes the raw client value and returns the value
 * to store, or throws a 400 naming the field. Lengths count characters (code points), as the
 * original backend's Python `len` did, so a 7-character Chinese name is 7, not 21 bytes.
 */
import { randomInt } from 'node:crypto';
import { invalidField } from '../../platform/http/errors.js';

export const NAME_MAX = 7;
export const REAL_NAME_MAX = 7;
export const INTRO_MAX = 60;
export const EMAIL_MAX = 254;
/** Birthdays before this are taken as typing mistakes. */
export const EARLIEST_BIRTHDAY = '1900-01-01';

const length = (text: string) => [...text].length;

// Control characters have no place in a display name; PostgreSQL cannot even store NUL.
const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_LINE_BREAKS = /[^\P{Cc}\t\n\r]/u;

// A lone UTF-16 surrogate (JSON allows "\ud800") cannot be stored as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(field: string, text: string): void {
  if (LONE_SURROGATE.test(text)) throw invalidField(field, 'contains invalid Unicode');
}

function shortText(field: string, raw: string, max: number): string {
  wellFormed(field, raw);
  const value = raw.trim();
  if (value.length === 0 || length(value) > max) throw invalidField(field, `must be 1 to ${max} characters`);
  if (CONTROL.test(value)) throw invalidField(field, 'must not contain control characters');
  return value;
}

/**
 * The public name of a new user: never the mobile number, which comments, cards and A22 show to
 * everyone. `用户138****0000` (the masking Chinese apps use); later attempts, after the unique
 * index refused a name, add a random suffix (`用户138****0000_k3x9`).
 */
export function defaultDisplayName(mobile: string, attempt: number): string {
  const masked = `用户${mobile.slice(0, 3)}****${mobile.slice(-4)}`;
  if (attempt === 0) return masked;
  const suffix = Array.from({ length: 4 }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[randomInt(36)]).join('');
  return `${masked}_${suffix}`;
}

/** Display name: 1–7 characters after trimming. Uniqueness is the repository's business. */
export function normalizeName(raw: string): string {
  return shortText('name', raw, NAME_MAX);
}

export function normalizeRealName(raw: string): string {
  return shortText('real_name', raw, REAL_NAME_MAX);
}

/** 0–60 characters after trimming (so whitespace alone sets an empty intro). */
export function normalizeIntro(raw: string): string {
  wellFormed('intro', raw);
  const value = raw.trim();
  if (length(value) > INTRO_MAX) throw invalidField('intro', `must be at most ${INTRO_MAX} characters`);
  if (CONTROL_EXCEPT_LINE_BREAKS.test(value)) throw invalidField('intro', 'must not contain control characters');
  return value;
}

/** A real calendar date `YYYY-MM-DD`, or null. */
function calendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `YYYY-MM-DD`, a real date, not after `today` (also `YYYY-MM-DD`, in the service's time zone). */
export function normalizeBirthday(raw: string, today: string): string {
  const value = raw.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw invalidField('birthday', 'must be a date as YYYY-MM-DD');
  if (!calendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw invalidField('birthday', 'is not a real date');
  }
  if (value > today) throw invalidField('birthday', 'must not be in the future');
  if (value < EARLIEST_BIRTHDAY) throw invalidField('birthday', `must not be before ${EARLIEST_BIRTHDAY}`);
  return value;
}

const ID_NUMBER = /^[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The check character of the first 17 digits of a PRC resident ID number (GB 11643, ISO 7064 MOD 11-2). */
export function idNumberCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** 18-character PRC resident ID number: region, a real birth date, sequence, check character; upper-cased. */
export function normalizeIdNumber(raw: string, today: string): string {
  const value = raw.trim().toUpperCase();
  if (!ID_NUMBER.test(value)) throw invalidField('id_number', 'is not a valid ID card number');
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (
    !calendarDate(Number(value.slice(6, 10)), Number(value.slice(10, 12)), Number(value.slice(12, 14))) ||
    birth > today
  ) {
    throw invalidField('id_number', 'is not a valid ID card number');
  }
  if (idNumberCheck(value.slice(0, 17)) !== value[17]) throw invalidField('id_number', 'has a wrong check digit');
  return value;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** Lower-cased address, or null when the trimmed value is empty (clears the email). */
export function normalizeEmail(raw: string): string | null {
  wellFormed('email', raw);
  const value = raw.trim().toLowerCase();
  if (value === '') return null;
  if (value.length > EMAIL_MAX || !EMAIL.test(value) || CONTROL.test(value)) {
    throw invalidField('email', 'is not a valid email address');
  }
  return value;
}
