/**
 * This node's provider: built on first use, then kept in step with the stored keys.
 *
 * oidc-provider and Koa under it are 3–4.5 MB of live heap (measured at boot) that a site nobody
 * reaches through /oauth or an app's token never uses, so they load with the first request that
 * needs them (~200 ms). That request builds the provider from the keys stored then; each reload
 * afterwards swaps its keystore when the signing key or the published set changed (see
 * oauth.keys.ts).
 */
import type Provider from 'oidc-provider';
import { keySet, loadKeys, type KeyRepository, type KeySet, type PrivateJwk } from './oauth.keys.js';

export interface LiveProvider {
  /** The provider, built by the first call and shared by every later one; a failed build is tried again next call. */
  get(): Promise<Provider>;
  /** Reads the stored keys and applies them to the provider (if built) when they changed; returns the signing kid. */
  reload(now: number): Promise<string>;
}

const fingerprintOf = (set: KeySet) => set.jwks.map((key) => key.kid).join(',');

/** `build`: makes the provider from the stored keys, signing key first (oauth.provider.ts, imported on demand). */
export function liveProvider(
  build: (jwks: readonly PrivateJwk[]) => Promise<Provider>,
  repository: KeyRepository,
  now: () => number,
): LiveProvider {
  let building: Promise<Provider> | undefined;
  let applied = '';
  const storedSet = async (at: number) => keySet(await loadKeys(repository, at), at);

  return {
    get() {
      building ??= (async () => {
        const set = await storedSet(now());
        const provider = await build(set.jwks);
        applied = fingerprintOf(set);
        return provider;
      })().catch((error: unknown) => {
        building = undefined;
        throw error;
      });
      return building;
    },
    async reload(at) {
      const set = await storedSet(at);
      // A build under way may have read the keys before this change: apply it once the build is done.
      const provider = building && (await building.catch(() => undefined));
      const fingerprint = fingerprintOf(set);
      if (provider && fingerprint !== applied) {
        const { default: initializeKeystore } = await import('oidc-provider/lib/helpers/initialize_keystore.js');
        initializeKeystore.call(provider, { keys: set.jwks });
        applied = fingerprint;
      }
      return set.signingKid;
    },
  };
}
