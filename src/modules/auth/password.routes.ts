/**
 * Password accounts (Inkstone extension, same /app/v1_0 style and same tokens as SMS sign-in):
 *   POST /app/v1_0/accounts                 register, bound to a mobile proven by an SMS code
 *   POST /app/v1_0/authorizations/password  sign in with username or email and password
 *   PUT  /app/v1_0/user/password            change the password; ends every other session
 * Per-IP limits are declared here; the per-account failure limit lives in the service.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { TokenPairResponse } from './auth.schema.js';
import { ChangePasswordBody, EmptyOkResponse, PasswordSignInBody, RegisterBody } from './password.schema.js';
import type { PasswordService } from './password.service.js';

const device = (request: FastifyRequest) => ({ userAgent: request.headers['user-agent'] ?? '', ip: request.ip });

const REGISTER_LIMITS = [
  { rule: '10/hour;50/day', key: 'ip' as const, scope: 'register-ip', onStoreError: 'closed' as const },
];
const PASSWORD_SIGN_IN_LIMITS = [
  { rule: '20/minute;200/hour', key: 'ip' as const, scope: 'password-sign-in-ip', onStoreError: 'closed' as const },
];
// Each change costs two argon2 runs; this bounds what one signed-in client can make the server do.
const CHANGE_PASSWORD_LIMITS = [
  { rule: '10/minute;60/hour', key: 'user' as const, scope: 'password-change-user', onStoreError: 'closed' as const },
];

export function passwordRoutes(app: FastifyInstance, passwords: PasswordService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/app/v1_0/accounts',
    {
      config: { auth: 'public', rateLimit: REGISTER_LIMITS },
      schema: {
        tags: ['auth'],
        summary: 'Register a password account (username, email, password) bound to a mobile proven by an SMS code',
        description:
          'Returns the same tokens as SMS sign-in. A mobile that already signed in by SMS keeps its user: the ' +
          'username, email and password are attached to it. The SMS code is used up before the uniqueness checks, ' +
          'so after a 409 request a new code. 400 names the invalid field, or says "Invalid code."; 409 ' +
          '"Username has existed." / "Email has existed." / "Mobile already has an account."; 429 over 10/hour or 50/day per IP.',
        body: RegisterBody,
        response: {
          201: TokenPairResponse,
          400: ErrorResponses[400],
          403: ErrorResponses[403],
          409: ErrorResponses[409],
          429: ErrorResponses[429],
        },
      },
    },
    async (request, reply) => {
      const { rotate_refresh_token, ...input } = request.body;
      const pair = await passwords.register(input, device(request), rotate_refresh_token === true);
      return reply.code(201).send(ok(pair));
    },
  );

  r.post(
    '/app/v1_0/authorizations/password',
    {
      config: { auth: 'public', rateLimit: PASSWORD_SIGN_IN_LIMITS },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with username or email and password',
        description:
          'Same tokens as SMS sign-in. 400 "Invalid username or password." for an unknown login and a wrong password ' +
          'alike; 403 "Invalid user." for a disabled account (only after the right password); 429 with Retry-After ' +
          'after 5 failed attempts in 15 minutes or 20 in a day for the account (even with the right password), or ' +
          'over 20/minute or 200/hour per IP.',
        body: PasswordSignInBody,
        response: {
          201: TokenPairResponse,
          400: ErrorResponses[400],
          403: ErrorResponses[403],
          429: ErrorResponses[429],
        },
      },
    },
    async (request, reply) => {
      const { login, password, rotate_refresh_token } = request.body;
      const pair = await passwords.signIn(login, password, device(request), rotate_refresh_token === true);
      return reply.code(201).send(ok(pair));
    },
  );

  r.put(
    '/app/v1_0/user/password',
    {
      config: { auth: 'required', rateLimit: CHANGE_PASSWORD_LIMITS },
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session of the user is signed out',
        description:
          'The current session stays signed in. 400 names the invalid field (`old_password` "is incorrect" counts ' +
          'as a failed attempt for the account), or says there is no password yet (register one with ' +
          'POST /app/v1_0/accounts); 429 while the account is locked by failed attempts.',
        security: [{ bearer: [] }],
        body: ChangePasswordBody,
        response: {
          201: EmptyOkResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          409: ErrorResponses[409],
          429: ErrorResponses[429],
        },
      },
    },
    async (request, reply) => {
      await passwords.changePassword(currentUser(request), request.sessionId, request.body);
      return reply.code(201).send(ok({}));
    },
  );
}
