/**
 * The id codec (contract §1.5). Ids are bigint inside the app. They leave as exact JSON integers
 * (fast-json-stringify writes bigint digits verbatim; clients parse with json-bigint) and arrive
 * as JSON integers or digit strings. A JSON integer beyond 2^53 has already lost digits when
 * parsed, so the JSON body parser rejects it (see json-body.ts) instead of guessing.
 */
import { Type } from 'typebox';
import { AppError } from './errors.js';

const MAX_ID = (1n << 63n) - 1n;

/** An id in a JSON body or query string: a positive integer or a digit string. */
export const IdInput = Type.Union(
  [Type.String({ pattern: '^[0-9]{1,19}$' }), Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })],
  {
    description: 'id, as an integer or a string of digits',
  },
);

/** An id in the path: digits only (contract: route rule `int(min=1)`). */
export const IdPath = Type.String({ pattern: '^[0-9]{1,19}$', description: 'id (digits)' });

/** An id in a response: written as an exact JSON integer, whatever its size. */
export const IdOutput = Type.Unsafe<bigint>({ type: 'integer', format: 'int64', description: 'id (64-bit integer)' });

const DIGITS = /^[0-9]{1,19}$/;

/**
 * Parses an id input; anything but a positive 64-bit id is a 400 naming the field. Checked here
 * as well as by the schema: schema coercion can hand over non-finite numbers (see
 * finite-input.ts) and some routes take ids from untyped path segments.
 */
export function toId(value: string | number, field: string): bigint {
  const wellFormed =
    typeof value === 'number' ? Number.isSafeInteger(value) : typeof value === 'string' && DIGITS.test(value);
  if (!wellFormed) throw new AppError('invalid_field', { [field]: 'must be a positive 64-bit id' });
  const id = BigInt(value);
  if (id < 1n || id > MAX_ID) throw new AppError('invalid_field', { [field]: 'must be a positive 64-bit id' });
  return id;
}
