/**
 * A process-local first level in front of platform.cache (the shared second level): decoded
 * values kept for about a second, bounded in number and, where values vary in size (rendered
 * bodies, article details), in bytes. A hot key (the first page of a channel, its ten cards, a
 * popular article) then costs a Map lookup instead of a kv read plus a JSON decode, which was a
 * third of the feed's CPU time. Absent values are kept too.
 *
 * Consistency: the process that invalidates (invalidateArticle, a counter flush) deletes its own
 * entries at once; other processes see the change within `ttlMs`. Counters are never kept here:
 * they are overlaid from the kv store on every read.
 *
 * A plain Map (insertion order = age, so the oldest entry is evicted first) with one clock read
 * per lookup: cheaper than an LRU on a path that runs ten times per feed request. Every entry
 * lives `ttlMs`, so the oldest is also the first to expire: each write drops the expired entries
 * at the front, and a cache read over many keys (random articles) holds one TTL's worth of them,
 * not `max` dead ones.
 */
export interface NearCacheOptions<V> {
  max: number;
  ttlMs: number;
  /** With `sizeOf`: the bytes the kept values may take together; the oldest go first past it. */
  maxBytes?: number;
  /** An estimate of a value's bytes (a Buffer's length, a string's 2 bytes a character). */
  sizeOf?: (value: V) => number;
}

interface Entry<V> {
  value: V | undefined;
  expires: number;
  bytes: number;
}

export class NearCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #maxBytes: number;
  readonly #sizeOf: ((value: V) => number) | undefined;
  #bytes = 0;

  constructor(options: NearCacheOptions<V>) {
    this.#max = options.max;
    this.#ttlMs = options.ttlMs;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#sizeOf = options.sizeOf;
  }

  /** `{ value }` when this process knows the key (value undefined = known absent), else undefined. */
  peek(key: K): { value: V | undefined } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > performance.now()) return entry;
    this.#remove(key, entry);
    return undefined;
  }

  set(key: K, value: V | undefined): void {
    const now = performance.now();
    const previous = this.#entries.get(key);
    if (previous) this.#remove(key, previous);
    const bytes = value !== undefined && this.#sizeOf ? this.#sizeOf(value) : 0;
    // One value larger than the whole budget is not kept at all.
    if (bytes > this.#maxBytes) return;
    for (const [oldest, entry] of this.#entries) {
      const full = this.#entries.size >= this.#max || this.#bytes + bytes > this.#maxBytes;
      if (!full && entry.expires > now) break;
      this.#remove(oldest, entry);
    }
    this.#entries.set(key, { value, expires: now + this.#ttlMs, bytes });
    this.#bytes += bytes;
  }

  delete(...keys: K[]): void {
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry) this.#remove(key, entry);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Entries held (expired ones included until a write or a read drops them). */
  get size(): number {
    return this.#entries.size;
  }

  /** The bytes `sizeOf` counted for the entries held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The known value, or the loader's (usually platform.cache.get), remembered for ttlMs. */
  async get(key: K, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const known = this.peek(key);
    if (known) return known.value;
    const value = await load();
    this.set(key, value);
    return value;
  }

  #remove(key: K, entry: Entry<V>): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
