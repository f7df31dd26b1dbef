/**
 * Keeps a running provider's keys in step with the database: reloads the stored set and swaps the
 * provider's keystore when the signing key or the published set changed (see oauth.keys.ts).
 */
import type Provider from 'oidc-provider';
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import { keySet, loadKeys, type KeyRepository, type KeySet } from './oauth.keys.js';

export interface LiveKeys {
  /** Reads the stored keys and applies them if they changed; returns the signing kid. */
  reload(now: number): Promise<string>;
}

const fingerprintOf = (set: KeySet) => set.jwks.map((key) => key.kid).join(',');

/** `initial`: the set the provider was built with, so the first reload swaps nothing unless it changed. */
export function liveKeys(provider: Provider, repository: KeyRepository, initial: KeySet): LiveKeys {
  let applied = fingerprintOf(initial);
  return {
    async reload(now) {
      const set = keySet(await loadKeys(repository, now), now);
      const fingerprint = fingerprintOf(set);
      if (fingerprint !== applied) {
        initializeKeystore.call(provider, { keys: set.jwks });
        applied = fingerprint;
      }
      return set.signingKid;
    },
  };
}
