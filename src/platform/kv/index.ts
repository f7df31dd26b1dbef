import type { KeyValueStore } from './kv.js';
import { MemoryKeyValueStore } from './memory-kv.js';
import { RedisKeyValueStore } from './redis-kv.js';

export type { GuessResult, KeyValueStore, ScoredMember, SetOptions } from './kv.js';
export { KvUnavailableError, isKvUnavailable, unlessKvDown } from './kv.js';
export { MemoryKeyValueStore } from './memory-kv.js';
export { RedisKeyValueStore, type RedisKeyValueStoreOptions } from './redis-kv.js';

/** Redis when a URL is configured (state shared by every instance), else this process's memory. */
export function createKeyValueStore(options: {
  redisUrl?: string;
  prefix: string;
  /** Memory store only: the byte budget of evictable values (cache copies). */
  maxEvictableBytes?: number;
}): KeyValueStore {
  const { redisUrl, prefix, maxEvictableBytes } = options;
  return redisUrl
    ? new RedisKeyValueStore({ url: redisUrl, prefix })
    : new MemoryKeyValueStore({ prefix, maxEvictableBytes });
}
