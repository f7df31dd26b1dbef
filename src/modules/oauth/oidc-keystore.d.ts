/**
 * oidc-provider builds its keystore once, from `jwks`, when it is constructed; the same function,
 * called on a running provider, swaps the set (oauth.live-provider.ts). Not a public API: the version
 * is pinned and test/oauth/key-rotation.test.ts fails if an upgrade changes it.
 */
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  export default function initializeKeystore(this: object, jwks: { keys: object[] }): void;
}
