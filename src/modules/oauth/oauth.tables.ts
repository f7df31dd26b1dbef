/**
 * The authorization server's durable state (migration 0015-oauth-clients): registered clients and
 * the signing keys every node shares. Codes, sessions, grants and tokens are short-lived and live
 * in the kv store instead (see oauth.adapter.ts); grants are also indexed here (0016-oauth-grants),
 * since a kv store can only be asked by key and a reader's page must list their grants.
 */
export interface OauthClientsTable {
  client_id: string;
  /** The client's registered metadata (RFC 7591 names), as oidc-provider stores it. */
  metadata_json: string;
  /** The signed-in reader who registered it; null for dynamic registration without a session. */
  owner_user_id: bigint | null;
  created_at: number;
  updated_at: number;
}

export interface OauthKeysTable {
  kid: string;
  /** The private JWK; JWKS publishes only its public half. */
  jwk_json: string;
  created_at: number;
}

/**
 * One row per grant a reader gave an app, written by the Grant adapter beside the kv copy. The kv
 * copy decides: a row whose grant is gone from the store (expired, a memory store restarted) is
 * stale and dropped when it is next read.
 */
export interface OauthGrantsTable {
  grant_id: string;
  user_id: bigint;
  client_id: string;
  /** Every scope granted, space-separated: the OpenID ones and the API resource's. */
  scope: string;
  created_at: number;
  updated_at: number;
  /** When the grant's kv copy expires; null for a grant without a lifetime. */
  expires_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    oauth_clients: OauthClientsTable;
    oauth_keys: OauthKeysTable;
    oauth_grants: OauthGrantsTable;
  }
}
