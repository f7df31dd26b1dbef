/**
 * A reader's authorizations, as their "authorized apps" page shows them, and revoking them. The
 * database index (oauth_grants) finds a reader's grants; the kv store, where oidc-provider keeps
 * them, decides whether each still stands. Revoking ends the grant and every token it minted in
 * the shared store, so the app's tokens stop working at once on every node (with Redis; a memory
 * store is one node's, see oauth.adapter.ts).
 */
import type { LiveProvider } from './oauth.live-provider.js';
import type { GrantWithClient, OauthRepository } from './oauth.repository.js';
import { API_SCOPES, OIDC_SCOPES } from './oauth.settings.js';

/** One app a reader authorized: their grants to it taken together (one per browser they consented in). */
export interface AuthorizedApp {
  clientId: string;
  name: string;
  logo: string | null;
  ownerUserId: bigint | null;
  /** Every scope granted, in the order the consent page lists them. */
  scopes: string[];
  /** When the reader first authorized it (ms). */
  grantedAt: number;
}

const SCOPE_ORDER: readonly string[] = [...OIDC_SCOPES, ...API_SCOPES];
/** Known scopes in their order, anything else after them. */
const rank = (scope: string) => (SCOPE_ORDER.includes(scope) ? SCOPE_ORDER.indexOf(scope) : SCOPE_ORDER.length);
const byConsentOrder = (a: string, b: string) => rank(a) - rank(b);

/** The name and logo an app registered (RFC 7591 `client_name`, `logo_uri`). */
export function clientLabel(clientId: string, metadataJson: string): { name: string; logo: string | null } {
  const metadata = JSON.parse(metadataJson) as { client_name?: unknown; logo_uri?: unknown };
  return {
    name: typeof metadata.client_name === 'string' && metadata.client_name !== '' ? metadata.client_name : clientId,
    logo: typeof metadata.logo_uri === 'string' && metadata.logo_uri !== '' ? metadata.logo_uri : null,
  };
}

function byApp(rows: readonly GrantWithClient[]): AuthorizedApp[] {
  const apps = new Map<string, AuthorizedApp>();
  for (const row of rows) {
    const app = apps.get(row.client_id) ?? {
      clientId: row.client_id,
      ...clientLabel(row.client_id, row.metadata_json),
      ownerUserId: row.owner_user_id,
      scopes: [],
      grantedAt: row.created_at,
    };
    app.scopes = [...new Set([...app.scopes, ...row.scope.split(' ').filter((s) => s.length > 0)])].sort(
      byConsentOrder,
    );
    app.grantedAt = Math.min(app.grantedAt, row.created_at);
    apps.set(row.client_id, app);
  }
  return [...apps.values()];
}

export function readerGrants(live: LiveProvider, repository: OauthRepository, now: () => number) {
  /**
   * Ends one grant: the grant first (the API, userinfo and introspection look it up on every
   * call, so its tokens fail from here on), then the tokens it minted. The Grant adapter drops
   * its index row with it.
   */
  async function revokeGrant(grantId: string): Promise<void> {
    const provider = await live.get();
    await provider.Grant.adapter.destroy(grantId);
    await provider.AccessToken.revokeByGrantId(grantId);
    await provider.RefreshToken.revokeByGrantId(grantId);
    await provider.AuthorizationCode.revokeByGrantId(grantId);
  }

  return {
    /** The apps a reader authorized, newest first. Index rows whose grant is gone are dropped on the way. */
    async list(userId: bigint): Promise<AuthorizedApp[]> {
      const rows = await repository.listGrantsOfUser(userId, now());
      if (rows.length === 0) return [];
      const provider = await live.get();
      const standing = await Promise.all(
        rows.map(async (row) => (await provider.Grant.find(row.grant_id)) !== undefined),
      );
      await Promise.all(rows.filter((_, i) => !standing[i]).map((row) => repository.deleteGrant(row.grant_id)));
      return byApp(rows.filter((_, i) => standing[i]));
    },

    /** Revokes everything a reader granted one app; false when they granted it nothing (or it is not theirs to revoke). */
    async revoke(userId: bigint, clientId: string): Promise<boolean> {
      const grantIds = await repository.grantIdsOf(userId, clientId);
      for (const grantId of grantIds) await revokeGrant(grantId);
      return grantIds.length > 0;
    },

    /** Revokes every reader's grants to an app (the app is being deleted). */
    async revokeApp(clientId: string): Promise<void> {
      for (const grantId of await repository.grantIdsOfClient(clientId)) await revokeGrant(grantId);
    },
  };
}

export type ReaderGrants = ReturnType<typeof readerGrants>;
