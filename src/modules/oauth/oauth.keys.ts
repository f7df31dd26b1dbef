/**
 * The provider's signing keys, kept in the database so every node publishes the same JWKS and
 * signs with the same key, and rotated without a restart:
 * - a new key is published for a day before any node signs with it, so relying parties that cache
 *   the JWKS have it before the first id_token it signs arrives;
 * - the key in use is the newest one past that day; the keys it replaced stay published for a week
 *   (an id_token lives an hour) and are then deleted;
 * - a daily job adds a key when the one in use is 90 days old; an admin can add one at any time.
 * Every node reloads the set each minute (see oauth.module.ts), so a rotation reaches all of them
 * without a restart. The first key, on an empty table, is in use at once.
 */
import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

export type PrivateJwk = Record<string, unknown> & { kid: string; kty: string };

export interface StoredKey {
  kid: string;
  jwk_json: string;
  created_at: number;
}

export interface KeyRepository {
  listKeys(): Promise<StoredKey[]>;
  insertKey(row: StoredKey): Promise<void>;
  deleteKeys(kids: readonly string[]): Promise<void>;
}

const DAY = 24 * 3600 * 1000;
export const KEY_POLICY = {
  /** How long a new key is published before it signs. */
  publishAheadMs: DAY,
  /** How long a replaced key stays published after its successor started signing. */
  retireAfterMs: 7 * DAY,
  /** The daily job adds a key when the key in use is this old. */
  rotateAfterMs: 90 * DAY,
} as const;

export interface KeySet {
  /** Signing key first (oidc-provider signs with the first key of the algorithm), then the rest. */
  jwks: PrivateJwk[];
  signingKid: string;
  /** Kids no longer worth publishing: deleted by the daily job. */
  retired: string[];
  /** When the key in use was created (the job rotates on its age). */
  signingCreatedAt: number;
}

/** Which of the stored keys sign, which are only published, and which are retired, at `now`. */
export function keySet(rows: readonly StoredKey[], now: number, policy = KEY_POLICY): KeySet {
  if (rows.length === 0) throw new Error('no signing key stored');
  const newestFirst = [...rows].sort((a, b) => b.created_at - a.created_at || a.kid.localeCompare(b.kid));
  const signing = newestFirst.find((row) => row.created_at <= now - policy.publishAheadMs) ?? newestFirst.at(-1)!;
  const signingSince = signing.created_at + policy.publishAheadMs;
  const kept: StoredKey[] = [signing];
  const retired: string[] = [];
  for (const row of newestFirst) {
    if (row === signing) continue;
    const replaced = row.created_at < signing.created_at;
    if (replaced && now >= signingSince + policy.retireAfterMs) retired.push(row.kid);
    else kept.push(row);
  }
  return {
    jwks: kept.map((row) => JSON.parse(row.jwk_json) as PrivateJwk),
    signingKid: signing.kid,
    retired,
    signingCreatedAt: signing.created_at,
  };
}

/** A new RS256 key (the algorithm every client assumes when it registers none: OpenID Connect Registration §2). */
async function newKey(createdAt: number): Promise<StoredKey> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return { kid: jwk.kid, jwk_json: JSON.stringify(jwk), created_at: createdAt };
}

/**
 * The stored keys, creating the first on an empty table (back-dated so it signs at once). Two nodes
 * racing on an empty table both insert; both then read the table and agree on the same set.
 */
export async function loadKeys(repository: KeyRepository, now: number, policy = KEY_POLICY): Promise<StoredKey[]> {
  let rows = await repository.listKeys();
  if (rows.length === 0) {
    await repository.insertKey(await newKey(now - policy.publishAheadMs));
    rows = await repository.listKeys();
  }
  return rows;
}

/** Adds the next key: published now, signing a day from now. */
export async function rotateKey(repository: KeyRepository, now: number): Promise<StoredKey> {
  const key = await newKey(now);
  await repository.insertKey(key);
  return key;
}

/** The daily job: rotate when the key in use is old (and no successor is waiting), delete retired keys. */
export async function maintainKeys(
  repository: KeyRepository,
  now: number,
  policy = KEY_POLICY,
): Promise<{ rotated: boolean; deleted: string[] }> {
  const rows = await loadKeys(repository, now, policy);
  const set = keySet(rows, now, policy);
  const waiting = rows.some((row) => row.created_at > set.signingCreatedAt);
  const rotated = !waiting && now - set.signingCreatedAt >= policy.rotateAfterMs;
  if (rotated) await rotateKey(repository, now);
  if (set.retired.length > 0) await repository.deleteKeys(set.retired);
  return { rotated, deleted: set.retired };
}
