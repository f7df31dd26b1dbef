/**
 * Inkstone as an OpenID provider, driven by a stock relying party (openid-client v6, certified)
 * against the real listening app: discovery, dynamic registration, authorization code with PKCE,
 * state and nonce through a real Chromium sign-in and consent, token exchange with id_token
 * validation, userinfo, refresh (rotation), an API token by resource indicator, introspection,
 * revocation, client credentials; and the BCP's negative cases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { chromiumAvailable, launchChromium, screenshotPath, seriousAxeViolations } from '../helpers/browser.js';
import { DEMO_CODE, newMobile } from '../helpers/web-client.js';
import { buildOauthApp, type OauthTestApp } from './helpers.js';

const available = chromiumAvailable('the OpenID provider flow');
const insecure = { execute: [oidc.allowInsecureRequests] };

describe.skipIf(!available)(`OpenID provider (db=${testDb}, redis=${testRedis})`, () => {
  let t: OauthTestApp;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let rp: oidc.Configuration;
  let apiResource: string;
  /** Where the browser was sent back to (the relying party's callback, intercepted). */
  let landed: string | undefined;
  /** The relying party's callback: a real server on another port, as a browser reaches it. */
  let callbackServer: http.Server;
  let REDIRECT: string;

  beforeAll(async () => {
    t = await buildOauthApp();
    apiResource = `${t.origin}/api`;
    browser = await launchChromium();
    callbackServer = http.createServer((request, response) => {
      // (The browser asks for /favicon.ico too.)
      if (request.url?.startsWith('/cb')) landed = `${REDIRECT.slice(0, REDIRECT.indexOf('/cb'))}${request.url}`;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('relying party');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    REDIRECT = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/cb`;
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    callbackServer?.close();
    await t?.close();
  });

  /** Sends the browser to an authorization URL and returns the callback URL it comes back to. */
  async function authorize(url: URL, act: () => Promise<void> = async () => {}): Promise<URL> {
    landed = undefined;
    await page.goto(url.href);
    await act();
    await expect.poll(() => landed, { timeout: 15_000 }).toBeDefined();
    return new URL(landed!);
  }

  /** The signed-in reader is asked again (`asked`) or sent straight back (a grant they already gave). */
  async function authorizeAgain(url: URL, asked: boolean): Promise<URL> {
    landed = undefined;
    // The redirect to the relying party (intercepted) ends the navigation early: that is no failure.
    await page.goto(url.href);
    await expect
      .poll(() => (landed !== undefined ? 'back' : page.url().includes('/oauth/interaction/') ? 'asked' : 'waiting'), {
        timeout: 15_000,
      })
      .toBe(asked ? 'asked' : 'back');
    if (asked) {
      await page.locator('#oauth-allow').click();
      await expect.poll(() => landed, { timeout: 15_000 }).toBeDefined();
    }
    return new URL(landed!);
  }

  /** OpenID Connect issues refresh tokens (offline_access) only on a request with prompt=consent. */
  async function codeRequest(scope = 'openid profile offline_access articles:read', prompt: string | null = 'consent') {
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const expectedState = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(rp, {
      redirect_uri: REDIRECT,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      resource: apiResource,
      ...(prompt ? { prompt } : {}),
    });
    return { url, checks: { pkceCodeVerifier, expectedState } };
  }

  async function signInAndConsent(): Promise<void> {
    await page.waitForURL(/\/login\?next=/);
    await page.locator('#mobile').fill(newMobile());
    await page.locator('#send-code').click();
    await expect.poll(() => page.locator('#login-message').textContent()).toContain('验证码已发送');
    await page.locator('#code').fill(DEMO_CODE);
    await page.locator('#sms-login button.primary').click();
    await page.waitForURL(/\/oauth\/interaction\//);
    expect(await page.locator('h1').textContent()).toContain('墨石测试应用');
    expect(await page.locator('.oauth-scopes').textContent()).toContain('读取你的昵称和头像');
    expect(await page.locator('.oauth-scopes').textContent()).toContain('读取文章');
    await page.screenshot({ path: screenshotPath('oauth-consent'), fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.locator('#oauth-allow').click();
  }

  it('publishes discovery at the root (OpenID and RFC 8414)', async () => {
    const res = await fetch(`${t.origin}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(t.origin);
    expect(doc.authorization_endpoint).toBe(`${t.origin}/oauth/auth`);
    expect(doc.token_endpoint).toBe(`${t.origin}/oauth/token`);
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining([
        'openid',
        'profile',
        'articles:read',
        'interactions:write',
        'comments:write',
        'articles:write',
      ]),
    );
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.grant_types_supported).not.toContain('implicit');
    expect(doc.grant_types_supported).not.toContain('password');
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    const rfc8414 = (await (await fetch(`${t.origin}/.well-known/oauth-authorization-server`)).json()) as object;
    expect(rfc8414).toEqual(doc);
    const jwks = (await (await fetch(doc.jwks_uri as string)).json()) as { keys: { kid: string; d?: string }[] };
    const stored = await t.platform.db.selectFrom('oauth_keys').select('kid').execute();
    expect(jwks.keys.map((k) => k.kid)).toEqual(stored.map((k) => k.kid));
    expect(jwks.keys[0]!.d).toBeUndefined();
  });

  let verifier: string;
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  let code: URL;

  it('registers a public client, signs in and consents in Chromium, exchanges the code, validates the id_token', async () => {
    rp = await oidc.dynamicClientRegistration(
      new URL(t.origin),
      {
        client_name: '墨石测试应用',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      oidc.None(),
      insecure,
    );
    const clientId = rp.clientMetadata().client_id;
    const row = await t.platform.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    expect(JSON.parse(row!.metadata_json).client_name).toBe('墨石测试应用');

    verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(rp, {
      redirect_uri: REDIRECT,
      scope: 'openid profile offline_access articles:read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      prompt: 'consent',
      resource: apiResource,
    });
    code = await authorize(url, signInAndConsent);
    expect(code.searchParams.get('state')).toBe(state);
    tokens = await oidc.authorizationCodeGrant(rp, code, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(t.origin);
    expect(claims.aud).toBe(clientId);
    expect(claims.nonce).toBe(nonce);
    expect(tokens.refresh_token).toBeDefined();

    const info = await oidc.fetchUserInfo(rp, tokens.access_token, claims.sub);
    expect(info.sub).toBe(claims.sub);
    expect(typeof info.name).toBe('string');
    expect(String(info.picture)).toMatch(/^http/);
  }, 90_000);

  it('refuses the same code twice and revokes what it minted', async () => {
    await expect(
      oidc.authorizationCodeGrant(rp, code, {
        pkceCodeVerifier: verifier,
        expectedState: code.searchParams.get('state')!,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const seen = await oidc.tokenIntrospection(rp, tokens.access_token);
    expect(seen.active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('asks again after the grant was revoked, refuses a wrong verifier, rotates refresh tokens and detects reuse', async () => {
    // The reused code revoked the grant: consent is asked again.
    const one = await codeRequest();
    const back = await authorizeAgain(one.url, true);
    await expect(
      oidc.authorizationCodeGrant(rp, back, { ...one.checks, pkceCodeVerifier: oidc.randomPKCECodeVerifier() }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    // The grant now stands: without prompt=consent the reader is sent straight back (no refresh token then).
    const quiet = await codeRequest('openid profile articles:read', null);
    const short = await oidc.authorizationCodeGrant(rp, await authorizeAgain(quiet.url, false), quiet.checks);
    expect(short.refresh_token).toBeUndefined();
    expect((await oidc.tokenIntrospection(rp, short.access_token)).active).toBe(true);

    const two = await codeRequest();
    const first = await oidc.authorizationCodeGrant(rp, await authorizeAgain(two.url, true), two.checks);
    // A refresh cannot widen the grant (RFC 6749 §6).
    await expect(
      oidc.refreshTokenGrant(rp, first.refresh_token!, { scope: 'openid profile comments:write' }),
    ).rejects.toMatchObject({ error: 'invalid_scope' });
    const refreshed = await oidc.refreshTokenGrant(rp, first.refresh_token!);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    // A rotated refresh token used again: the whole grant is revoked (reuse detection).
    await expect(oidc.refreshTokenGrant(rp, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(rp, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(rp, refreshed.access_token)).active).toBe(false);
  }, 90_000);

  it('gets an API token by resource indicator, introspects it and revokes', async () => {
    const three = await codeRequest();
    const set = await oidc.authorizationCodeGrant(rp, await authorizeAgain(three.url, true), three.checks);
    const api = await oidc.refreshTokenGrant(rp, set.refresh_token!, { resource: apiResource });
    const about = await oidc.tokenIntrospection(rp, api.access_token);
    expect(about.active).toBe(true);
    expect(about.scope).toBe('articles:read');
    expect(about.aud).toBe(apiResource);
    // The API token is not a userinfo token.
    await expect(oidc.fetchUserInfo(rp, api.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
    // The relying party calls the app API with it, within the granted scope and not beyond.
    const search = await oidc.fetchProtectedResource(
      rp,
      api.access_token,
      new URL(`${t.origin}/app/v1_0/search?q=inkstone`),
      'GET',
    );
    expect(search.status).toBe(200);
    // The library reads the RFC 6750 challenge: the missing scope is named in it.
    await expect(
      oidc.fetchProtectedResource(
        rp,
        api.access_token,
        new URL(`${t.origin}/app/v1_0/article/likings`),
        'POST',
        JSON.stringify({ target: '1' }),
        new Headers({ 'content-type': 'application/json' }),
      ),
    ).rejects.toMatchObject({
      status: 403,
      cause: [{ scheme: 'bearer', parameters: { error: 'insufficient_scope', scope: 'interactions:write' } }],
    });

    await oidc.tokenRevocation(rp, api.refresh_token!);
    expect((await oidc.tokenIntrospection(rp, api.refresh_token!)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp, api.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await oidc.tokenRevocation(rp, api.access_token);
    expect((await oidc.tokenIntrospection(rp, api.access_token)).active).toBe(false);
  }, 90_000);

  it('lets only one of two simultaneous exchanges of one code through', async () => {
    const race = await codeRequest();
    const back = await authorizeAgain(race.url, true);
    const results = await Promise.allSettled([
      oidc.authorizationCodeGrant(rp, back, race.checks),
      oidc.authorizationCodeGrant(rp, back, race.checks),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ error: 'invalid_grant' });
  }, 60_000);

  it('asks a reader who signed out of the site to sign in again', async () => {
    await ctx.clearCookies({ name: 'inkstone_session' });
    const quiet = await codeRequest('openid profile', null);
    await page.goto(quiet.url.href);
    await page.waitForURL(/\/login\?next=%2Foauth%2Finteraction%2F/);
  }, 60_000);

  it('refuses a redirect URI that is not registered exactly, and a public client without PKCE', async () => {
    const clientId = rp.clientMetadata().client_id;
    const base = `${t.origin}/oauth/auth?client_id=${clientId}&response_type=code&scope=openid`;
    for (const uri of ['https://evil.example/cb', `${REDIRECT}/extra`, `${REDIRECT}?x=1`]) {
      const res = await fetch(
        `${base}&redirect_uri=${encodeURIComponent(uri)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
        {
          redirect: 'manual',
        },
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const page = await res.text();
      expect(page).toContain('redirect_uri');
      expect(page).toContain('授权请求有误');
    }
    // Only S256 (RFC 7636 §4.2: plain is for clients that cannot hash).
    const plain = await fetch(
      `${base}&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=plain`,
      { redirect: 'manual' },
    );
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const res = await fetch(`${base}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s1`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(location.searchParams.get('state')).toBe('s1');
  });

  it('issues client-credentials tokens to a confidential client, and refuses it without its secret', async () => {
    const m2m = await oidc.dynamicClientRegistration(
      new URL(t.origin),
      {
        client_name: '墨石服务端',
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'articles:read',
      },
      undefined,
      insecure,
    );
    const secret = m2m.clientMetadata().client_secret as string;
    expect(secret).toBeTruthy();
    const issued = await oidc.clientCredentialsGrant(m2m, { scope: 'articles:read', resource: apiResource });
    const about = await oidc.tokenIntrospection(m2m, issued.access_token);
    expect(about).toMatchObject({ active: true, scope: 'articles:read', aud: apiResource });
    // Another client learns nothing about it.
    expect((await oidc.tokenIntrospection(rp, issued.access_token)).active).toBe(false);

    const res = await fetch(`${t.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: m2m.clientMetadata().client_id }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('denies when the reader says 拒绝', async () => {
    const fresh = await browser.newContext();
    const previous = page;
    page = await fresh.newPage();
    try {
      const state = oidc.randomState();
      const back = await authorize(
        oidc.buildAuthorizationUrl(rp, {
          redirect_uri: REDIRECT,
          scope: 'openid profile',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state,
        }),
        async () => {
          await page.waitForURL(/\/login\?next=/);
          await page.locator('#mobile').fill(newMobile());
          await page.locator('#send-code').click();
          await expect.poll(() => page.locator('#login-message').textContent()).toContain('验证码已发送');
          await page.locator('#code').fill(DEMO_CODE);
          await page.locator('#sms-login button.primary').click();
          await page.waitForURL(/\/oauth\/interaction\//);
          await page.locator('#oauth-deny').click();
        },
      );
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('state')).toBe(state);
    } finally {
      page = previous;
      await fresh.close();
    }
  }, 60_000);

  it('refuses a consent post without the CSRF token', async () => {
    const res = await fetch(`${t.origin}/oauth/interaction/whatever`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=allow',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
