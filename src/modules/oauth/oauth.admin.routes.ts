/**
 * Admin endpoints of the provider:
 * - an initial access token (RFC 7591 §3) for a developer to register a client at /oauth/reg where
 *   registration is closed to the public (production): each registers one client and lapses after
 *   a week; the audit log keeps who issued one, never its value;
 * - a signing key rotation out of schedule (a key believed exposed, a policy change).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok, okSchema } from '../../platform/http/envelope.js';
import type { OauthService } from './oauth.module.js';

const ADMIN: RouteAccess = { roles: ['admin'] };

const IssuedToken = okSchema(
  Type.Object({
    token: Type.String({ description: 'Bearer token for one POST /oauth/reg; shown once, never stored in the clear' }),
    expires_at: Type.String({ description: 'When it lapses if unused (ISO 8601)' }),
    registration_endpoint: Type.String(),
  }),
);

const RotatedKey = okSchema(
  Type.Object({
    kid: Type.String({ description: 'The new key, published in the JWKS from now on' }),
    signs_from: Type.String({ description: 'When nodes start signing with it (ISO 8601): a day from now' }),
  }),
);

const errors = { 401: ErrorResponses[401], 403: ErrorResponses[403] };

export function oauthAdminRoutes(app: FastifyInstance, oauth: OauthService, registrationEndpoint: string): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/admin/v1_0/oauth/keys',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: ['admin'],
        summary: 'Add the next id_token signing key (rotation out of the 90-day schedule)',
        description: `${describeAccess(ADMIN)} The key is published at once and signs from a day later; the key it replaces stays published a week after that. Audited as oauth.key.rotate.`,
        security: [{ bearer: [] }],
        response: { 201: RotatedKey, ...errors },
      },
    },
    async (request, reply) => {
      const { kid, signsFrom } = await oauth.rotateSigningKey(currentUser(request));
      return reply.code(201).send(ok({ kid, signs_from: new Date(signsFrom).toISOString() }));
    },
  );

  r.post(
    '/admin/v1_0/oauth/initial-access-tokens',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: ['admin'],
        summary: 'Issue an initial access token for one dynamic client registration (RFC 7591)',
        description: `${describeAccess(ADMIN)} Single use, valid 7 days. Audited as oauth.initial_access_token.issue.`,
        security: [{ bearer: [] }],
        response: { 201: IssuedToken, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await oauth.issueInitialAccessToken(currentUser(request));
      return reply.code(201).send(
        ok({
          token: issued.token,
          expires_at: new Date(issued.expiresAt * 1000).toISOString(),
          registration_endpoint: registrationEndpoint,
        }),
      );
    },
  );
}
