import { LRUCache } from 'lru-cache';
import type { GuessResult, KeyValueStore, ScoredMember, SetOptions } from './kv.js';

type Entry =
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Map<string, string> }
  | { type: 'zset'; value: Map<string, number> }
  | { type: 'list'; value: string[] };

type EntryOf<T extends Entry['type']> = Extract<Entry, { type: T }>;

const DEFAULT_EVICTABLE_BYTES = 64 * 1024 * 1024;
/** A copy's own objects besides its text: the entry, its Buffer and the Buffer's backing store. */
const ENTRY_OVERHEAD_BYTES = 200;
/** A UTF-16 code unit past Latin-1 (surrogates included). */
const WIDE = /[\u0100-\uffff]/;

/**
 * A cache copy's text, kept outside V8's heap in the same bytes V8 would use for it (Latin-1 when
 * every character fits, else UTF-16, so nothing is lost, lone surrogates included). A heap full of
 * long-lived copies makes V8 size the whole heap, garbage room included, after them; off the heap
 * they cost their bytes and nothing more. Reading one back is a copy, no decoding.
 * Measured: the heap after 15 s of random article reads 172–177 → 127–134 MB, RSS 322–328 →
 * 299–306 MB, at the same rate.
 */
class CopyEntry {
  readonly type = 'string';
  #bytes: Buffer;
  #wide: boolean;

  constructor(value: string) {
    this.#wide = WIDE.test(value);
    this.#bytes = CopyEntry.#encode(value, this.#wide);
  }

  static #encode(value: string, wide: boolean): Buffer {
    const encoding = wide ? 'utf16le' : 'latin1';
    // Its own backing store: a pooled slab would outlive the copy while any neighbour lives.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(value, encoding));
    bytes.write(value, encoding);
    return bytes;
  }

  get value(): string {
    return this.#bytes.toString(this.#wide ? 'utf16le' : 'latin1');
  }

  /** In place (INCRBY on a copy keeps its TTL); the LRU's size for it stays what it was. */
  set value(value: string) {
    this.#wide = WIDE.test(value);
    this.#bytes = CopyEntry.#encode(value, this.#wide);
  }

  get bytes(): number {
    return this.#bytes.length;
  }
}

// Redis' own messages, so callers and tests see the same errors from both adapters.
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'ERR value is not an integer or out of range';

/**
 * One process's key-value store, for a single instance without Redis. Every method finishes
 * synchronously (the promise only wraps the result), so each call is atomic within the process
 * exactly as each Redis command is atomic on the server.
 *
 * Differences from Redis that are deliberate: keys expire lazily (an expired key reads as absent
 * but holds its slot until touched or evicted), the least recently used key is evicted past
 * `maxEntries`, and integers are limited to JavaScript's safe range instead of 64 bits.
 *
 * Values written as `evictable` (cache copies) live apart, in an LRU bounded in bytes
 * (`maxEvictableBytes`, default 64 MB): a site with more articles than memory then keeps the
 * most read ones instead of growing, and a flood of cache copies can never push out state (an
 * SMS code, a rate-limit window, a counter delta), which a count bound over one map would.
 */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory';
  /** Each instance owns its cache, so the prefix only names the namespace; keys are not mangled. */
  readonly prefix: string;
  private readonly cache: LRUCache<string, Entry>;
  /** Evictable string values only; a key is in one of the two maps at most. */
  private readonly copies: LRUCache<string, CopyEntry>;

  constructor(options: { prefix?: string; maxEntries?: number; maxEvictableBytes?: number } = {}) {
    this.prefix = options.prefix ?? '';
    this.cache = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 100_000,
      ttlAutopurge: false,
      // lru-cache otherwise reuses a clock reading until a timer fires, which a burst of awaits
      // never lets happen: keys would outlive their TTL and report more time than they were given.
      ttlResolution: 0,
    });
    this.copies = new LRUCache<string, CopyEntry>({
      maxSize: Math.max(1, options.maxEvictableBytes ?? DEFAULT_EVICTABLE_BYTES),
      // The key is a heap string (one or two bytes a character: count two).
      sizeCalculation: (entry, key) => entry.bytes + 2 * key.length + ENTRY_OVERHEAD_BYTES,
      ttlAutopurge: false,
      ttlResolution: 0,
    });
  }

  /** The map holding `key`, if any. */
  private mapOf(key: string): LRUCache<string, Entry> | LRUCache<string, CopyEntry> | undefined {
    if (this.cache.has(key)) return this.cache;
    if (this.copies.has(key)) return this.copies;
    return undefined;
  }

  private lookup(key: string): Entry | undefined {
    return this.cache.get(key) ?? this.copies.get(key);
  }

  private remove(key: string): boolean {
    return this.cache.delete(key) || this.copies.delete(key);
  }

  async get(key: string): Promise<string | null> {
    return this.read(key, 'string')?.value ?? null;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    // Like MGET: a key of another type reads as null rather than failing the whole batch.
    return keys.map((key) => {
      const entry = this.lookup(key);
      return entry?.type === 'string' ? entry.value : null;
    });
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const { ttlMs, onlyIfAbsent } = options;
    if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
      throw new Error("ERR invalid expire time in 'set' command");
    }
    if (onlyIfAbsent && this.mapOf(key)) return false;
    // ttl 0 clears any previous expiry, as a plain SET does.
    if (options.evictable) {
      this.cache.delete(key);
      this.copies.set(key, new CopyEntry(value), { ttl: ttlMs ?? 0 });
    } else {
      this.copies.delete(key);
      this.cache.set(key, { type: 'string', value }, { ttl: ttlMs ?? 0 });
    }
    return true;
  }

  async del(...keys: string[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) if (this.mapOf(key) && this.remove(key)) deleted++;
    return deleted;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.read(key, 'string');
    if (!entry) return null;
    this.remove(key);
    return entry.value;
  }

  async verifyAndCount(
    key: string,
    guess: string,
    options: { counterKey: string; maxMisses: number },
  ): Promise<GuessResult> {
    // Synchronous throughout: no other call can run between the compare and the count.
    const stored = this.read(key, 'string');
    if (!stored) return 'absent';
    if (stored.value === guess) {
      this.remove(key);
      this.remove(options.counterKey);
      return 'match';
    }
    const remaining = this.mapOf(key)?.getRemainingTTL(key) ?? 0;
    const misses = this.increment(
      options.counterKey,
      1,
      Number.isFinite(remaining) && remaining > 0 ? Math.ceil(remaining) : undefined,
    );
    if (misses >= options.maxMisses) this.remove(key);
    return 'miss';
  }

  async incr(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    return this.increment(key, by, options.ttlMs);
  }

  private increment(key: string, by: number, ttlMs: number | undefined): number {
    const entry = this.read(key, 'string');
    const next = addIntegers(entry ? parseInteger(entry.value, NOT_INTEGER) : 0, by);
    // Entries are mutated in place so the key keeps its TTL, as INCRBY does.
    if (entry) {
      entry.value = String(next);
    } else {
      this.cache.set(key, { type: 'string', value: String(next) });
      if (ttlMs !== undefined) this.setExpiry(key, ttlMs);
    }
    return next;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return this.setExpiry(key, ttlMs);
  }

  async ttl(key: string): Promise<number> {
    const map = this.mapOf(key);
    if (!map) return -2;
    const remaining = map.getRemainingTTL(key);
    return remaining === Infinity ? -1 : Math.ceil(remaining);
  }

  async hget(key: string, field: string): Promise<string | null> {
    return this.read(key, 'hash')?.value.get(field) ?? null;
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.read(key, 'hash')?.value ?? []);
  }

  async hset(key: string, fields: Record<string, string | number>): Promise<void> {
    const entries = Object.entries(fields);
    if (entries.length === 0) return;
    const hash = this.readOrCreate(key, 'hash', () => new Map()).value;
    for (const [field, value] of entries) hash.set(field, String(value));
  }

  async hincr(key: string, field: string, by = 1): Promise<number> {
    const current = this.read(key, 'hash')?.value.get(field);
    const next = addIntegers(current === undefined ? 0 : parseInteger(current, 'ERR hash value is not an integer'), by);
    this.readOrCreate(key, 'hash', () => new Map()).value.set(field, String(next));
    return next;
  }

  async hdel(key: string, ...fields: string[]): Promise<number> {
    const entry = this.read(key, 'hash');
    if (!entry) return 0;
    const deleted = fields.filter((field) => entry.value.delete(field)).length;
    this.dropIfEmpty(key, entry.value.size);
    return deleted;
  }

  async zadd(key: string, members: ScoredMember[]): Promise<number> {
    if (members.length === 0) return 0;
    if (members.some((m) => Number.isNaN(m.score))) throw new Error('ERR value is not a valid float');
    const zset = this.readOrCreate(key, 'zset', () => new Map()).value;
    let added = 0;
    for (const { member, score } of members) {
      if (!zset.has(member)) added++;
      zset.set(member, score);
    }
    return added;
  }

  async zincr(key: string, member: string, by: number): Promise<number> {
    if (Number.isNaN(by)) throw new Error('ERR value is not a valid float');
    const next = (this.read(key, 'zset')?.value.get(member) ?? 0) + by;
    // Infinity + -Infinity.
    if (Number.isNaN(next)) throw new Error('ERR resulting score is not a number (NaN)');
    this.readOrCreate(key, 'zset', () => new Map()).value.set(member, next);
    return next;
  }

  async zrem(key: string, ...members: string[]): Promise<number> {
    const entry = this.read(key, 'zset');
    if (!entry) return 0;
    const removed = members.filter((member) => entry.value.delete(member)).length;
    this.dropIfEmpty(key, entry.value.size);
    return removed;
  }

  async zscore(key: string, member: string): Promise<number | null> {
    return this.read(key, 'zset')?.value.get(member) ?? null;
  }

  async zcard(key: string): Promise<number> {
    return this.read(key, 'zset')?.value.size ?? 0;
  }

  async zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    const entry = this.read(key, 'zset');
    return entry ? redisRange(byRank(entry.value).reverse(), start, stop) : [];
  }

  async ztrim(key: string, keep: number): Promise<void> {
    const entry = this.read(key, 'zset');
    if (!entry) return;
    // The same ranks ZREMRANGEBYRANK key 0 -(keep+1) removes, lowest score first.
    for (const { member } of redisRange(byRank(entry.value), 0, -(keep + 1))) entry.value.delete(member);
    this.dropIfEmpty(key, entry.value.size);
  }

  async lpushCapped(key: string, value: string, max: number): Promise<void> {
    const entry = this.read(key, 'list');
    const others = entry ? entry.value.filter((item) => item !== value) : [];
    // LTRIM key 0 max-1, with the same index arithmetic (max 0 keeps everything, as in Redis).
    const list = redisRange([value, ...others], 0, max - 1);
    if (list.length === 0) this.cache.delete(key);
    else if (entry) entry.value = list;
    else this.cache.set(key, { type: 'list', value: list });
  }

  async lrange(key: string, start: number, stop: number): Promise<string[]> {
    const entry = this.read(key, 'list');
    return entry ? redisRange(entry.value, start, stop) : [];
  }

  async flush(): Promise<void> {
    this.cache.clear();
    this.copies.clear();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.cache.clear();
    this.copies.clear();
  }

  /** The live entry (expired ones read as absent), or WRONGTYPE when it holds another type. */
  private read<T extends Entry['type']>(key: string, type: T): EntryOf<T> | undefined {
    const entry = this.lookup(key);
    if (entry && entry.type !== type) throw new Error(WRONGTYPE);
    return entry as EntryOf<T> | undefined;
  }

  /** Callers validate before creating, so a failed command never leaves an empty key behind. */
  private readOrCreate<T extends 'hash' | 'zset'>(key: string, type: T, empty: () => EntryOf<T>['value']): EntryOf<T> {
    const existing = this.read(key, type);
    if (existing) return existing;
    const created = { type, value: empty() } as EntryOf<T>;
    this.cache.set(key, created);
    return created;
  }

  /** Redis deletes a hash, sorted set or list when its last element goes. */
  private dropIfEmpty(key: string, size: number): void {
    if (size === 0) this.cache.delete(key);
  }

  /** PEXPIRE: a non-positive TTL deletes the key at once. */
  private setExpiry(key: string, ttlMs: number): boolean {
    if (!Number.isSafeInteger(ttlMs)) throw new Error(NOT_INTEGER);
    return reexpire(this.cache, key, ttlMs) || reexpire(this.copies, key, ttlMs);
  }
}

function reexpire<V extends object>(map: LRUCache<string, V>, key: string, ttlMs: number): boolean {
  const entry = map.get(key);
  if (!entry) return false;
  if (ttlMs <= 0) map.delete(key);
  else map.set(key, entry, { ttl: ttlMs });
  return true;
}

/** Redis only accepts canonical decimal integers ("01", "+1", " 1" and "1.0" are refused). */
function parseInteger(text: string, message: string): number {
  const value = Number(text);
  if (!/^(?:0|-?[1-9]\d*)$/.test(text) || !Number.isSafeInteger(value)) throw new Error(message);
  return value;
}

function addIntegers(current: number, by: number): number {
  if (!Number.isSafeInteger(by)) throw new Error(NOT_INTEGER);
  const next = current + by;
  if (!Number.isSafeInteger(next)) throw new Error('ERR increment or decrement would overflow');
  return next;
}

/** Sorted-set order: score ascending, ties by member in byte order (what Redis compares). */
function byRank(zset: Map<string, number>): ScoredMember[] {
  return Array.from(zset, ([member, score]) => ({ member, score })).sort(
    (a, b) => a.score - b.score || Buffer.compare(Buffer.from(a.member), Buffer.from(b.member)),
  );
}

/** Redis' inclusive start/stop with negative indexes counted from the end, clamped to the items. */
function redisRange<T>(items: T[], start: number, stop: number): T[] {
  const from = start < 0 ? Math.max(0, items.length + start) : start;
  const to = stop < 0 ? Math.max(0, items.length + stop + 1) : stop + 1;
  return items.slice(from, to);
}
