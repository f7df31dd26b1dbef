/**
 * The OpenID provider (panva's oidc-provider, OpenID Certified) configured for Inkstone. The issuer
 * is the site's public URL; the endpoints live under /oauth and the discovery documents at the
 * root (see oauth.routes.ts). Only the authorization code flow (PKCE S256, required for public
 * clients), refresh tokens (rotated for public clients; a reused one revokes its grant), client
 * credentials, revocation, introspection, userinfo and dynamic registration: no implicit, no
 * password grant (RFC 9700).
 *
 * Access tokens are of two kinds, as the library draws them: without a `resource` parameter a token
 * carries the OpenID scopes only and is good at userinfo; with `resource=<public URL>/api`
 * (RFC 8707) it is a token for the Inkstone API carrying the Inkstone scopes granted.
 */
import { createHmac } from 'node:crypto';
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../module.js';
import { pageAssets } from '../web/web.assets.js';
import { viewsOf } from '../web/web.views.js';
import { consentWords } from './oauth.consent.js';
import { adapterFactory } from './oauth.adapter.js';
import type { PrivateJwk } from './oauth.keys.js';
import type { OauthRepository } from './oauth.repository.js';
import {
  API_SCOPES,
  apiResource,
  issuerOf,
  OAUTH_PREFIX,
  OIDC_SCOPES,
  SINGLE_USE,
  SITE_CSP,
} from './oauth.settings.js';

/** Seconds. Codes live 10 minutes at most (RFC 6749 §4.1.2) and are single use. */
const TTL = {
  AuthorizationCode: 600,
  AccessToken: 3600,
  ClientCredentials: 3600,
  IdToken: 3600,
  Interaction: 3600,
  Session: 14 * 24 * 3600,
  Grant: 30 * 24 * 3600,
  RefreshToken: 30 * 24 * 3600,
} as const;

/** `jwks`: the stored keys as oauth.keys.ts orders them (signing key first); oauth.live-provider.ts swaps them later. */
export async function createProvider(
  ctx: AppContext,
  repository: OauthRepository,
  jwks: readonly PrivateJwk[],
): Promise<Provider> {
  const { platform, services, present } = ctx;
  const { config } = platform;
  const issuer = issuerOf(config.publicUrl);
  const resource = apiResource(issuer);
  // Every node signs the provider's cookies with the same key, derived from the app's secret.
  const cookieKey = createHmac('sha256', config.jwtSecret).update('inkstone oauth cookies').digest('base64url');

  // The provider keeps a session of its own; it holds only while the reader is signed in to the site
  // as the same account, so signing out of Inkstone (or a ban) also ends silent sign-ins to apps.
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'inkstone_session',
      'the reader is not signed in to the site as this account',
      async (koa) => {
        const reader = await services.auth.sessions.authenticator.authenticateCookie?.(koa.get('cookie'));
        return !reader || String(reader.userId) !== koa.oidc.session?.accountId
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );

  const configuration: Configuration = {
    adapter: adapterFactory({ kv: platform.kv, repository, now: () => platform.clock.now() }),
    jwks: { keys: [...jwks] as never },
    cookies: { keys: [cookieKey] },
    clients: [],
    responseTypes: ['code'],
    scopes: [...OIDC_SCOPES, ...API_SCOPES],
    claims: { openid: ['sub'], profile: ['name', 'picture'] },
    ttl: { ...TTL },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    interactions: { policy, url: (_ctx, interaction) => `${OAUTH_PREFIX}/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      if (!/^[0-9]{1,20}$/.test(sub)) return undefined;
      let user;
      try {
        user = await services.users.profiles.me(BigInt(sub));
      } catch {
        return undefined;
      }
      return {
        accountId: sub,
        claims: async () => ({ sub, name: user.name, picture: present.avatar(user.photo) }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      // Signing out of Inkstone from a relying party comes with the site's own sign-out, later.
      rpInitiatedLogout: { enabled: false },
      clientCredentials: { enabled: true },
      // A client learns about its own tokens only (resource servers come with the API scopes).
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // Open while developing; in production a client needs an initial access token minted by staff.
      registration:
        config.env === 'production'
          ? {
              enabled: true,
              initialAccessToken: true,
              policies: {
                // The token is spent once a registration with it got this far.
                [SINGLE_USE]: async (koa) => {
                  await koa.oidc.entities.InitialAccessToken?.destroy();
                },
              },
            }
          : { enabled: true, initialAccessToken: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? (undefined as unknown as string),
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            scope: API_SCOPES.join(' '),
            audience: resource,
            accessTokenTTL: TTL.AccessToken,
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    // The provider's own error page (a bad client_id or redirect_uri, which must not redirect) in the site's shell.
    renderError(koa: KoaContextWithOIDC, out) {
      const lang = /(^|;\s*)inkstone_lang=en(;|$)/.test(koa.get('cookie')) ? 'en' : 'zh-CN';
      const words = consentWords(lang);
      const text = [out.error_description, out.error].filter((v) => typeof v === 'string').join(' · ');
      const meta = { title: words.errorTitle, description: text, canonical: `${issuer}${OAUTH_PREFIX}`, noindex: true };
      const shell = { origin: issuer, ...pageAssets(), tabs: [], reader: null };
      const views = viewsOf(lang);
      koa.type = 'html';
      koa.set('cache-control', 'no-store');
      koa.set('content-security-policy', SITE_CSP);
      koa.set('x-content-type-options', 'nosniff');
      koa.body = views.layout(shell, meta, null, views.errorBody(words.errorTitle, text)).value;
    },
  };
  const provider = new Provider(issuer, configuration);
  // Behind a trusted proxy the scheme and host of the request come from X-Forwarded-*.
  provider.proxy = config.trustProxy !== false;
  provider.on('server_error', (_ctx, error) => platform.logger.error({ err: error }, 'oauth provider error'));
  return provider;
}
