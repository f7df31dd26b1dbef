import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { ok, okSchema } from '../../platform/http/envelope.js';
import { ErrorCodeRef } from '../../platform/http/error-codes.js';
import type { Platform } from '../../platform/platform.js';
import { NO_SCHEDULER, schedulerRunning } from '../../platform/cluster/warnings.js';

const Schedules = Type.String({
  description:
    'ok when a live process of the site runs the cron schedules, else why not (informational: never makes this node unready)',
});
const Checks = Type.Record(Type.String(), Type.String(), { description: 'per dependency: ok or the error' });

/** Each probe gets this long: a load balancer asking /readyz needs an answer within a second, outage or not. */
const PROBE_TIMEOUT_MS = 800;

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

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
      const [database, kv, storage, schedules] = await Promise.all([
        check(() => sql`select 1`.execute(platform.db)),
        check(() => platform.kv.ping()),
        check(() => platform.storage.ping()),
        check(async () => {
          if (!schedulerRunning(await platform.cluster.live())) throw new Error(NO_SCHEDULER);
        }),
      ]);
      const checks = { database, [platform.kv.kind === 'redis' ? 'redis' : 'kv']: kv, storage };
      if (Object.values(checks).every((v) => v === 'ok')) return ok({ checks, schedules });
      return reply.code(503).send({ message: 'Not ready.', code: 'service_unavailable', checks, schedules });
    },
  );
}
