/**
 * oidc-provider's storage over the platform: everything short-lived (authorization codes,
 * sessions, grants, interactions, access and refresh tokens, registration access tokens) in the kv
 * store, memory on one node or Redis shared by every node, each key expiring with its model;
 * clients in the database, since a registration must outlive restarts and Redis' persistence is
 * not promised.
 *
 * A grant's members are listed in a kv hash (field = model and id), so revoking a grant (a
 * reused code, a revoked refresh token) deletes every token it minted, on whichever node.
 *
 * Grants a reader gave are also indexed in the database (oauth_grants): a kv store is asked by key
 * only, and the reader's "authorized apps" page must find their grants by reader.
 */
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import type { OauthRepository } from './oauth.repository.js';

/** Models a grant owns: revoking the grant ends them (oidc-provider's own list). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** How long the used-marker of a model without a TTL lives (longer than any code or token here). */
const DEFAULT_MARKER_TTL_MS = 90 * 24 * 3600 * 1000;

export interface AdapterDeps {
  kv: KeyValueStore;
  repository: OauthRepository;
  now: () => number;
}

const modelKey = (model: string, id: string) => `oauth:${model}:${id}`;
const grantKey = (grantId: string) => `oauth:grant:${grantId}`;
const uidKey = (uid: string) => `oauth:uid:${uid}`;
const userCodeKey = (code: string) => `oauth:usercode:${code}`;
const consumedKey = (model: string, id: string) => `oauth:consumed:${model}:${id}`;

/** A kv TTL from oidc-provider's `expiresIn` (seconds); none for models that do not expire. */
const ttlOf = (expiresIn: number | undefined) =>
  typeof expiresIn === 'number' && expiresIn > 0 ? { ttlMs: Math.ceil(expiresIn * 1000) } : {};

/** Every scope a Grant payload holds, once each: its OpenID scopes, then each resource's. */
export function grantedScope(payload: AdapterPayload): string {
  const grant = payload as { openid?: { scope?: unknown }; resources?: Record<string, unknown> };
  const parts = [grant.openid?.scope, ...Object.values(grant.resources ?? {})];
  const scopes = parts.flatMap((part) => (typeof part === 'string' ? part.split(' ') : []));
  return [...new Set(scopes.filter((scope) => scope.length > 0))].join(' ');
}

export function adapterFactory(deps: AdapterDeps) {
  const { kv, repository, now } = deps;

  class ClientAdapter implements Adapter {
    async upsert(id: string, payload: AdapterPayload): Promise<void> {
      await repository.saveClient({
        client_id: id,
        metadata_json: JSON.stringify(payload),
        owner_user_id: null,
        now: now(),
      });
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      const row = await repository.findClient(id);
      return row ? (JSON.parse(row.metadata_json) as AdapterPayload) : undefined;
    }
    async findByUserCode(): Promise<undefined> {
      return undefined;
    }
    async findByUid(): Promise<undefined> {
      return undefined;
    }
    async consume(): Promise<void> {}
    async destroy(id: string): Promise<void> {
      await repository.deleteClient(id);
    }
    async revokeByGrantId(): Promise<void> {}
  }

  class KvAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const ttl = ttlOf(expiresIn);
      const key = modelKey(this.model, id);
      await kv.set(key, JSON.stringify(payload), ttl);
      if (payload.uid) await kv.set(uidKey(payload.uid), key, ttl);
      if (payload.userCode) await kv.set(userCodeKey(payload.userCode), key, ttl);
      if (payload.grantId && GRANTABLE.has(this.model)) {
        const grant = grantKey(payload.grantId);
        await kv.hset(grant, { [`${this.model}:${id}`]: '1' });
        // The list lives as long as its longest-lived member.
        const left = await kv.ttl(grant);
        if (ttl.ttlMs !== undefined && (left === -1 || left < ttl.ttlMs)) await kv.expire(grant, ttl.ttlMs);
      }
    }

    private async read(key: string | null): Promise<AdapterPayload | undefined> {
      if (!key) return undefined;
      const value = await kv.get(key);
      return value ? (JSON.parse(value) as AdapterPayload) : undefined;
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return this.read(modelKey(this.model, id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.read(await kv.get(uidKey(uid)));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.read(await kv.get(userCodeKey(userCode)));
    }

    /**
     * Marks a code or a rotated refresh token used. The provider checks `consumed` when it reads
     * the model, but two nodes may read it at once: the first to set the marker wins, the other
     * is refused as a reused grant.
     */
    async consume(id: string): Promise<void> {
      const key = modelKey(this.model, id);
      const payload = await this.read(key);
      if (!payload) return;
      const left = await kv.ttl(key);
      const won = await kv.set(consumedKey(this.model, id), '1', {
        onlyIfAbsent: true,
        ttlMs: left > 0 ? left : DEFAULT_MARKER_TTL_MS,
      });
      if (!won) throw new errors.InvalidGrant('grant request is invalid');
      payload.consumed = Math.floor(now() / 1000);
      await kv.set(key, JSON.stringify(payload), left > 0 ? { ttlMs: left } : {});
    }

    async destroy(id: string): Promise<void> {
      const key = modelKey(this.model, id);
      const payload = await this.read(key);
      await kv.del(key);
      if (payload?.uid) await kv.del(uidKey(payload.uid));
      if (payload?.userCode) await kv.del(userCodeKey(payload.userCode));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const grant = grantKey(grantId);
      const members = Object.keys(await kv.hgetall(grant));
      await kv.del(
        grant,
        ...members.map((member) => {
          const split = member.indexOf(':');
          return modelKey(member.slice(0, split), member.slice(split + 1));
        }),
      );
    }
  }

  /**
   * Grants: the kv copy, and the reader's index row. The row is written before the kv copy and
   * removed after it, so a failure between the two leaves a row without a grant (dropped when the
   * reader's list next reads it), never a live grant the reader cannot see or revoke.
   */
  class GrantAdapter extends KvAdapter {
    override async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const { accountId, clientId } = payload;
      if (typeof accountId === 'string' && /^[0-9]{1,20}$/.test(accountId) && typeof clientId === 'string') {
        const at = now();
        const { ttlMs } = ttlOf(expiresIn);
        await repository.saveGrant({
          grant_id: id,
          user_id: BigInt(accountId),
          client_id: clientId,
          scope: grantedScope(payload),
          expires_at: ttlMs === undefined ? null : at + ttlMs,
          now: at,
        });
      }
      await super.upsert(id, payload, expiresIn);
    }

    override async destroy(id: string): Promise<void> {
      await super.destroy(id);
      await repository.deleteGrant(id);
    }
  }

  return function adapterFor(model: string): Adapter {
    if (model === 'Client') return new ClientAdapter();
    return model === 'Grant' ? new GrantAdapter(model) : new KvAdapter(model);
  };
}
