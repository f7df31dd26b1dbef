/**
 * Password accounts (Inkstone extension beside the contract's SMS sign-in). The patterns here are
 * the first gate: anything that is not a plain username or address (quotes, angle brackets,
 * spaces…) is a 400 naming the field before any code runs. Rules that need more than a pattern
 * (confirmation, "not the username", common passwords) live in password.service.ts.
 */
import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { MOBILE_PATTERN } from './auth.schema.js';

/** A letter, then letters, digits or `_`: 3–32 characters. Stored lower-cased. */
export const USERNAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]{2,31}$';
/** A practical address: dot-separated atoms of `[A-Za-z0-9_%+-]`, `@`, and a dotted host name. */
const EMAIL_LOCAL = '[a-zA-Z0-9_%+-]+(?:\\.[a-zA-Z0-9_%+-]+)*';
const HOST_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
const EMAIL_BODY = `${EMAIL_LOCAL}@${HOST_LABEL}(?:\\.${HOST_LABEL})+`;
export const EMAIL_PATTERN = `^${EMAIL_BODY}$`;
/** Sign-in accepts either form. */
export const LOGIN_PATTERN = `^(?:[a-zA-Z][a-zA-Z0-9_]{2,31}|${EMAIL_BODY})$`;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: USERNAME_PATTERN,
  description: '3–32 characters: a letter, then letters, digits or _; case-insensitive (stored lower-cased), unique',
});
const Email = Type.String({
  maxLength: 254,
  pattern: EMAIL_PATTERN,
  description: 'email address; case-insensitive, unique',
});
const Password = (description: string) =>
  Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description });
const Rotate = Type.Optional(
  Type.Boolean({ description: 'rotate the refresh token on every refresh, with reuse detection (as on SMS sign-in)' }),
);

export const RegisterBody = Type.Object({
  username: Username,
  email: Email,
  password: Password('8–128 characters, not only whitespace, not the username, not a very common password'),
  password_confirm: Type.String({ maxLength: PASSWORD_MAX, description: 'must equal password' }),
  mobile: Type.String({ pattern: MOBILE_PATTERN, description: 'mobile number, proven by the SMS code' }),
  code: Type.String({
    pattern: '^[0-9]{6}$',
    description: 'SMS code sent to the mobile (GET /app/v1_0/sms/codes/:mobile)',
  }),
  rotate_refresh_token: Rotate,
});

export const PasswordSignInBody = Type.Object({
  login: Type.String({ maxLength: 254, pattern: LOGIN_PATTERN, description: 'username or email, case-insensitive' }),
  password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
  rotate_refresh_token: Rotate,
});

export const ChangePasswordBody = Type.Object({
  old_password: Type.Optional(Type.String({ maxLength: PASSWORD_MAX, description: 'the current password' })),
  new_password: Password(
    '8–128 characters, not only whitespace, not the username, not a very common password, not the old one',
  ),
  new_password_confirm: Type.String({ maxLength: PASSWORD_MAX, description: 'must equal new_password' }),
});

export const EmptyOkResponse = okSchema(Type.Object({}));
