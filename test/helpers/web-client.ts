/**
 * A browser's part in the reader site's HTTP tests: a cookie jar, form posts with the page's CSRF
 * token, and `fetch`-style JSON posts like the site's script makes. Speaks to the app with inject.
 */
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import type { Db } from '../../src/platform/db/database.js';
import { randomIp } from './http.js';

export const DEMO_CODE = '246810';

let mobileCounter = 0;
/** A fresh mobile number per call (a new account on first sign-in). */
export const newMobile = () =>
  `137${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter % 100).padStart(2, '0')}`;

/** Decodes the few entities the templates produce in attribute values. */
export const unescapeHtml = (text: string) =>
  text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

export class WebClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had one. */
  csrf: string | undefined;
  readonly ip = randomIp();

  constructor(
    private readonly app: FastifyInstance,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36',
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { 'user-agent': this.userAgent, ...(cookie ? { cookie } : {}), ...extra };
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of res.cookies) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    // Every form of a page carries the one token of the secret the browser keeps.
    const found = new Set([...res.body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => unescapeHtml(m[1]!)));
    if (found.size > 1) throw new Error(`a page with ${found.size} different CSRF tokens`);
    const [token] = found;
    if (token) this.csrf = token;
    return res;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({ url, remoteAddress: this.ip, headers: this.headers({ accept: 'text/html' }) }),
    );
  }

  /**
   * A form post (urlencoded), with the page's CSRF token unless another (or none: null) is given;
   * an array is a field repeated (ticked checkboxes).
   */
  async post(
    url: string,
    fields: Record<string, string | string[]> = {},
    csrf: string | null | undefined = this.csrf,
  ): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams(csrf == null ? {} : { _csrf: csrf });
    for (const [name, value] of Object.entries(fields))
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        headers: this.headers({ accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }),
        payload: body.toString(),
      }),
    );
  }

  /** What the site's script does: the same form, with fetch, asking for JSON. */
  async postJson(url: string, fields: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        headers: this.headers({
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        }),
        payload: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** Signs in with the demo SMS code through the sign-in page; returns the mobile used. */
  async signIn(mobile = newMobile(), next = '/'): Promise<string> {
    await this.get(`/login?next=${encodeURIComponent(next)}`);
    const res = await this.post('/login', { mobile, code: DEMO_CODE, next });
    if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return mobile;
  }

  /** Pays at the payment simulator's cashier a buy or tip form sent us to, and follows the return. */
  async payAtCashier(cashierUrl: string): Promise<LightMyRequestResponse> {
    const cashier = new URL(cashierUrl);
    const page = await this.app.inject({ url: `${cashier.pathname}${cashier.search}` });
    const request = unescapeHtml(/name="request" value="([^"]*)"/.exec(page.body)![1]!);
    const acted = await this.app.inject({
      method: 'POST',
      url: cashier.pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ request, action: 'pay' }).toString(),
    });
    const back = new URL(acted.headers.location as string);
    return this.get(`${back.pathname}${back.search}`);
  }
}

/**
 * A browser signed in as a new user whose role is then set (the console's staff, or a plain
 * reader), and that user's id. The role is read per request, so the next page sees it.
 */
export async function signedInAs(
  t: { app: FastifyInstance; platform: { db: Db } },
  role: 'user' | 'moderator' | 'admin',
): Promise<{ browser: WebClient; id: bigint }> {
  const browser = new WebClient(t.app);
  const mobile = await browser.signIn();
  await t.platform.db.updateTable('users').set({ role }).where('mobile', '=', mobile).execute();
  const user = await t.platform.db
    .selectFrom('users')
    .select('id')
    .where('mobile', '=', mobile)
    .executeTakeFirstOrThrow();
  return { browser, id: user.id };
}
