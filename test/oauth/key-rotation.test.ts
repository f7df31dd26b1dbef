/**
 * Signing key rotation without a restart: an admin (or the daily job, at 90 days) adds a key; it is
 * published at once on every node, signs id_tokens a day later, and the key it replaced stays
 * published a week longer, then is deleted. id_tokens are checked with jose against the JWKS the
 * provider publishes, as a relying party would.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { bearer } from '../helpers/http.js';
import { signInOn } from '../helpers/nodes.js';
import { newMobile } from '../helpers/web-client.js';
import { authorizeApi, registerClient, type RegisteredClient } from './app-flow.js';
import { buildOauthApp, startNode, type OauthNode, type OauthTestApp } from './helpers.js';

const DAY = 24 * 3600 * 1000;

describe(`OpenID signing key rotation (db=${testDb}, redis=${testRedis})`, () => {
  let a: OauthTestApp;
  let b: OauthNode;
  let client: RegisteredClient;
  let reader: Awaited<ReturnType<typeof signInOn>>;
  let admin: Awaited<ReturnType<typeof signInOn>>;

  beforeAll(async () => {
    a = await buildOauthApp();
    // A second node on the same database, started before the rotation.
    b = await startNode(a.env);
    client = await registerClient(a.origin);
    reader = await signInOn(a, newMobile());
    admin = await signInOn(a, newMobile());
    await a.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
  }, 60_000);
  afterAll(async () => {
    vi.useRealTimers();
    await b?.close();
    await a?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const jwks = async (origin: string) => (await (await fetch(`${origin}/oauth/jwks`)).json()) as JSONWebKeySet;
  const kids = async (origin: string) => (await jwks(origin)).keys.map((key) => key.kid).sort();

  async function idToken(): Promise<string> {
    const tokens = (await authorizeApi(a.origin, client, reader.refresh_token, 'openid articles:read')) as {
      id_token?: string;
    };
    expect(tokens.id_token).toBeDefined();
    return tokens.id_token!;
  }

  /** Verifies against the published JWKS as of the token's own issue time (its signature, not its age). */
  const verify = async (token: string) =>
    jwtVerify(token, createLocalJWKSet(await jwks(a.origin)), {
      issuer: a.origin,
      audience: client.client_id,
      currentDate: new Date((decodeJwt(token).iat ?? 0) * 1000),
    });

  it('publishes a new key at once, signs with it a day later, drops the old one a week after that', async () => {
    const [first] = await kids(a.origin);
    const before = await idToken();
    expect(decodeProtectedHeader(before).kid).toBe(first);

    // Only admins rotate; the rotation is audited.
    const refused = await a.app.inject({
      method: 'POST',
      url: '/admin/v1_0/oauth/keys',
      headers: bearer(reader.token),
    });
    expect(refused.statusCode).toBe(403);
    const rotated = await a.app.inject({ method: 'POST', url: '/admin/v1_0/oauth/keys', headers: bearer(admin.token) });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const { kid: second, signs_from } = rotated.json().data as { kid: string; signs_from: string };
    expect(Date.parse(signs_from) - Date.now()).toBeGreaterThan(DAY - 60_000);
    const audit = await a.platform.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'oauth.key.rotate')
      .execute();
    expect(audit.map((row) => [row.actor_id, row.target_id])).toEqual([[admin.id, second]]);

    // Published at once on this node, and on the other at its next reload (each minute).
    expect(await kids(a.origin)).toEqual([first, second].sort());
    expect(await b.services.oauth.reloadKeys()).toBe(first);
    expect(await kids(b.origin)).toEqual([first, second].sort());
    // ...but not signing yet.
    expect(decodeProtectedHeader(await idToken()).kid).toBe(first);

    // A day later (the provider and the app read Date): both nodes sign with the new key.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + DAY + 1000 });
    expect(await a.services.oauth.reloadKeys()).toBe(second);
    expect(await b.services.oauth.reloadKeys()).toBe(second);
    const after = await idToken();
    expect(decodeProtectedHeader(after).kid).toBe(second);
    expect((await verify(after)).payload.sub).toBe(String(reader.id));
    // The old key is still published: tokens it signed still verify.
    expect((await verify(before)).payload.sub).toBe(String(reader.id));
    expect(await a.services.oauth.maintainKeys()).toEqual({ rotated: false, deleted: [] });

    // A week after the switch the daily job deletes the old key; every node stops publishing it.
    vi.setSystemTime(Date.now() + 7 * DAY);
    expect(await a.services.oauth.maintainKeys()).toEqual({ rotated: false, deleted: [first] });
    await a.services.oauth.reloadKeys();
    await b.services.oauth.reloadKeys();
    expect(await kids(a.origin)).toEqual([second]);
    expect(await kids(b.origin)).toEqual([second]);
    await expect(verify(before)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(await a.platform.db.selectFrom('oauth_keys').select('kid').execute()).toEqual([{ kid: second }]);
  }, 60_000);

  it('rotates on schedule when the key in use is 90 days old, once', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 100 * DAY });
    const first = await a.services.oauth.maintainKeys();
    expect(first.rotated).toBe(true);
    // The successor is waiting for its day: no second rotation meanwhile.
    expect((await a.services.oauth.maintainKeys()).rotated).toBe(false);
    const stored = await a.platform.db.selectFrom('oauth_keys').select('kid').execute();
    expect(stored).toHaveLength(2);
  });
});
