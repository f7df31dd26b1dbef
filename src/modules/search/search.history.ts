/**
 * A06/A04: each signed-in user's recent search keywords, newest first, deduplicated, capped — a
 * capped list in the key-value store (seed 000 keeps it in Redis too).
 */
import type { KeyValueStore } from '../../platform/kv/kv.js';

/** B: SEARCHING_HISTORY_COUNT_PER_USER = 4. */
export const DEFAULT_HISTORY_SIZE = 4;

const keyOf = (userId: bigint) => `search:hist:${userId}`;

export function createSearchHistory(kv: KeyValueStore, size = DEFAULT_HISTORY_SIZE) {
  return {
    size,
    async record(userId: bigint, keyword: string): Promise<void> {
      const text = keyword.trim();
      if (text) await kv.lpushCapped(keyOf(userId), text, size);
    },
    list: (userId: bigint): Promise<string[]> => kv.lrange(keyOf(userId), 0, size - 1),
    async clear(userId: bigint): Promise<void> {
      await kv.del(keyOf(userId));
    },
  };
}

export type SearchHistory = ReturnType<typeof createSearchHistory>;
