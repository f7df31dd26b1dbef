/**
 * The contract's envelope (§1.3): success is `{"message":"OK","data":…}`, errors and a few bare
 * successes are `{"message":…}`; errors also carry `code` (error-codes.ts). Handlers return
 * `ok(data)`; schemas are built with `okSchema`.
 */
import { Type, type TSchema } from 'typebox';
import { ErrorCodeRef } from './error-codes.js';

export function ok<T>(data: T): { message: 'OK'; data: T } {
  return { message: 'OK', data };
}

export function okSchema<T extends TSchema>(data: T) {
  return Type.Object({ message: Type.Literal('OK'), data });
}

/** An error body. `code` is required: the serializer refuses an error without one, so none slips out. */
export const MessageSchema = Type.Object({
  message: Type.Union([Type.String(), Type.Record(Type.String(), Type.String())]),
  code: ErrorCodeRef,
});

export const ErrorResponses = {
  400: MessageSchema,
  401: MessageSchema,
  403: MessageSchema,
  404: MessageSchema,
  409: MessageSchema,
  429: MessageSchema,
} as const;

/** 204 with an empty body (every successful DELETE, §1.3). */
export const NoContent = Type.Unsafe<undefined>({ description: 'No content (empty body)' });
