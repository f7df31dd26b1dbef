import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { notFound } from '../../platform/http/errors.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentOperation } from './operations.presenter.js';
import { KindParams, OperationParams, OperationResponse, RunningConflict } from './operations.schema.js';
import { OperationRunning, type OperationsService } from './operations.service.js';

const bearer = [{ bearer: [] }];
const TAGS = ['admin'];
const ADMIN: RouteAccess = { roles: ['admin'] };
const adminOnly = describeAccess(ADMIN);
const errors = { 401: ErrorResponses[401], 403: ErrorResponses[403], 404: ErrorResponses[404] };
export const RUNNING_MESSAGE = 'An operation of this kind is running.';

/** Reindex and recount as background jobs, with progress any instance can report. */
export function operationsRoutes(app: FastifyInstance, operations: OperationsService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/admin/v1_0/operations/:kind',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'Start a reindex or a recount in the background; poll GET /admin/v1_0/operations/{id}',
        description: `${adminOnly} 202 with the new run. 409 with \`operation_id\` while a run of the same kind is in progress (one at a time, site-wide).`,
        security: bearer,
        params: KindParams,
        response: { 202: OperationResponse, ...errors, 409: RunningConflict },
      },
    },
    async (request, reply) => {
      try {
        const op = await operations.start(request.params.kind, currentUser(request));
        return reply.code(202).send(ok(presentOperation(present, op)));
      } catch (error) {
        if (!(error instanceof OperationRunning)) throw error;
        return reply.code(409).send({ message: RUNNING_MESSAGE, code: 'conflict', operation_id: error.runningId });
      }
    },
  );

  r.get(
    '/admin/v1_0/operations/:id',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: TAGS,
        summary: 'A reindex or recount run: state, phase and progress',
        description: `${adminOnly} Runs are kept a week; 404 after that or for an unknown id.`,
        security: bearer,
        params: OperationParams,
        response: { 200: OperationResponse, ...errors },
      },
    },
    async (request) => {
      const op = await operations.get(request.params.id);
      if (!op) throw notFound();
      return ok(presentOperation(present, op));
    },
  );
}
