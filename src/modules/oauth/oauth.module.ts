import { createHash } from 'node:crypto';
import { defineModule } from '../module.js';
import * as oauthClients from './migrations/0015-oauth-clients.js';
import * as oauthGrants from './migrations/0016-oauth-grants.js';
import { oauthAdminRoutes } from './oauth.admin.routes.js';
import { appTokenVerifier } from './oauth.app-tokens.js';
import { KEY_POLICY, maintainKeys, rotateKey, type PrivateJwk } from './oauth.keys.js';
import { liveProvider, type LiveProvider } from './oauth.live-provider.js';
import { createOauthRepository, type OauthRepository } from './oauth.repository.js';
import { oauthRoutes } from './oauth.routes.js';
import { apiResource, INITIAL_ACCESS_TOKEN_TTL, issuerOf, OAUTH_PREFIX, SINGLE_USE } from './oauth.settings.js';

export interface OauthService {
  repository: OauthRepository;
  /**
   * An initial access token for one dynamic registration (RFC 7591 §3), which production requires:
   * for staff (`actorId`, audited) to hand to a developer. Expiry in epoch seconds.
   */
  issueInitialAccessToken(actorId: bigint): Promise<{ token: string; expiresAt: number }>;
  /** Adds the next signing key (audited): published at once, signing from `signsFrom` (epoch ms). */
  rotateSigningKey(actorId: bigint): Promise<{ kid: string; signsFrom: number }>;
  /** Applies the stored keys to this node's provider now (every node also does each minute); the signing kid. */
  reloadKeys(now?: number): Promise<string>;
  /** The daily key job: rotate an old key, delete retired ones. */
  maintainKeys(now?: number): Promise<{ rotated: boolean; deleted: string[] }>;
}

declare module '../module.js' {
  interface ModuleServices {
    oauth: OauthService;
  }
}

/** The provider's handle exists once the routes are registered; the provider itself once first used. */
const providers = new WeakMap<OauthService, LiveProvider>();
const reloadTimers = new WeakMap<OauthService, NodeJS.Timeout>();
const KEY_RELOAD_MS = 60_000;

/**
 * Inkstone as an OAuth 2 authorization server and OpenID provider (issue 16): /oauth/* and the
 * discovery documents, with consent on the reader site's session.
 */
export const oauthModule = defineModule({
  name: 'oauth',
  needs: ['users', 'auth', 'audit'],
  migrations: { '0015-oauth-clients': oauthClients, '0016-oauth-grants': oauthGrants },
  create: ({ platform, audit }) => {
    const service: OauthService = {
      repository: createOauthRepository(platform.db),
      async issueInitialAccessToken(actorId) {
        const live = providers.get(service);
        if (!live) throw new Error('the OAuth provider comes with the routes: not in this process');
        const provider = await live.get();
        const iat = new provider.InitialAccessToken({ expiresIn: INITIAL_ACCESS_TOKEN_TTL, policies: [SINGLE_USE] });
        const token = await iat.save();
        const expiresAt = Math.floor(platform.clock.now() / 1000) + INITIAL_ACCESS_TOKEN_TTL;
        // The log names the token by a digest: enough to match a report, useless to register with.
        await audit.record({
          actorId,
          action: 'oauth.initial_access_token.issue',
          targetType: 'oauth_initial_token',
          targetId: createHash('sha256').update(token).digest('hex').slice(0, 16),
          after: { expires_at: expiresAt },
        });
        return { token, expiresAt };
      },
      async rotateSigningKey(actorId) {
        const now = platform.clock.now();
        const key = await rotateKey(service.repository, now);
        const signsFrom = now + KEY_POLICY.publishAheadMs;
        await audit.record({
          actorId,
          action: 'oauth.key.rotate',
          targetType: 'oauth_key',
          targetId: key.kid,
          after: { signs_from: signsFrom },
        });
        await service.reloadKeys(now);
        return { kid: key.kid, signsFrom };
      },
      async reloadKeys(now = platform.clock.now()) {
        const live = providers.get(service);
        if (!live) throw new Error('the OAuth provider comes with the routes: not in this process');
        return live.reload(now);
      },
      maintainKeys: (now = platform.clock.now()) => maintainKeys(service.repository, now),
    };
    return service;
  },
  routes: async (app, oauth, ctx) => {
    const { platform } = ctx;
    // oidc-provider loads with the module that builds it, on the first request that needs it.
    const build = async (jwks: readonly PrivateJwk[]) =>
      (await import('./oauth.provider.js')).createProvider(ctx, oauth.repository, jwks);
    const provider = liveProvider(build, oauth.repository, () => platform.clock.now());
    providers.set(oauth, provider);
    const { sessions } = ctx.services.auth;
    app.useAppTokens(appTokenVerifier(provider, apiResource(platform.config.publicUrl), sessions.userState));
    await oauthRoutes(app, provider, oauth.repository, ctx);
    oauthAdminRoutes(app, oauth, `${issuerOf(platform.config.publicUrl)}${OAUTH_PREFIX}/reg`);
  },
  jobs(oauth, { platform }) {
    // Daily: a new key when the one in use is 90 days old, retired keys deleted (oauth.keys.ts).
    platform.scheduler.schedule('oauth.keys', '0 30 3 * * *', async () => {
      const { rotated, deleted } = await oauth.maintainKeys();
      if (rotated || deleted.length > 0) platform.logger.info({ rotated, deleted }, 'oauth keys maintained');
    });
  },
  onReady(oauth, { platform }) {
    // Each node picks up rotations within a minute, without a restart.
    const timer = setInterval(() => {
      oauth.reloadKeys().catch((err: unknown) => platform.logger.warn({ err }, 'oauth keys: reload failed'));
    }, KEY_RELOAD_MS);
    timer.unref();
    reloadTimers.set(oauth, timer);
  },
  onClose(oauth) {
    clearInterval(reloadTimers.get(oauth));
  },
});
