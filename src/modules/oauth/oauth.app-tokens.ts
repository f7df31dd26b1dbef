/**
 * A reader's OAuth access tokens on the app and media platform APIs (see platform/http/auth.ts):
 * only tokens minted for the Inkstone API resource (RFC 8707 `resource`), of an app that still
 * exists, under a grant the reader has not revoked, for a user who is not banned. Each check reads
 * the shared store, so revoking on one node holds on every node at once.
 */
import type { AppTokenResult, AppTokenVerifier } from '../../platform/http/auth.js';
import type { UserState } from '../auth/session.service.js';
import type { LiveProvider } from './oauth.live-provider.js';
import { scopeOfRoute } from './oauth.route-scopes.js';

const refused = (problem: 'invalid' | 'expired' | 'user-disabled'): AppTokenResult => ({ ok: false, problem });

export function appTokenVerifier(
  live: LiveProvider,
  resource: string,
  userState: (userId: bigint) => Promise<UserState>,
): AppTokenVerifier {
  return {
    scopeOf: scopeOfRoute,
    async verify(value) {
      const provider = await live.get();
      const token = await provider.AccessToken.find(value, { ignoreExpiration: true });
      if (!token) return refused('invalid');
      if (token.isExpired) return refused('expired');
      // An OpenID token (for userinfo) or a client's own token (client credentials) has no reader here.
      const { clientId, accountId, grantId } = token;
      if (token.aud !== resource || !clientId || !accountId || !grantId) return refused('invalid');
      const userId = BigInt(accountId);
      // Three independent reads on every request an app makes: side by side, not one after another.
      const [client, grant, state] = await Promise.all([
        provider.Client.find(clientId),
        provider.Grant.find(grantId),
        userState(userId),
      ]);
      if (!client || !grant || grant.accountId !== accountId || grant.clientId !== clientId) return refused('invalid');
      if (state === 'disabled') return refused('user-disabled');
      return {
        ok: true,
        userId,
        verified: state === 'verified',
        clientId,
        scopes: new Set((token.scope ?? '').split(' ').filter((scope) => scope.length > 0)),
      };
    },
  };
}
