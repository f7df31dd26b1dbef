import { InvalidKeyError } from './storage/keys.js';
import type { ObjectStorage } from './storage/storage.js';

/**
 * Stored image references are either storage keys (our uploads, or hash keys without an extension
 * in migrated data) or absolute URLs (images an editor embedded from an allowed origin, or
 * migrated rows). Clients always get absolute URLs (contract §1.9).
 *
 * Stored data is input too: a reference no URL can be built from is passed through as stored, so
 * one bad row shows one broken image instead of failing every page that lists it.
 */
export function mediaUrl(storage: ObjectStorage, stored: string): string {
  if (/^https?:\/\//i.test(stored)) return stored;
  // Protocol-relative (`//cdn.example.com/a.jpg`): the apps load it over HTTPS.
  if (stored.startsWith('//')) return `https:${stored}`;
  try {
    return storage.url(stored);
  } catch (error) {
    if (error instanceof InvalidKeyError) return stored;
    throw error;
  }
}
