/**
 * The apps a signed-in reader registers on the developer page. Each record is made by the
 * provider's own client model (its schema checks the metadata and fills the defaults; `metadata()`
 * is what is stored), so it is the record a dynamic registration (RFC 7591) would write, plus its
 * owner. Secrets are made and kept as the provider makes and keeps its own (64 random bytes, in
 * the client's metadata, since it compares them): the page shows each one once, right after it
 * was made, through a one-time reveal token.
 */
import { randomBytes } from 'node:crypto';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import { clientLabel, type ReaderGrants } from './oauth.grants.js';
import type { LiveProvider } from './oauth.live-provider.js';
import type { OauthClientRow, OauthRepository } from './oauth.repository.js';

/** A server app holding a secret (confidential client), or a phone or browser app using PKCE (public client). */
export type AppKind = 'confidential' | 'public';

export interface AppForm {
  name: string;
  /** One redirect URI per line, as typed. */
  redirectUris: string;
  logoUri: string;
  /** Chosen at registration only; an edit keeps the app's kind. */
  kind: string;
}

export type AppField = 'name' | 'redirect_uris' | 'logo_uri' | 'kind';
export type ProblemReason =
  | 'missing'
  | 'too-long'
  | 'too-many'
  | 'not-absolute'
  | 'fragment'
  | 'insecure'
  | 'scheme'
  | 'credentials'
  /** The provider's own metadata checks said no (`detail` is its description). */
  | 'refused';

/** What is wrong with one field; `line` and `value` point at the redirect URI in question. */
export interface FieldProblem {
  field: AppField;
  reason: ProblemReason;
  line?: number;
  value?: string;
  detail?: string;
}

export interface DeveloperApp {
  clientId: string;
  name: string;
  logo: string | null;
  kind: AppKind;
  redirectUris: string[];
  createdAt: number;
}

export const NAME_MAX = 50;
export const URI_MAX = 2000;
export const REDIRECT_URIS_MAX = 10;
/** http is for a developer's own machine only (RFC 8252 §7.3, RFC 9700 §2.1). */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** How long the page after a registration or rotation may show the new secret. */
const REVEAL_TTL_MS = 10 * 60 * 1000;

const GRANT_TYPES: Record<AppKind, string[]> = {
  // Client credentials: a server app may call the token endpoint for itself (no reader) too.
  confidential: ['authorization_code', 'refresh_token', 'client_credentials'],
  public: ['authorization_code', 'refresh_token'],
};

/** An exact https URI, or http on the loopback; never a fragment (RFC 6749 §3.1.2) or credentials. */
function uriProblem(value: string): ProblemReason | null {
  if (value.length > URI_MAX) return 'too-long';
  if (value.includes('#')) return 'fragment';
  if (!URL.canParse(value)) return 'not-absolute';
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return 'credentials';
  if (url.protocol === 'https:') return url.hostname === '' ? 'not-absolute' : null;
  if (url.protocol === 'http:') return LOOPBACK.has(url.hostname) ? null : 'insecure';
  return 'scheme';
}

/** The form's fields checked and normalised, or the first problem of each field. */
export function readAppForm(
  form: AppForm,
  registering: boolean,
):
  | { ok: true; name: string; redirectUris: string[]; logoUri: string | null; kind: AppKind }
  | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const name = form.name.trim();
  if (name === '') problems.push({ field: 'name', reason: 'missing' });
  else if ([...name].length > NAME_MAX) problems.push({ field: 'name', reason: 'too-long' });

  const lines = form.redirectUris.split(/\r?\n/).map((line) => line.trim());
  const redirectUris: string[] = [];
  lines.forEach((value, index) => {
    if (value === '' || problems.some((p) => p.field === 'redirect_uris')) return;
    const reason = uriProblem(value);
    if (reason) problems.push({ field: 'redirect_uris', reason, line: index + 1, value });
    else if (!redirectUris.includes(value)) redirectUris.push(value);
  });
  if (!problems.some((p) => p.field === 'redirect_uris')) {
    if (redirectUris.length === 0) problems.push({ field: 'redirect_uris', reason: 'missing' });
    else if (redirectUris.length > REDIRECT_URIS_MAX) problems.push({ field: 'redirect_uris', reason: 'too-many' });
  }

  const logoUri = form.logoUri.trim();
  const logoReason = logoUri === '' ? null : uriProblem(logoUri);
  if (logoReason) problems.push({ field: 'logo_uri', reason: logoReason, value: logoUri });

  const kind = form.kind === 'confidential' || form.kind === 'public' ? form.kind : null;
  if (registering && kind === null) problems.push({ field: 'kind', reason: 'missing' });

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, name, redirectUris, logoUri: logoUri === '' ? null : logoUri, kind: kind ?? 'public' };
}

export interface DeveloperAppsDeps {
  provider: LiveProvider;
  repository: OauthRepository;
  grants: ReaderGrants;
  kv: KeyValueStore;
  now: () => number;
}

type Metadata = ClientMetadata & Record<string, unknown>;
/** The provider's client model; its constructor (the schema's checks and defaults) and adapter are not in the published types. */
type ClientModel = (new (metadata: Metadata) => { metadata(): ClientMetadata }) & { adapter: Adapter };

const newSecret = () => randomBytes(64).toString('base64url');
const revealKey = (clientId: string, token: string) => `oauth:reveal:${clientId}:${token}`;

function presentApp(row: OauthClientRow): DeveloperApp {
  const metadata = JSON.parse(row.metadata_json) as Metadata;
  return {
    clientId: row.client_id,
    ...clientLabel(row.client_id, row.metadata_json),
    kind: metadata.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    redirectUris: [...(metadata.redirect_uris ?? [])],
    createdAt: row.created_at,
  };
}

export function developerApps({ provider, repository, grants, kv, now }: DeveloperAppsDeps) {
  const clientModel = async () => (await provider.get()).Client as unknown as ClientModel;

  /** The app, when `ownerId` registered it; anyone else's reads as missing. */
  async function owned(ownerId: bigint, clientId: string): Promise<OauthClientRow | null> {
    const row = await repository.findClient(clientId);
    return row && row.owner_user_id === ownerId ? row : null;
  }

  /**
   * Checks the metadata with the provider's client model and stores what it makes of it.
   * Returns the provider's refusal, if any, as a problem of the redirect URIs (the only field
   * its checks can still refuse once ours passed).
   */
  async function save(clientId: string, metadata: Metadata, ownerId: bigint): Promise<FieldProblem | null> {
    const Client = await clientModel();
    let stored: ClientMetadata;
    try {
      stored = new Client(metadata).metadata();
    } catch (error) {
      // Loaded with the provider above: this import only names its error class.
      const { errors } = await import('oidc-provider');
      if (!(error instanceof errors.OIDCProviderError)) throw error;
      return { field: 'redirect_uris', reason: 'refused', detail: error.error_description ?? error.message };
    }
    // As the Client adapter writes it (oauth.adapter.ts), with the owner, which later writes keep.
    await repository.saveClient({
      client_id: clientId,
      metadata_json: JSON.stringify(stored),
      owner_user_id: ownerId,
      now: now(),
    });
    return null;
  }

  /** A token for the next page to show the app's current secret, once. */
  async function revealLater(ownerId: bigint, clientId: string): Promise<string> {
    const token = randomBytes(16).toString('base64url');
    await kv.set(revealKey(clientId, token), String(ownerId), { ttlMs: REVEAL_TTL_MS });
    return token;
  }

  return {
    async list(ownerId: bigint): Promise<DeveloperApp[]> {
      return (await repository.listOwnedClients(ownerId)).map(presentApp);
    },

    async find(ownerId: bigint, clientId: string): Promise<DeveloperApp | null> {
      const row = await owned(ownerId, clientId);
      return row ? presentApp(row) : null;
    },

    /** A new app; a confidential one comes with a reveal token for its secret. */
    async register(
      ownerId: bigint,
      form: AppForm,
    ): Promise<{ ok: true; clientId: string; reveal: string | null } | { ok: false; problems: FieldProblem[] }> {
      const input = readAppForm(form, true);
      if (!input.ok) return input;
      const clientId = randomBytes(16).toString('base64url');
      const confidential = input.kind === 'confidential';
      const metadata: Metadata = {
        client_id: clientId,
        client_id_issued_at: Math.floor(now() / 1000),
        client_name: input.name,
        redirect_uris: input.redirectUris,
        response_types: ['code'],
        grant_types: GRANT_TYPES[input.kind],
        token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
        ...(input.logoUri ? { logo_uri: input.logoUri } : {}),
        ...(confidential ? { client_secret: newSecret(), client_secret_expires_at: 0 } : {}),
      };
      const refused = await save(clientId, metadata, ownerId);
      if (refused) return { ok: false, problems: [refused] };
      return { ok: true, clientId, reveal: confidential ? await revealLater(ownerId, clientId) : null };
    },

    /** Name, redirect URIs and logo; null when the app is not the owner's. */
    async update(
      ownerId: bigint,
      clientId: string,
      form: AppForm,
    ): Promise<{ ok: true } | { ok: false; problems: FieldProblem[] } | null> {
      const row = await owned(ownerId, clientId);
      if (!row) return null;
      const input = readAppForm(form, false);
      if (!input.ok) return input;
      const metadata = JSON.parse(row.metadata_json) as Metadata;
      metadata.client_name = input.name;
      metadata.redirect_uris = input.redirectUris;
      if (input.logoUri) metadata.logo_uri = input.logoUri;
      else delete metadata.logo_uri;
      const refused = await save(clientId, metadata, ownerId);
      return refused ? { ok: false, problems: [refused] } : { ok: true };
    },

    /**
     * A new secret for a confidential app; the old one stops working at once (every node reads
     * the client from the database on each request). Returns the reveal token, or null when the
     * app is not the owner's or has no secret.
     */
    async rotateSecret(ownerId: bigint, clientId: string): Promise<string | null> {
      const row = await owned(ownerId, clientId);
      if (!row) return null;
      const metadata = JSON.parse(row.metadata_json) as Metadata;
      if (metadata.token_endpoint_auth_method === 'none') return null;
      metadata.client_secret = newSecret();
      const refused = await save(clientId, metadata, ownerId);
      if (refused) throw new Error(`the provider refused a stored client on rotation: ${refused.detail}`);
      return revealLater(ownerId, clientId);
    },

    /** The app's current secret if `token` is a reveal token of its owner's not yet used; never twice. */
    async reveal(ownerId: bigint, clientId: string, token: string): Promise<string | null> {
      if (!/^[A-Za-z0-9_-]{22}$/.test(token)) return null;
      if ((await kv.take(revealKey(clientId, token))) !== String(ownerId)) return null;
      const row = await owned(ownerId, clientId);
      const secret = row ? (JSON.parse(row.metadata_json) as Metadata).client_secret : undefined;
      return typeof secret === 'string' ? secret : null;
    },

    /**
     * Deletes the app, then every grant readers gave it and the tokens those minted. The client
     * goes first: from then on no token of it is accepted and none is issued.
     */
    async remove(ownerId: bigint, clientId: string): Promise<boolean> {
      if (!(await owned(ownerId, clientId))) return false;
      await (await clientModel()).adapter.destroy(clientId);
      await grants.revokeApp(clientId);
      return true;
    },
  };
}

export type DeveloperApps = ReturnType<typeof developerApps>;
