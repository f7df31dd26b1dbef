/**
 * What every presenter needs to shape rows for clients: the contract's date formats and absolute
 * URLs for stored images, with the default avatar for users without a photo (§1.9).
 */
import type { TimeFormat } from './time.js';

export interface PresenterContext {
  time: TimeFormat;
  /** Absolute URL of a stored image reference (storage key or absolute URL). */
  media(stored: string): string;
  /**
   * Signed, expiring (1 h) absolute URL of a private storage key (`private/...`, e.g. ID cards),
   * served by `/media-private/*`. Never cache a response carrying one for longer than that.
   */
  privateMedia(key: string): string;
  /** Absolute URL of a user's photo, or the default avatar. */
  avatar(stored: string | null): string;
}
