/**
 * Key-value port: the slice of Redis that features need (codes, caches, counters, histories,
 * locks). Two adapters implement it with identical semantics: memory (one process) and Redis
 * (shared by every instance). Values are strings; callers encode structured data themselves.
 * Every key is namespaced by the adapter's prefix, so tests and tenants never collide.
 * Errors are Redis' own (WRONGTYPE, "not an integer"...) from both adapters. Calls with an empty
 * list of keys, fields or members are no-ops, where Redis itself would reject them.
 *
 * When the backing service cannot be reached, a call rejects within a bounded time (well under
 * a second) with `KvUnavailableError`, never with a hang: callers decide how to degrade (a cache
 * loads from the database, a security limit refuses with 503) by catching that one type.
 */
export interface SetOptions {
  /** Expire after this many milliseconds (a positive integer). */
  ttlMs?: number;
  /** Only write when the key does not exist (SET NX); the result tells whether it was written. */
  onlyIfAbsent?: boolean;
  /**
   * A copy that may be dropped before its TTL when memory is short (cache entries, never state
   * such as codes, limits or counters). The memory store keeps these within a byte budget;
   * Redis leaves it to the server's own maxmemory policy.
   */
  evictable?: boolean;
}

export interface ScoredMember {
  member: string;
  score: number;
}

export type GuessResult = 'match' | 'miss' | 'absent';

export interface KeyValueStore {
  readonly kind: 'memory' | 'redis';

  get(key: string): Promise<string | null>;
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** Returns false only when `onlyIfAbsent` was set and the key already existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Deletes keys and returns how many existed. */
  del(...keys: string[]): Promise<number>;
  /** Atomic get-and-delete (one-time codes). */
  take(key: string): Promise<string | null>;
  /**
   * One guess at a one-time secret (an SMS code), compared and counted in one atomic step, so
   * concurrent guesses cannot all be compared against a live secret before any is counted:
   * - no value at `key`: 'absent', nothing counted;
   * - `guess` equals it: 'match', and `key` and `counterKey` are deleted (used up);
   * - otherwise 'miss': `counterKey` is incremented (expiring with `key`), and once it reaches
   *   `maxMisses` the secret at `key` is deleted, so every later guess is 'absent'.
   */
  verifyAndCount(key: string, guess: string, options: { counterKey: string; maxMisses: number }): Promise<GuessResult>;
  /** Atomic increment of an integer string; a missing key counts as 0. `ttlMs` applies only when the key is created. */
  incr(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>;
  /** Sets a TTL on an existing key; false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining TTL in ms; -1 when the key has none, -2 when it does not exist. */
  ttl(key: string): Promise<number>;

  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, fields: Record<string, string | number>): Promise<void>;
  hincr(key: string, field: string, by?: number): Promise<number>;
  hdel(key: string, ...fields: string[]): Promise<number>;

  /** Adds or updates members; returns how many were new. */
  zadd(key: string, members: ScoredMember[]): Promise<number>;
  zincr(key: string, member: string, by: number): Promise<number>;
  zrem(key: string, ...members: string[]): Promise<number>;
  zscore(key: string, member: string): Promise<number | null>;
  zcard(key: string): Promise<number>;
  /** Members by rank, highest score first (ZREVRANGE start stop WITHSCORES); stop is inclusive, -1 = last. */
  zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]>;
  /** Keeps only the `keep` highest-scored members. */
  ztrim(key: string, keep: number): Promise<void>;

  /**
   * Capped list, newest first: removes any existing copy of `value` (dedupe), pushes it to the
   * head and trims the list to `max` items, atomically.
   */
  lpushCapped(key: string, value: string, max: number): Promise<void>;
  /** Items by index, head first; stop is inclusive, -1 = last. */
  lrange(key: string, start: number, stop: number): Promise<string[]>;

  /** Drops every key under this store's prefix (tests and `inkstone seed --force`). */
  flush(): Promise<void>;
  /** Round trip to the backing service (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store could not answer (connection down, reconnecting, or a command timed out). Whether the
 * command ran is unknown when it timed out; callers treat it as "not done".
 */
export class KvUnavailableError extends Error {
  override readonly name = 'KvUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isKvUnavailable(error: unknown): error is KvUnavailableError {
  return error instanceof KvUnavailableError;
}

/** `fallback` when the store is unavailable (a degraded read); any other error still throws. */
export async function unlessKvDown<T>(call: Promise<T>, fallback: T): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof KvUnavailableError) return fallback;
    throw error;
  }
}
