/**
 * `application/x-www-form-urlencoded` bodies (what payment providers post), for the scope that
 * registers it only. The fields arrive wrapped in `FormFields`, so they are told apart from a JSON
 * body that merely looks alike, and the blank-stripping of JSON bodies never touches them (a
 * signature covers the fields exactly as sent). A repeated field is refused.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../http/errors.js';

export class FormFields {
  constructor(readonly fields: Record<string, string>) {}
}

export function registerFormBody(scope: FastifyInstance, bodyLimit = 64 * 1024): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      const fields: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(body as string)) {
        if (Object.hasOwn(fields, key)) return done(badRequest('Duplicate form field.', 'malformed_body'), undefined);
        fields[key] = value;
      }
      done(null, new FormFields(fields));
    },
  );
}

/** The form fields of a request (empty when the body was not a form). */
export function formFields(body: unknown): Record<string, string> {
  return body instanceof FormFields ? body.fields : {};
}
