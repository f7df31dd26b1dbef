/**
 * 我授权的应用 / My authorized apps (/me/apps): the apps a signed-in reader authorized, and revoking
 * one. A reader sees and revokes only their own grants: the revocation looks grants up by reader
 * and app together, so an app they never authorized is a 404 whoever else did.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../platform/http/errors.js';
import type { AppContext } from '../module.js';
import type { SiteRenderer } from '../web/web.render.js';
import { csrfToken } from '../web/web.session.js';
import { langOf, viewsFor } from '../web/web.views.js';
import type { ReaderGrants } from './oauth.grants.js';
import { authorizedAppsBody } from './oauth.pages.js';
import { clientFormPost, Flag, mePage, PAGE_CONFIG, readerOf } from './oauth.site.js';

/** Names of the developers behind apps; null for an owner who is gone. */
async function ownerNames(ctx: AppContext, ids: readonly bigint[]): Promise<Map<bigint, string | null>> {
  const names = new Map<bigint, string | null>();
  for (const id of new Set(ids)) {
    try {
      names.set(id, (await ctx.services.users.profiles.me(id)).name);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      names.set(id, null);
    }
  }
  return names;
}

export function authorizedAppsRoutes(app: FastifyInstance, ctx: AppContext, site: SiteRenderer, grants: ReaderGrants) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const day = (ms: number) => ctx.present.time.iso(ms).slice(0, 10);

  r.get(
    '/me/apps',
    { config: PAGE_CONFIG, schema: { hide: true, querystring: Type.Object({ revoked: Flag }) } },
    async (request, reply) => {
      const userId = readerOf(request, reply);
      if (userId === null) return reply;
      const apps = await grants.list(userId);
      const owners = await ownerNames(
        ctx,
        apps.flatMap((a) => (a.ownerUserId === null ? [] : [a.ownerUserId])),
      );
      const body = authorizedAppsBody(langOf(request), {
        csrf: csrfToken(reply),
        revoked: request.query.revoked === '1',
        apps: apps.map((a) => ({
          clientId: a.clientId,
          name: a.name,
          logo: a.logo,
          owner: a.ownerUserId === null ? null : (owners.get(a.ownerUserId) ?? null),
          scopes: a.scopes,
          grantedOn: day(a.grantedAt),
        })),
      });
      return mePage(site, request, reply, 'apps', viewsFor(request).TEXT.authorizedApps, body);
    },
  );

  r.post('/me/apps/:clientId/revoke', clientFormPost(app), async (request, reply) => {
    const userId = readerOf(request, reply);
    if (userId === null) return reply;
    if (!(await grants.revoke(userId, request.params.clientId))) throw new AppError('not_found', 'App not found.');
    return reply.redirect('/me/apps?revoked=1', 303);
  });
}
