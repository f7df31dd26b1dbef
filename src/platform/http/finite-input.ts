/**
 * The last word on numbers a request carries, after schema validation. Ajv's type coercion turns
 * query and body strings such as "Infinity", "1e400" or "99999999999999999999" into numbers and
 * then skips `minimum`/`maximum` for non-finite ones, so a schema bound alone cannot keep them
 * out; every id, integer, cursor and page value passes here before any handler runs. A non-finite
 * number, or an integer beyond 2^53 (its digits are already lost), is a 400 naming the field.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

/** Deep enough for every request shape we accept; deeper values are left to their schema. */
const MAX_DEPTH = 8;

/** The dotted path of the first number no handler should see, or undefined. */
export function unsafeNumberPath(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'number') {
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))
      ? path || 'request'
      : undefined;
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return undefined;
  const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, item] of entries) {
    const found = unsafeNumberPath(item, path === '' ? String(key) : `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function registerFiniteInput(app: FastifyInstance): void {
  // preHandler: runs after validation (and its coercion), before the route's handler.
  app.addHook('preHandler', (request, _reply, done) => {
    const field = unsafeNumberPath(request.params) ?? unsafeNumberPath(request.query) ?? unsafeNumberPath(request.body);
    if (field === undefined) return done();
    done(new AppError('invalid_field', { [field]: 'must be a finite number within the safe integer range' }));
  });
}
