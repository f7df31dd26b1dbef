/**
 * The provider's storage adapter over the kv store (memory, or Redis with TEST_REDIS=1): what
 * oidc-provider relies on, checked directly: expiry, lookups by uid and user code, single use,
 * and revoking everything a grant minted.
 */
import { randomUUID } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFactory } from '../../src/modules/oauth/oauth.adapter.js';
import type { OauthRepository } from '../../src/modules/oauth/oauth.repository.js';
import { createKeyValueStore, type KeyValueStore } from '../../src/platform/kv/index.js';
import { testRedis } from '../helpers/app.js';
import { serviceUrls } from '../helpers/services.js';
import { until } from '../helpers/wait.js';

describe(`oauth kv adapter (redis=${testRedis})`, () => {
  let kv: KeyValueStore;
  let adapterFor: ReturnType<typeof adapterFactory>;

  beforeAll(() => {
    kv = createKeyValueStore({
      prefix: `inkstone-test:oauth-adapter:${randomUUID()}:`,
      ...(testRedis ? { redisUrl: serviceUrls.redis } : {}),
    });
    // Only the Client model reaches the repository; none of these cases do.
    adapterFor = adapterFactory({ kv, repository: {} as OauthRepository, now: () => Date.now() });
  });
  afterAll(async () => {
    await kv.flush();
    await kv.close();
  });

  const payload = (extra: Partial<AdapterPayload> = {}): AdapterPayload => ({ accountId: '1', ...extra });

  it('stores, finds and forgets a model when it expires', async () => {
    const codes = adapterFor('AuthorizationCode');
    await codes.upsert('c1', payload({ grantId: 'g0' }), 1);
    expect(await codes.find('c1')).toMatchObject({ accountId: '1' });
    expect(await adapterFor('AccessToken').find('c1')).toBeUndefined();
    await until('the code expires', async () => (await codes.find('c1')) === undefined, { timeoutMs: 3_000 });
  });

  it('finds interactions and sessions by uid, device codes by user code', async () => {
    const sessions = adapterFor('Session');
    await sessions.upsert('s1', payload({ uid: 'u-1' }), 60);
    expect(await sessions.findByUid!('u-1')).toMatchObject({ uid: 'u-1' });
    const devices = adapterFor('DeviceCode');
    await devices.upsert('d1', payload({ userCode: 'ABCD-EFGH' }), 60);
    expect(await devices.findByUserCode!('ABCD-EFGH')).toMatchObject({ userCode: 'ABCD-EFGH' });
    await sessions.destroy('s1');
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await sessions.findByUid!('u-1')).toBeUndefined();
  });

  it('consumes once: a second consume of the same code is refused', async () => {
    const codes = adapterFor('AuthorizationCode');
    await codes.upsert('c2', payload(), 60);
    await codes.consume('c2');
    expect((await codes.find('c2'))?.consumed).toEqual(expect.any(Number));
    await expect(codes.consume('c2')).rejects.toMatchObject({ error: 'invalid_grant' });
    // The TTL is kept by the consume.
    expect(await kv.ttl('oauth:AuthorizationCode:c2')).toBeGreaterThan(0);
  });

  it('revokes every token of a grant and nothing else', async () => {
    await adapterFor('AuthorizationCode').upsert('c3', payload({ grantId: 'g1' }), 60);
    await adapterFor('AccessToken').upsert('a3', payload({ grantId: 'g1' }), 60);
    await adapterFor('RefreshToken').upsert('r3', payload({ grantId: 'g1' }), 3600);
    await adapterFor('AccessToken').upsert('a4', payload({ grantId: 'g2' }), 60);
    await adapterFor('AccessToken').revokeByGrantId!('g1');
    expect(await adapterFor('AuthorizationCode').find('c3')).toBeUndefined();
    expect(await adapterFor('AccessToken').find('a3')).toBeUndefined();
    expect(await adapterFor('RefreshToken').find('r3')).toBeUndefined();
    expect(await adapterFor('AccessToken').find('a4')).toBeDefined();
  });
});
