/**
 * The provider's state outside any one process: a client registered on one node authenticates on
 * another and after a restart (the database), every node publishes and signs with the same key
 * (the database), and a token issued by one node is known to the other when they share Redis
 * (TEST_REDIS=1; with the memory kv each node has its own, which is why several nodes need Redis).
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { bearer } from '../helpers/http.js';
import { signInOn } from '../helpers/nodes.js';
import { newMobile } from '../helpers/web-client.js';
import { buildOauthApp, startNode, type OauthNode, type OauthTestApp } from './helpers.js';

const insecure = { execute: [oidc.allowInsecureRequests] };

describe(`OpenID provider across nodes and restarts (db=${testDb}, redis=${testRedis})`, () => {
  let a: OauthTestApp;
  let b: OauthNode | undefined;

  beforeAll(async () => {
    a = await buildOauthApp();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const jwks = async (origin: string) => (await fetch(`${origin}/oauth/jwks`)).json();

  async function clientCredentials(origin: string, clientId: string, secret: string): Promise<Response> {
    return fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'articles:read',
        resource: `${a.origin}/api`,
      }),
    });
  }

  it('shares clients and the signing key with another node and across a restart', async () => {
    const m2m = await oidc.dynamicClientRegistration(
      new URL(a.origin),
      {
        client_name: '多节点测试',
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'articles:read',
      },
      undefined,
      insecure,
    );
    const { client_id: clientId, client_secret: secret } = m2m.clientMetadata();

    b = await startNode(a.env);
    expect(await jwks(b.origin)).toEqual(await jwks(a.origin));
    const res = await clientCredentials(b.origin, clientId, String(secret));
    expect(res.status).toBe(200);
    const { access_token: token } = (await res.json()) as { access_token: string };
    // Issued by B, introspected at A: one store only when they share Redis.
    const about = await oidc.tokenIntrospection(m2m, token);
    expect(about.active).toBe(testRedis);

    // A restart: the same client, the same key.
    const before = await jwks(b.origin);
    await b.close();
    b = await startNode(a.env);
    expect(await jwks(b.origin)).toEqual(before);
    expect((await clientCredentials(b.origin, clientId, String(secret))).status).toBe(200);
    expect((await clientCredentials(b.origin, clientId, 'wrong-secret')).status).toBe(401);
    const keys = await a.platform.db.selectFrom('oauth_keys').select('kid').execute();
    expect(keys).toHaveLength(1);
  }, 90_000);
});

describe(`dynamic registration in production (db=${testDb}, redis=${testRedis})`, () => {
  let t: OauthTestApp;
  beforeAll(async () => {
    // Only the provider's registration policy is under test: the rest of a production config is not needed.
    t = await buildOauthApp({ PAYMENTS_PROVIDER: 'off' }, (config) => {
      config.env = 'production';
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const register = (headers: Record<string, string> = {}) =>
    fetch(`${t.origin}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ client_name: '生产环境应用', redirect_uris: ['https://app.example/cb'] }),
    });

  it('requires an initial access token issued by an admin over the admin API, good for one registration', async () => {
    const anonymous = await register();
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_token');
    expect((await register({ authorization: 'Bearer made-up' })).status).toBe(401);

    const staff = await signInOn(t, newMobile());
    const issue = (token: string) =>
      t.app.inject({ method: 'POST', url: '/admin/v1_0/oauth/initial-access-tokens', headers: bearer(token) });
    expect((await issue(staff.token)).statusCode).toBe(403); // a reader, not an admin
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', staff.id).execute();
    const issued = await issue(staff.token);
    expect(issued.statusCode, issued.body).toBe(201);
    const { token: iat, expires_at, registration_endpoint } = issued.json().data;
    expect(registration_endpoint).toBe(`${t.origin}/oauth/reg`);
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);

    const res = await register({ authorization: `Bearer ${iat}` });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { client_id: string; client_secret: string };
    expect(body.client_secret).toBeTruthy();
    const row = await t.platform.db
      .selectFrom('oauth_clients')
      .select('client_id')
      .where('client_id', '=', body.client_id)
      .executeTakeFirst();
    expect(row?.client_id).toBe(body.client_id);
    // Spent: a second registration with it is refused.
    expect((await register({ authorization: `Bearer ${iat}` })).status).toBe(401);

    const audit = await t.platform.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'oauth.initial_access_token.issue')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(staff.id);
    expect(Object.values(audit[0]!).map(String).join(' ')).not.toContain(iat);
  });
});
