/**
 * The authorization code flow over plain HTTP, as a browser and a public client would run it
 * (cookie jar, redirects, the consent form with its CSRF token, PKCE, resource indicator): for
 * tests that need a reader's API token fast, without Chromium. The Chromium flow is in
 * oidc-flow.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { unescapeHtml } from '../helpers/web-client.js';

/** Never fetched: the flow stops at the first redirect to it. */
export const REDIRECT_URI = 'http://127.0.0.1:9/cb';

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  keep(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header();
    if (cookie) headers.set('cookie', cookie);
    return this.keep(await fetch(url, { ...init, headers, redirect: 'manual' }));
  }
}

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  registration_access_token?: string;
}

/** RFC 7591 registration of a public client (PKCE, no secret) unless told otherwise. */
export async function registerClient(origin: string, extra: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const res = await fetch(`${origin}/oauth/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: '第三方阅读器',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...extra,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as RegisteredClient;
}

export interface ApiTokens {
  access_token: string;
  refresh_token?: string;
  scope: string;
}

/**
 * A reader signed in to the site (`siteRefreshToken`: the session cookie's value) authorizes the
 * client for `scope` on the Inkstone API; returns the token response of the code exchange.
 */
export async function authorizeApi(
  origin: string,
  client: RegisteredClient,
  siteRefreshToken: string,
  scope: string,
): Promise<ApiTokens> {
  const { code, verifier, resource } = await authorizeCode(origin, client, siteRefreshToken, scope);
  return exchange(origin, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: client.client_id,
    code_verifier: verifier,
    resource,
  });
}

/** The flow up to the code the client receives at its redirect URI (state checked), not exchanged. */
export async function authorizeCode(
  origin: string,
  client: RegisteredClient,
  siteRefreshToken: string,
  scope: string,
): Promise<{ code: string; verifier: string; resource: string }> {
  const jar = new CookieJar();
  jar.cookies.set('inkstone_session', siteRefreshToken);
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(12));
  const resource = `${origin}/api`;
  const query = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope,
    state,
    resource,
    prompt: 'consent',
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  });
  let url = `${origin}/oauth/auth?${query}`;
  let consented = false;
  for (let hop = 0; hop < 12; hop++) {
    const res = await jar.fetch(url);
    if (res.status === 200 && !consented) {
      if (!new URL(url).pathname.startsWith('/oauth/interaction/'))
        throw new Error(`the flow stopped at ${url} (is the reader still signed in to the site?)`);
      const page = await res.text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
      expect(csrf, 'the consent page has its CSRF token').toBeDefined();
      consented = true;
      const answer = await jar.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: unescapeHtml(csrf!), decision: 'allow' }).toString(),
      });
      expect(answer.status, await answer.clone().text()).toBe(303);
      url = new URL(answer.headers.get('location')!, url).href;
      continue;
    }
    expect([302, 303], `${url} answered ${res.status}`).toContain(res.status);
    const next = new URL(res.headers.get('location')!, url).href;
    if (next.startsWith(REDIRECT_URI)) {
      const back = new URL(next);
      expect(back.searchParams.get('state')).toBe(state);
      const code = back.searchParams.get('code');
      expect(code, next).toBeTruthy();
      return { code: code!, verifier, resource };
    }
    url = next;
  }
  throw new Error('the authorization flow did not come back to the client');
}

/** A token endpoint call; throws with the endpoint's error unless it answers 200. */
export async function exchange(origin: string, form: Record<string, string>): Promise<ApiTokens> {
  const res = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await res.json()) as ApiTokens & { error?: string };
  if (res.status !== 200) throw Object.assign(new Error(`token endpoint: ${res.status} ${body.error}`), body);
  return body;
}
