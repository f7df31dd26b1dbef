import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../platform/http/auth.js';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { clampPage } from '../../platform/http/paging.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentAnnouncement, presentSummary } from './announcement.presenter.js';
import {
  AnnouncementListQuery,
  AnnouncementListResponse,
  AnnouncementParams,
  AnnouncementResponse,
  PublishAnnouncementBody,
  PublishedAnnouncementResponse,
} from './announcement.schema.js';
import type { AnnouncementService } from './announcement.service.js';

const ADMIN: RouteAccess = { roles: ['admin'] };

export function announcementRoutes(
  app: FastifyInstance,
  service: AnnouncementService,
  present: PresenterContext,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/app/v1_0/announcements',
    {
      config: { auth: 'public', cache: { maxAge: 60 } },
      schema: {
        tags: ['announcements'],
        summary: 'System announcements, newest first (A02); per_page clamped to 10–50',
        querystring: AnnouncementListQuery,
        response: { 200: AnnouncementListResponse, 400: ErrorResponses[400] },
      },
    },
    async (request) => {
      const page = clampPage(request.query);
      const { total, rows } = await service.list(page);
      return ok({
        total_count: total,
        page: page.page,
        per_page: page.perPage,
        results: rows.map((row) => presentSummary(present, row)),
      });
    },
  );

  r.get(
    '/app/v1_0/announcements/:target',
    {
      config: { auth: 'public', cache: { maxAge: 60 } },
      schema: {
        tags: ['announcements'],
        summary: 'One announcement (A03); 400 "Invalid announcement." for an unknown id',
        params: AnnouncementParams,
        response: { 200: AnnouncementResponse, 400: ErrorResponses[400] },
      },
    },
    async (request) => ok(presentAnnouncement(present, await service.get(BigInt(request.params.target)))),
  );

  r.post(
    '/admin/v1_0/announcements',
    {
      config: { auth: 'required', access: ADMIN },
      schema: {
        tags: ['admin'],
        summary: 'Publish an announcement (Inkstone extension, admins only)',
        description: `${describeAccess(ADMIN)} Content is stored as given.`,
        security: [{ bearer: [] }],
        body: PublishAnnouncementBody,
        response: {
          201: PublishedAnnouncementResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          403: ErrorResponses[403],
        },
      },
    },
    async (request, reply) => {
      const row = await service.publish(currentUser(request), request.body);
      return reply.code(201).send(ok(presentSummary(present, row)));
    },
  );
}
