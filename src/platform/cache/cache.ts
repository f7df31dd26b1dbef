/**
 * Cache-aside over the key-value port, with the three guards of seed 000's cache design:
 * - avalanche: every TTL gets random jitter, so keys written together do not expire together;
 * - penetration: a miss in the database is cached as "absent" for a short time, so a flood of
 *   random ids reaches the database once per id per negative TTL;
 * - breakdown: one load per key at a time (single-flight in the process, and a short kv lock
 *   across processes while the others wait briefly for the winner's value).
 * Values are JSON with bigint support, so rows with 64-bit ids round-trip unchanged.
 * Invalidation is the writer's job: the service that changes data deletes the keys it affects.
 *
 * The store is an optimisation, never a dependency: when it is unavailable (KvUnavailableError)
 * reads load from the database, writes of cached values are skipped, and invalidations that could
 * not be sent are kept and sent before the next read once the store answers again, so a value
 * changed during the outage is not served stale afterwards.
 */
import { KvUnavailableError, unlessKvDown, type KeyValueStore } from '../kv/kv.js';

export interface CachePolicy {
  ttlMs: number;
  /** Fraction of ttlMs added at random (default 0.2). */
  jitter?: number;
  /** How long "no such row" is remembered (default 30 s); 0 disables negative caching. */
  negativeTtlMs?: number;
}

/**
 * How one key was served, for metrics: `hit` from the kv store (a cached absence too), `miss` when
 * this process ran the loader, `shared` when another caller's load answered (a load already in
 * flight in this process, or another process' load that this one waited for).
 */
export type CacheOutcome = 'hit' | 'miss' | 'shared';

export interface CacheOptions {
  /** Source of jitter, [0, 1) (tests make it deterministic). */
  random?: () => number;
  /** Called once per key read, with how it was served (metrics). Must not throw. */
  onResult?: (outcome: CacheOutcome) => void;
}

const ABSENT = '\u0000absent';
// Tagged strings: a bigint, or a string that itself starts with NUL (escaped so that no stored
// string can be mistaken for a tag).
const TAG = '\u0000';
const BIGINT = '\u0000n:';
const STRING = '\u0000s:';
const LOCK_TTL_MS = 3_000;
const LOCK_WAIT_STEPS = [10, 20, 40, 80, 160];
/** Invalidations kept for a store that is down; past this, the oldest are dropped (their TTL still ends them). */
const MAX_PENDING_INVALIDATIONS = 50_000;

export function encodeValue(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? BIGINT + v.toString() : typeof v === 'string' && v.startsWith(TAG) ? STRING + v : v,
  );
}

export function decodeValue<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(TAG)) return v;
    if (v.startsWith(BIGINT)) return BigInt(v.slice(BIGINT.length));
    if (v.startsWith(STRING)) return v.slice(STRING.length);
    return v;
  }) as T;
}

export class Cache {
  readonly #kv: KeyValueStore;
  readonly #inFlight = new Map<string, Promise<unknown>>();
  readonly #random: () => number;
  readonly #onResult: (outcome: CacheOutcome) => void;
  /** Keys whose invalidation failed while the store was down. */
  readonly #pending = new Set<string>();
  #retrying: Promise<void> | undefined;

  constructor(kv: KeyValueStore, options: CacheOptions = {}) {
    this.#kv = kv;
    this.#random = options.random ?? Math.random;
    this.#onResult = options.onResult ?? (() => {});
  }

  #ttl(policy: CachePolicy): number {
    return Math.round(policy.ttlMs * (1 + (policy.jitter ?? 0.2) * this.#random()));
  }

  async #store<T>(key: string, value: T | undefined, policy: CachePolicy): Promise<void> {
    let write: Promise<boolean>;
    if (value === undefined) {
      const negative = policy.negativeTtlMs ?? 30_000;
      if (negative <= 0) return;
      write = this.#kv.set(key, ABSENT, { ttlMs: negative, evictable: true });
    } else {
      write = this.#kv.set(key, encodeValue(value), { ttlMs: this.#ttl(policy), evictable: true });
    }
    await unlessKvDown(write, false);
  }

  /** A read of the store; null (a miss) while it is down. Pending invalidations go out first. */
  async #fetch(key: string): Promise<string | null> {
    if (this.#pending.size > 0 && !(await this.#sendPending())) return null;
    return unlessKvDown(this.#kv.get(key), null);
  }

  /** True once no invalidation is pending (the store answered); false while it is still down. */
  async #sendPending(): Promise<boolean> {
    this.#retrying ??= (async () => {
      const keys = [...this.#pending];
      try {
        await this.#kv.del(...keys);
        for (const key of keys) this.#pending.delete(key);
      } catch (error) {
        if (!(error instanceof KvUnavailableError)) throw error;
      }
    })().finally(() => (this.#retrying = undefined));
    await this.#retrying;
    return this.#pending.size === 0;
  }

  #read<T>(text: string | null): { hit: boolean; value: T | undefined } {
    if (text === null) return { hit: false, value: undefined };
    if (text === ABSENT) return { hit: true, value: undefined };
    return { hit: true, value: decodeValue<T>(text) };
  }

  /** The cached value, or the loader's (cached for next time); undefined means "does not exist". */
  async get<T>(key: string, load: () => Promise<T | undefined>, policy: CachePolicy): Promise<T | undefined> {
    // A load already running in this process answers without a kv round trip.
    let pending = this.#inFlight.get(key) as Promise<T | undefined> | undefined;
    if (pending) return this.#shared(pending);
    const cached = this.#read<T>(await this.#fetch(key));
    if (cached.hit) {
      this.#onResult('hit');
      return cached.value;
    }
    pending = this.#inFlight.get(key) as Promise<T | undefined> | undefined;
    if (pending) return this.#shared(pending);
    const loading = this.#loadOnce(key, load, policy).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, loading);
    return loading;
  }

  #shared<T>(pending: Promise<T>): Promise<T> {
    this.#onResult('shared');
    return pending;
  }

  async #loadOnce<T>(key: string, load: () => Promise<T | undefined>, policy: CachePolicy): Promise<T | undefined> {
    const lock = `lock:${key}`;
    // Store down: no cross-process lock, and no waiting for another process' value either.
    const locked = await unlessKvDown(this.#kv.set(lock, '1', { ttlMs: LOCK_TTL_MS, onlyIfAbsent: true }), null);
    if (locked === false) {
      // Another process is loading this key: give it a moment, then load anyway rather than fail.
      for (const ms of LOCK_WAIT_STEPS) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        const cached = this.#read<T>(await this.#fetch(key));
        if (cached.hit) return this.#shared(Promise.resolve(cached.value));
      }
    }
    try {
      if (locked) {
        // The previous holder may have stored the value and released the lock between our miss
        // and our lock: read once more rather than load a second time.
        const cached = this.#read<T>(await this.#fetch(key));
        if (cached.hit) return this.#shared(Promise.resolve(cached.value));
      }
      this.#onResult('miss');
      const value = await load();
      await this.#store(key, value, policy);
      return value;
    } finally {
      // Only the holder releases the lock; a caller that gave up waiting must not free it for a third.
      if (locked) await unlessKvDown(this.#kv.del(lock), 0);
    }
  }

  /**
   * Batch form for lists (feed cards, comment authors): one kv round trip for all keys, one
   * loader call for every miss. Keys the loader does not return are cached as absent. The map
   * follows the order of `ids`; there is no single-flight for batches.
   */
  async getMany<K, T>(
    ids: K[],
    keyOf: (id: K) => string,
    loadMany: (missing: K[]) => Promise<Map<K, T>>,
    policy: CachePolicy,
  ): Promise<Map<K, T>> {
    const result = new Map<K, T>();
    if (ids.length === 0) return result;
    const unique = [...new Set(ids)];
    const keys = unique.map(keyOf);
    const fresh = this.#pending.size === 0 || (await this.#sendPending());
    const texts = fresh ? await unlessKvDown(this.#kv.getMany(keys), []) : [];
    const found = new Map<K, T | undefined>();
    const missing: K[] = [];
    unique.forEach((id, i) => {
      const cached = this.#read<T>(texts[i] ?? null);
      this.#onResult(cached.hit ? 'hit' : 'miss');
      if (cached.hit) found.set(id, cached.value);
      else missing.push(id);
    });
    if (missing.length > 0) {
      const loaded = await loadMany(missing);
      await Promise.all(missing.map((id) => this.#store(keyOf(id), loaded.get(id), policy)));
      for (const id of missing) found.set(id, loaded.get(id));
    }
    for (const id of unique) {
      const value = found.get(id);
      if (value !== undefined) result.set(id, value);
    }
    return result;
  }

  /** Never fails for a store that is down: the keys are deleted as soon as it answers again. */
  async invalidate(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.#kv.del(...keys);
    } catch (error) {
      if (!(error instanceof KvUnavailableError)) throw error;
      for (const key of keys) {
        this.#pending.delete(key);
        this.#pending.add(key);
      }
      for (const key of this.#pending) {
        if (this.#pending.size <= MAX_PENDING_INVALIDATIONS) break;
        this.#pending.delete(key);
      }
    }
  }
}
