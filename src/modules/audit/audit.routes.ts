import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { ErrorResponses, ok, okSchema } from '../../platform/http/envelope.js';
import { IdOutput, toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import type { AuditService } from './audit.service.js';
import { auditFilter, AuditQuery } from './audit.schema.js';

const ADMIN: RouteAccess = { roles: ['admin'] };

const Entry = Type.Object({
  id: IdOutput,
  actor_id: IdOutput,
  actor_name: Type.Union([Type.String(), Type.Null()]),
  action: Type.String({ description: '<area>.<verb>, e.g. article.reject, user.ban, order.refund' }),
  target_type: Type.String(),
  target_id: Type.String(),
  before: Type.Unknown({ description: 'the state the action changed, before it (null when none)' }),
  after: Type.Unknown({ description: 'and after it' }),
  created_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss' }),
});
const AuditResponse = okSchema(
  Type.Object({
    results: Type.Array(Entry),
    next: Type.Union([Type.String(), Type.Null()], {
      description: 'pass as `before` for the next (older) page (a string: cursors are opaque)',
    }),
  }),
);

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

/** The audit log for admins (Inkstone extension): every console and admin-API action, newest first. */
export function auditRoutes(app: FastifyInstance, service: AuditService, present: PresenterContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/admin/v1_0/audit',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: ['admin'],
        summary: 'The audit log: who did what to which target, with the state before and after',
        description: `${describeAccess(ADMIN)} Filters combine; pages by \`before\` (keyset, newest first).`,
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: AuditResponse, 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await service.list(
        auditFilter({ ...q, before: q.before === undefined ? undefined : toId(q.before, 'before') }),
        q.per_page ?? 20,
      );
      return ok({
        results: page.rows.map((row) => ({
          id: row.id,
          actor_id: row.actor_id,
          actor_name: row.actor_name,
          action: row.action,
          target_type: row.target_type,
          target_id: row.target_id,
          before: parse(row.before_json),
          after: parse(row.after_json),
          created_at: present.time.plain(row.created_at),
        })),
        next: page.next === null ? null : String(page.next),
      });
    },
  );
}
