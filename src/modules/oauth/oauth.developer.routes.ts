/**
 * 我的应用 / My apps (/me/developer/apps): a signed-in reader registers apps on the open platform,
 * edits them, rotates a server app's secret and deletes them. Only the owner sees an app; anyone
 * else's reads as missing (404), writes included. A form with a problem comes back (400) with
 * what was typed and a message naming the field; nothing is written.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../platform/http/errors.js';
import type { AppContext } from '../module.js';
import type { SiteRenderer } from '../web/web.render.js';
import { csrfToken } from '../web/web.session.js';
import { langOf, viewsFor } from '../web/web.views.js';
import type { AppForm, DeveloperApp, DeveloperApps, FieldProblem } from './oauth.developer.js';
import { appPath, developerAppBody, developerAppsBody, type DeveloperAppView } from './oauth.pages.js';
import { ClientIdParams, clientFormPost, Csrf, Flag, mePage, PAGE_CONFIG, readerOf } from './oauth.site.js';

/** Generous bounds: the form's own checks (oauth.developer.ts) say what is wrong, by field. */
const AppFormBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 1000 })),
  redirect_uris: Type.Optional(Type.String({ maxLength: 50_000 })),
  logo_uri: Type.Optional(Type.String({ maxLength: 5000 })),
  kind: Type.Optional(Type.String({ maxLength: 20 })),
  _csrf: Csrf,
});
type AppFormBody = { name?: string; redirect_uris?: string; logo_uri?: string; kind?: string };

const EMPTY_FORM: AppForm = { name: '', redirectUris: '', logoUri: '', kind: '' };
/** A reader registers a handful of apps; more than this is a script. */
const REGISTER_LIMIT = { rule: '20/hour;50/day', key: 'user' as const, scope: 'oauth-app-register' };

const formOf = (body: AppFormBody): AppForm => ({
  name: body.name ?? '',
  redirectUris: body.redirect_uris ?? '',
  logoUri: body.logo_uri ?? '',
  kind: body.kind ?? '',
});

const formFrom = (app: DeveloperApp): AppForm => ({
  name: app.name,
  redirectUris: app.redirectUris.join('\n'),
  logoUri: app.logo ?? '',
  kind: app.kind,
});

export function developerAppsRoutes(app: FastifyInstance, ctx: AppContext, site: SiteRenderer, apps: DeveloperApps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const day = (ms: number) => ctx.present.time.iso(ms).slice(0, 10);
  const view = (a: DeveloperApp): DeveloperAppView => ({ ...a, createdOn: day(a.createdAt) });
  const title = (request: FastifyRequest) => viewsFor(request).TEXT.myApps;
  const notFound = () => new AppError('not_found', 'App not found.');

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: bigint,
    form: AppForm,
    problems: readonly FieldProblem[],
    removed = false,
  ) {
    const body = developerAppsBody(langOf(request), {
      csrf: csrfToken(reply),
      origin: site.origin,
      apps: (await apps.list(userId)).map(view),
      form,
      problems,
      removed,
    });
    return mePage(site, request, reply, 'developer', title(request), body);
  }

  async function appPage(
    request: FastifyRequest,
    reply: FastifyReply,
    found: DeveloperApp,
    extra: {
      secret?: string | null;
      notice?: 'registered' | 'saved' | null;
      form?: AppForm;
      problems?: FieldProblem[];
    },
  ) {
    const body = developerAppBody(langOf(request), {
      csrf: csrfToken(reply),
      app: view(found),
      secret: extra.secret ?? null,
      notice: extra.notice ?? null,
      form: extra.form ?? formFrom(found),
      problems: extra.problems ?? [],
    });
    return mePage(site, request, reply, 'developer', `${found.name} - ${title(request)}`, body);
  }

  r.get(
    '/me/developer/apps',
    { config: PAGE_CONFIG, schema: { hide: true, querystring: Type.Object({ removed: Flag }) } },
    async (request, reply) => {
      const userId = readerOf(request, reply);
      if (userId === null) return reply;
      return listPage(request, reply, userId, EMPTY_FORM, [], request.query.removed === '1');
    },
  );

  r.post(
    '/me/developer/apps',
    {
      config: { ...PAGE_CONFIG, rateLimit: REGISTER_LIMIT },
      preHandler: app.csrfProtection,
      schema: { hide: true, body: AppFormBody },
    },
    async (request, reply) => {
      const userId = readerOf(request, reply);
      if (userId === null) return reply;
      const form = formOf(request.body);
      const made = await apps.register(userId, form);
      if (!made.ok) return listPage(request, reply.code(400), userId, form, made.problems);
      const reveal = made.reveal ? `&reveal=${made.reveal}` : '';
      return reply.redirect(`${appPath(made.clientId)}?registered=1${reveal}`, 303);
    },
  );

  r.get(
    '/me/developer/apps/:clientId',
    {
      config: PAGE_CONFIG,
      schema: {
        hide: true,
        params: ClientIdParams,
        querystring: Type.Object({
          registered: Flag,
          saved: Flag,
          reveal: Type.Optional(Type.String({ maxLength: 64 })),
        }),
      },
    },
    async (request, reply) => {
      const userId = readerOf(request, reply);
      if (userId === null) return reply;
      const found = await apps.find(userId, request.params.clientId);
      if (!found) throw notFound();
      const { reveal, registered, saved } = request.query;
      // The token in the address is used up here: a reload or the history shows the page without the secret.
      const secret = reveal ? await apps.reveal(userId, found.clientId, reveal) : null;
      return appPage(request, reply, found, {
        secret,
        notice: registered === '1' ? 'registered' : saved === '1' ? 'saved' : null,
      });
    },
  );

  r.post(
    '/me/developer/apps/:clientId',
    {
      config: PAGE_CONFIG,
      preHandler: app.csrfProtection,
      schema: { hide: true, params: ClientIdParams, body: AppFormBody },
    },
    async (request, reply) => {
      const userId = readerOf(request, reply);
      if (userId === null) return reply;
      const { clientId } = request.params;
      const form = formOf(request.body);
      const saved = await apps.update(userId, clientId, form);
      if (saved === null) throw notFound();
      if (!saved.ok) {
        const found = (await apps.find(userId, clientId)) ?? undefined;
        if (!found) throw notFound();
        return appPage(request, reply.code(400), found, {
          form: { ...form, kind: found.kind },
          problems: saved.problems,
        });
      }
      return reply.redirect(`${appPath(clientId)}?saved=1`, 303);
    },
  );

  r.post('/me/developer/apps/:clientId/secret', clientFormPost(app), async (request, reply) => {
    const userId = readerOf(request, reply);
    if (userId === null) return reply;
    const reveal = await apps.rotateSecret(userId, request.params.clientId);
    if (reveal === null) throw notFound();
    return reply.redirect(`${appPath(request.params.clientId)}?reveal=${reveal}`, 303);
  });

  r.post('/me/developer/apps/:clientId/delete', clientFormPost(app), async (request, reply) => {
    const userId = readerOf(request, reply);
    if (userId === null) return reply;
    if (!(await apps.remove(userId, request.params.clientId))) throw notFound();
    return reply.redirect('/me/developer/apps?removed=1', 303);
  });
}
