/**
 * The provider on the app's Fastify server. Its endpoints (/oauth/*) and the discovery documents
 * are handed, untouched, to oidc-provider's own (Koa) handler: the route hijacks the reply and
 * no body parser of ours reads the stream, since the provider parses its bodies itself. The
 * interaction pages (sign-in and consent) are ours, on the reader site's session and CSRF.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { AppError } from '../../platform/http/errors.js';
import { html } from '../../platform/web/html.js';
import type { AppContext } from '../module.js';
import { createSiteRenderer } from '../web/web.render.js';
import { csrfToken, registerWebSession } from '../web/web.session.js';
import { langOf, viewsOf } from '../web/web.views.js';
import { authorizedAppsRoutes } from './oauth.authorized-apps.routes.js';
import { consentBody, consentWords } from './oauth.consent.js';
import { developerApps } from './oauth.developer.js';
import { developerAppsRoutes } from './oauth.developer.routes.js';
import { readerGrants } from './oauth.grants.js';
import type { LiveProvider } from './oauth.live-provider.js';
import type { OauthRepository } from './oauth.repository.js';
import { OAUTH_PREFIX, SITE_CSP } from './oauth.settings.js';

const DISCOVERY = '/.well-known/openid-configuration';
const HANDED_METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS'] as const;

type RawWithOriginal = FastifyRequest['raw'] & { originalUrl?: string };

/** Where a form may end up after the provider's redirects: the redirect URI's origin (or scheme). */
function formTarget(redirectUri: unknown): string {
  if (typeof redirectUri !== 'string') return '';
  try {
    const url = new URL(redirectUri);
    return url.origin !== 'null' ? url.origin : url.protocol;
  } catch {
    return '';
  }
}

/** CSP of the consent page: the site's, except that the form may end at the client's redirect URI. */
function consentCsp(redirectUri: unknown): string {
  return SITE_CSP.replace("form-action 'self'", `form-action 'self' ${formTarget(redirectUri)}`.trim());
}

export async function oauthRoutes(
  app: FastifyInstance,
  live: LiveProvider,
  repository: OauthRepository,
  ctx: AppContext,
): Promise<void> {
  let callback: ReturnType<Provider['callback']> | undefined;

  /** Hands the request to the provider as if it were mounted at `mount` (Express' mount semantics). */
  async function handOver(request: FastifyRequest, reply: FastifyReply, mount: string, path: string): Promise<void> {
    // Built before the reply is hijacked, so a failed build is an ordinary 500 with its request id.
    callback ??= (await live.get()).callback();
    const raw = request.raw as RawWithOriginal;
    raw.originalUrl = `${mount}${path}`;
    raw.url = path;
    reply.hijack();
    void callback(raw, reply.raw);
  }

  await app.register(async (scope) => {
    // The provider reads its own bodies: nothing here may consume the stream.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const config = { auth: 'public' as const };
    scope.route({
      method: [...HANDED_METHODS],
      url: `${OAUTH_PREFIX}/*`,
      config,
      schema: { hide: true },
      handler: async (request, reply) => handOver(request, reply, OAUTH_PREFIX, request.url.slice(OAUTH_PREFIX.length)),
    });
    // OpenID Discovery at the issuer, and the same document as RFC 8414 metadata.
    for (const url of [DISCOVERY, '/.well-known/oauth-authorization-server']) {
      scope.route({
        method: ['GET', 'OPTIONS'],
        url,
        config,
        schema: { hide: true },
        handler: async (request, reply) => {
          const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
          await handOver(request, reply, OAUTH_PREFIX, `${DISCOVERY}${query}`);
        },
      });
    }
  });

  await app.register(async (site) => {
    await registerWebSession(site, ctx);
    const renderer = createSiteRenderer(ctx);
    const pageConfig = { auth: 'public' as const, page: true };
    // The reader's authorized apps and the developer's own apps (/me/apps, /me/developer/apps).
    const { kv, clock } = ctx.platform;
    const now = () => clock.now();
    const grants = readerGrants(live, repository, now);
    authorizedAppsRoutes(site, ctx, renderer, grants);
    developerAppsRoutes(site, ctx, renderer, developerApps({ provider: live, repository, grants, kv, now }));

    async function details(request: FastifyRequest, reply: FastifyReply) {
      const provider = await live.get();
      try {
        return await provider.interactionDetails(request.raw, reply.raw);
      } catch {
        throw new AppError(
          'bad_request',
          'This sign-in request has expired or is not yours: start again from the app.',
        );
      }
    }

    async function finish(
      request: FastifyRequest,
      reply: FastifyReply,
      result: InteractionResults,
    ): Promise<FastifyReply> {
      const provider = await live.get();
      const to = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
      return reply.header('cache-control', 'no-store').redirect(to, 303);
    }

    site.get<{ Params: { uid: string } }>(
      `${OAUTH_PREFIX}/interaction/:uid`,
      { config: pageConfig, schema: { hide: true } },
      async (request, reply) => {
        const interaction = await details(request, reply);
        if (interaction.uid !== request.params.uid) throw new AppError('bad_request', 'Interaction mismatch.');
        const here = `${OAUTH_PREFIX}/interaction/${interaction.uid}`;
        if (!request.reader)
          return reply.header('cache-control', 'no-store').redirect(`/login?next=${encodeURIComponent(here)}`, 303);
        const readerId = String(request.reader.id);
        if (interaction.prompt.name === 'login') return finish(request, reply, { login: { accountId: readerId } });
        // The provider's session is another reader's than the site's: sign in again as this one.
        if (interaction.session?.accountId && interaction.session.accountId !== readerId)
          return finish(request, reply, { login: { accountId: readerId } });

        const client = await (await live.get()).Client.find(String(interaction.params.client_id));
        if (!client) throw new AppError('bad_request', 'Unknown client.');
        const row = await repository.findClient(client.clientId);
        const owner = row?.owner_user_id ? (await ctx.services.users.profiles.me(row.owner_user_id)).name : null;
        const lang = langOf(request);
        const requested = (typeof interaction.params.scope === 'string' ? interaction.params.scope : '')
          .split(' ')
          .filter((s) => s.length > 0);
        const me = await ctx.services.users.profiles.me(request.reader.id);
        const title = consentWords(lang).title(client.clientName ?? client.clientId);
        const shell = await renderer.shell(request, reply, null);
        const page = viewsOf(lang).layout(
          shell,
          { title, description: title, canonical: `${renderer.origin}${here}`, noindex: true },
          null,
          consentBody(lang, {
            uid: interaction.uid,
            app: client.clientName ?? client.clientId,
            owner,
            reader: me.name,
            scopes: requested,
            csrf: csrfToken(reply),
          }),
        );
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('content-security-policy', consentCsp(interaction.params.redirect_uri))
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('vary', 'Cookie')
          .send(html`${page}`.value);
      },
    );

    site.post<{ Params: { uid: string }; Body: { decision?: string } }>(
      `${OAUTH_PREFIX}/interaction/:uid`,
      { config: pageConfig, schema: { hide: true }, preHandler: site.csrfProtection },
      async (request, reply) => {
        const interaction = await details(request, reply);
        if (interaction.uid !== request.params.uid) throw new AppError('bad_request', 'Interaction mismatch.');
        if (!request.reader) throw new AppError('unauthorized', 'User must be authorized.');
        if (interaction.prompt.name !== 'consent') throw new AppError('bad_request', 'Nothing to consent to.');
        if (request.body?.decision !== 'allow')
          return finish(request, reply, {
            error: 'access_denied',
            error_description: 'The reader denied the request.',
          });

        const accountId = String(interaction.session?.accountId ?? '');
        if (accountId !== String(request.reader.id)) throw new AppError('bad_request', 'Interaction mismatch.');
        const clientId = String(interaction.params.client_id);
        const provider = await live.get();
        const grant = interaction.grantId
          ? await provider.Grant.find(interaction.grantId)
          : new provider.Grant({ accountId, clientId });
        if (!grant) throw new AppError('bad_request', 'This sign-in request has expired.');
        const missing = interaction.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
          grant.addResourceScope(indicator, scopes.join(' '));
        const grantId = await grant.save();
        return finish(request, reply, { consent: { grantId } });
      },
    );
  });
}
