import type { ObjectStorage } from './storage/storage.js';

/**
 * Stored image references are either storage keys (our uploads) or absolute URLs (images an
 * editor embedded from an allowed origin). Clients always get absolute URLs (contract §1.9).
 */
export function mediaUrl(storage: ObjectStorage, stored: string): string {
  return /^https?:\/\//i.test(stored) ? stored : storage.url(stored);
}
