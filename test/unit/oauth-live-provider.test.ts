/**
 * The provider handle builds oidc-provider's Provider on first use only, once however many requests
 * ask at the same time, and again after a build that failed (the database was down, say).
 */
import type Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import type { KeyRepository, StoredKey } from '../../src/modules/oauth/oauth.keys.js';
import { liveProvider } from '../../src/modules/oauth/oauth.live-provider.js';

/** The key table as a list: the handle's own contract with the repository, no database needed. */
function keyTable(): KeyRepository & { rows: StoredKey[] } {
  const rows: StoredKey[] = [];
  return {
    rows,
    listKeys: async () => [...rows],
    insertKey: async (row) => void rows.push(row),
    deleteKeys: async (kids) => void rows.splice(0, rows.length, ...rows.filter((row) => !kids.includes(row.kid))),
  };
}

describe('OAuth provider on first use', () => {
  it('builds nothing until asked, then once for concurrent callers, from the stored signing key', async () => {
    const keys = keyTable();
    const builds: string[][] = [];
    const live = liveProvider(
      async (jwks) => {
        builds.push(jwks.map((key) => key.kid));
        return { issuer: 'http://inkstone.test' } as unknown as Provider;
      },
      keys,
      () => Date.now(),
    );
    // A reload (each minute) reads the keys, creating the first, but builds no provider.
    const signing = await live.reload(Date.now());
    expect(builds).toEqual([]);
    expect(keys.rows.map((row) => row.kid)).toEqual([signing]);

    const [a, b] = await Promise.all([live.get(), live.get()]);
    expect(a).toBe(b);
    expect(await live.get()).toBe(a);
    expect(builds).toEqual([[signing]]);
  });

  it('tries the build again on the next call after one failed', async () => {
    let attempts = 0;
    const live = liveProvider(
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('database unreachable');
        return { issuer: 'http://inkstone.test' } as unknown as Provider;
      },
      keyTable(),
      () => Date.now(),
    );
    await expect(live.get()).rejects.toThrow('database unreachable');
    await expect(live.get()).resolves.toMatchObject({ issuer: 'http://inkstone.test' });
    expect(attempts).toBe(2);
  });
});
