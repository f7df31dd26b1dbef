import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentRole, describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentAccount, presentAccountDetail, presentAction } from './user-admin.presenter.js';
import { AccountResponse, ActionBody, ActionResponse, RoleBody, RoleResponse } from './user-admin.schema.js';
import { NOT_ALLOWED, STATE_CONFLICT, type UserAdminService } from './user-admin.service.js';
import { TargetParams } from '../users/user.schema.js';

const bearer = [{ bearer: [] }];
const TAGS = ['admin'];
const errors = {
  400: ErrorResponses[400],
  401: ErrorResponses[401],
  403: ErrorResponses[403],
  404: ErrorResponses[404],
};
const STAFF: RouteAccess = { roles: ['moderator', 'admin'] };
const staffOnly = describeAccess(STAFF);
const ADMIN: RouteAccess = { roles: ['admin'] };

/** Account moderation for staff: bans and author verification (Inkstone extension, like article review). */
export function userAdminRoutes(app: FastifyInstance, service: UserAdminService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/admin/v1_0/users/:target',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'A user as staff see it: status, verification and moderation history',
        description: `${staffOnly} 404 for an unknown user.`,
        security: bearer,
        params: TargetParams,
        response: { 200: AccountResponse, ...errors },
      },
    },
    async (request) => {
      const { user, history } = await service.detail(toId(request.params.target, 'target'));
      return ok(presentAccountDetail(present, user, history));
    },
  );

  r.post(
    '/admin/v1_0/users/:target/actions',
    {
      config: { auth: 'required', access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Ban or unban a user, verify or un-verify an author; logged, effective at once on every node',
        description:
          `${staffOnly} ban (reason required): the user is signed out everywhere; their access and refresh tokens ` +
          'answer 403 "User denied." and sign-in 403 "Invalid user." until unbanned. unverify (reason required): the ' +
          'media-platform sessions end and MP sign-in is refused until verify. Moderators act on plain users; admins on ' +
          `moderators too; nobody on an admin or on themselves (403 "${NOT_ALLOWED}"). 409 "${STATE_CONFLICT}" when ` +
          'the user is already in the state the action leads to. 404 for an unknown user.',
        security: bearer,
        params: TargetParams,
        body: ActionBody,
        response: { 201: ActionResponse, ...errors, 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      const result = await service.act(
        { id: currentUser(request), role: currentRole(request) },
        toId(request.params.target, 'target'),
        request.body.action,
        request.body.reason,
      );
      return reply.code(201).send(ok(presentAction(present, result)));
    },
  );

  r.put(
    '/admin/v1_0/users/:target/role',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: TAGS,
        summary: "Set a user's role (user, moderator or admin); audited, effective at once on every node",
        description:
          `${describeAccess(ADMIN)} Not on oneself (403 "${NOT_ALLOWED}"); 409 when the user already has the role ` +
          '(or it changed meanwhile). 404 for an unknown user.',
        security: bearer,
        params: TargetParams,
        body: RoleBody,
        response: { 200: RoleResponse, ...errors, 409: ErrorResponses[409] },
      },
    },
    async (request) => {
      const user = await service.setRole(
        { id: currentUser(request), role: currentRole(request) },
        toId(request.params.target, 'target'),
        request.body.role,
      );
      return ok(presentAccount(user));
    },
  );
}
