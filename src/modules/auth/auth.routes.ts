import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken, currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import {
  MobileParams,
  MOBILE,
  MpSignInResponse,
  RefreshResponse,
  SessionListResponse,
  SessionParams,
  SignInBody,
  SmsSentResponse,
  TokenPairResponse,
} from './auth.schema.js';
import type { AuthService } from './auth.service.js';

const device = (request: FastifyRequest) => ({ userAgent: request.headers['user-agent'] ?? '', ip: request.ip });

/** Limits from seed 001 and contract A29: one code a minute per number, capped per hour and day, per number and per IP. */
const SMS_LIMITS = [
  {
    rule: '1/minute;5/hour;10/day',
    key: (r: FastifyRequest) => (r.params as { mobile?: string }).mobile,
    scope: 'sms-mobile',
    onStoreError: 'closed' as const,
  },
  { rule: '100/hour;300/day', key: 'ip' as const, scope: 'sms-ip', onStoreError: 'closed' as const },
];
// Generous per IP: mobile carriers put many users behind one address; codes have their own try limit.
const SIGN_IN_LIMITS = [
  { rule: '60/minute;600/hour', key: 'ip' as const, scope: 'sign-in-ip', onStoreError: 'closed' as const },
];

export function authRoutes(app: FastifyInstance, auth: AuthService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/app/v1_0/sms/codes/:mobile',
    {
      config: { auth: 'public', rateLimit: SMS_LIMITS },
      schema: {
        tags: ['auth'],
        summary: 'Send a sign-in code by SMS (A29); 404 for a malformed number, 429 over the limit',
        params: MobileParams,
        response: { 200: SmsSentResponse, 404: ErrorResponses[404], 429: ErrorResponses[429] },
      },
    },
    async (request) => {
      const { mobile } = request.params;
      // The original route pattern did not match a bad number, hence 404 rather than 400.
      if (!MOBILE.test(mobile)) throw notFound('Invalid mobile.');
      await auth.sendCode(mobile);
      return ok({ mobile });
    },
  );

  r.post(
    '/app/v1_0/authorizations',
    {
      config: { auth: 'public', rateLimit: SIGN_IN_LIMITS },
      schema: {
        tags: ['auth'],
        summary: 'Sign in (or register on first sign-in) with mobile and SMS code (A19)',
        body: SignInBody,
        response: { 201: TokenPairResponse, 400: ErrorResponses[400], 403: ErrorResponses[403] },
      },
    },
    async (request, reply) => {
      const { mobile, code, rotate_refresh_token } = request.body;
      const pair = await auth.signInApp(mobile, code, device(request), rotate_refresh_token === true);
      return reply.code(201).send(ok(pair));
    },
  );

  r.post(
    '/mp/v1_0/authorizations',
    {
      config: { auth: 'public', rateLimit: SIGN_IN_LIMITS },
      schema: {
        tags: ['auth'],
        summary: 'Media-platform sign-in (M04): existing, real-name verified users only',
        body: SignInBody,
        response: { 201: MpSignInResponse, 400: ErrorResponses[400], 403: ErrorResponses[403] },
      },
    },
    async (request, reply) => {
      const { mobile, code, rotate_refresh_token } = request.body;
      const { user, pair } = await auth.signInMp(mobile, code, device(request), rotate_refresh_token === true);
      return reply.code(201).send(ok({ ...pair, id: user.id, name: user.name, photo: present.avatar(user.photo) }));
    },
  );

  for (const prefix of ['/app/v1_0', '/mp/v1_0']) {
    r.put(
      `${prefix}/authorizations`,
      {
        config: { auth: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Refresh the access token with the refresh token as Bearer (A12/M05); 403 for any bad refresh token',
          security: [{ bearer: [] }],
          response: { 201: RefreshResponse, 403: ErrorResponses[403] },
        },
      },
      async (request, reply) => {
        const result = await auth.refresh(bearerToken(request));
        if (!result.ok)
          throw result.reason === 'user-denied'
            ? new AppError('account_disabled', 'User denied.')
            : new AppError('invalid_refresh_token', 'Wrong refresh token.');
        const data = result.refreshToken
          ? { token: result.token, refresh_token: result.refreshToken }
          : { token: result.token };
        return reply.code(201).send(ok(data));
      },
    );

    r.delete(
      `${prefix}/authorizations`,
      {
        config: { auth: 'required' },
        schema: {
          tags: ['auth'],
          summary: 'Sign out: revokes this device’s session; its tokens stop working at once',
          security: [{ bearer: [] }],
          response: { 204: NoContent, 401: ErrorResponses[401] },
        },
      },
      async (request, reply) => {
        await auth.signOut(request.sessionId ?? 0n);
        return reply.code(204).send();
      },
    );
  }

  r.get(
    '/app/v1_0/user/sessions',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in devices of the current user',
        security: [{ bearer: [] }],
        response: { 200: SessionListResponse, 401: ErrorResponses[401] },
      },
    },
    async (request) => {
      const sessions = await auth.sessions(currentUser(request));
      return ok({
        sessions: sessions.map((s) => ({
          id: s.id,
          client: s.client,
          platform: s.platform,
          user_agent: s.user_agent,
          ip: s.ip,
          created_at: present.time.iso(s.created_at),
          last_used_at: present.time.iso(s.last_used_at),
          current: s.id === request.sessionId,
        })),
      });
    },
  );

  r.delete(
    '/app/v1_0/user/sessions/:session_id',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of the current user’s sessions (sign a device out)',
        security: [{ bearer: [] }],
        params: SessionParams,
        response: { 204: NoContent, 401: ErrorResponses[401], 404: ErrorResponses[404] },
      },
    },
    async (request, reply) => {
      const revoked = await auth.revokeSession(currentUser(request), toId(request.params.session_id, 'session_id'));
      if (!revoked) throw notFound('Session not found.');
      return reply.code(204).send();
    },
  );
}
