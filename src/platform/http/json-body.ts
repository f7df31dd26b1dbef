/**
 * JSON body parser: secure-json-parse (prototype-poisoning safe, as Fastify's own) plus one rule
 * of the id codec: an integer too large to be exact as a JS number is refused with a 400 rather
 * than silently rounded into somebody else's id. Clients send such ids as strings (§1.5).
 */
import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { AppError } from './errors.js';

function reviver(key: string, value: unknown): unknown {
  // 1e309 parses as Infinity: no field means that.
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new AppError('invalid_field', { [key || 'body']: 'must be a finite number' });
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new AppError('invalid_field', {
      [key || 'body']: 'integer too large to be exact; send ids as strings of digits',
    });
  }
  return value;
}

export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, sjson.parse(text, reviver, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      if (error instanceof AppError) return done(error, undefined);
      done(new AppError('malformed_body', 'Malformed JSON body.'), undefined);
    }
  });
}
