import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ok, okSchema } from '../../platform/http/envelope.js';
import { ErrorCodeRef } from '../../platform/http/error-codes.js';
import { dependencyChecks, probe } from '../../platform/health-checks.js';
import type { Platform } from '../../platform/platform.js';
import { NO_SCHEDULER, schedulerRunning } from '../../platform/cluster/warnings.js';

const Schedules = Type.String({
  description:
    'ok when a live process of the site runs the cron schedules, else why not (informational: never makes this node unready)',
});
const Checks = Type.Record(Type.String(), Type.String(), { description: 'per dependency: ok or the error' });

export function healthRoutes(app: FastifyInstance, platform: Platform): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: okSchema(Type.Object({ status: Type.String() })) },
      },
    },
    async () => ok({ status: 'alive' }),
  );

  r.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: database, key-value store and storage reachable (503 otherwise)',
        response: {
          200: okSchema(Type.Object({ checks: Checks, schedules: Schedules })),
          503: Type.Object({ message: Type.String(), code: ErrorCodeRef, checks: Checks, schedules: Schedules }),
        },
      },
    },
    async (_request, reply) => {
      const [checks, schedules] = await Promise.all([
        dependencyChecks(platform),
        probe(async () => {
          if (!schedulerRunning(await platform.cluster.live())) throw new Error(NO_SCHEDULER);
        }),
      ]);
      if (Object.values(checks).every((v) => v === 'ok')) return ok({ checks, schedules });
      return reply.code(503).send({ message: 'Not ready.', code: 'service_unavailable', checks, schedules });
    },
  );
}
