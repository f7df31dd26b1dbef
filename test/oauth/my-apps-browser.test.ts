/**
 * The open platform's pages in Chromium: a developer registers a server app on 我的应用 (a bad
 * redirect URI first, named on the form), sees its secret once, rotates it on a phone; a reader
 * authorizes the app (consent, code exchange with that secret), finds it on 我授权的应用, and
 * revokes it, after which the app's token is refused. Screenshots (desktop and 390 px phones) go
 * to .test-results/screenshots/oauth-my-apps*.png and oauth-authorized-apps*.png; axe-core checks
 * each page and no page logs an error (the CSP allows no inline script or style).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { chromiumAvailable, launchChromium, screenshotPath, seriousAxeViolations } from '../helpers/browser.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { DEMO_CODE, newMobile } from '../helpers/web-client.js';
import { buildOauthApp, type OauthTestApp } from './helpers.js';

const available = chromiumAvailable('the open platform pages in Chromium');
const PHONE = { width: 390, height: 844 };

describe.skipIf(!available)(`open platform pages in a browser (db=${testDb}, redis=${testRedis})`, () => {
  let t: OauthTestApp;
  let browser: Browser;
  let callbackServer: http.Server;
  let REDIRECT: string;
  /** Where the reader's browser was sent back to (the app's callback). */
  let landed: string | undefined;
  let articleId: bigint;
  const errors: string[] = [];

  async function context(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport });
    ctx.on('page', (page) => {
      page.on('console', (message) => {
        // The form sent back with a problem answers 400 on purpose; Chromium logs every 4xx.
        if (message.type() === 'error' && !message.text().includes('status of 400'))
          errors.push(`${page.url()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(error.message));
    });
    return ctx;
  }

  async function signIn(page: Page, next: string): Promise<void> {
    await page.goto(`${t.origin}/login?next=${encodeURIComponent(next)}`);
    await page.locator('#mobile').fill(newMobile());
    await page.locator('#send-code').click();
    await expect.poll(() => page.locator('#login-message').textContent()).toContain('验证码已发送');
    await page.locator('#code').fill(DEMO_CODE);
    await page.locator('#sms-login button.primary').click();
    await page.waitForURL(`${t.origin}${next}`);
  }

  async function checked(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: screenshotPath(name), fullPage: true });
    expect(await seriousAxeViolations(page), name).toEqual([]);
    // Nothing of these pages is wider than the screen (a phone must not scroll sideways for them).
    const overflow = await page.evaluate(
      "Math.max(0, ...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right)) - document.documentElement.clientWidth",
    );
    expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(0);
    // The header too: with the reader's name beside the search box it used to push the page sideways.
    const pageOverflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(pageOverflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  }

  beforeAll(async () => {
    t = await buildOauthApp();
    const channel = await newChannel(t.platform, { name: '开放平台', is_default: 1 });
    const author = await newUser(t.platform, { name: '平台作者' });
    articleId = (await newArticle(t.platform, { user_id: author.id, channel_id: channel.id })).id;
    callbackServer = http.createServer((request, response) => {
      if (request.url?.startsWith('/cb')) landed = `${REDIRECT.slice(0, REDIRECT.indexOf('/cb'))}${request.url}`;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('the app');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    REDIRECT = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/cb`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    callbackServer?.close();
    await t?.close();
  });

  let clientId: string;
  let secret: string;
  let developerName: string;

  it('registers a server app on 我的应用, names a bad field, shows the secret once, rotates it on a phone', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, '/me');
    developerName = (await page.locator('#name').inputValue()).trim();
    await page.locator('.me-tabs a', { hasText: '我的应用' }).click();
    await page.waitForURL(`${t.origin}/me/developer/apps`);
    expect(await page.locator('main').textContent()).toContain('你还没有注册应用。');
    await checked(page, 'oauth-my-apps');

    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    await page.locator('#app-name').fill('墨石读书');
    await page.locator('#app-redirect-uris').fill(`${REDIRECT}#top`);
    await page.locator('#app-logo-uri').fill(`${t.origin}${icon}`);
    await page.locator('#app-kind-confidential').check();
    await page.locator('form[action="/me/developer/apps"] button.primary').click();
    await page.waitForSelector('#form-problems');
    expect(await page.locator('#form-problems').textContent()).toContain('回调地址：第 1 行');
    expect(await page.locator('#app-redirect-uris').getAttribute('aria-invalid')).toBe('true');
    // What was typed is still there.
    expect(await page.locator('#app-name').inputValue()).toBe('墨石读书');
    await checked(page, 'oauth-my-apps-error');

    await page.locator('#app-redirect-uris').fill(`${REDIRECT}\nhttps://reader.example/callback`);
    await page.locator('#app-kind-confidential').check();
    await page.locator('form[action="/me/developer/apps"] button.primary').click();
    await page.waitForSelector('#client-secret');
    secret = (await page.locator('#client-secret').textContent())!.trim();
    clientId = (await page.locator('#client-id').textContent())!.trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(await page.locator('.oauth-secret').textContent()).toContain('只显示这一次');
    await checked(page, 'oauth-my-apps-secret');
    // Once: a reload shows the app without it.
    await page.reload();
    expect(await page.locator('#client-secret').count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('客户端密钥只在注册和轮换后显示一次。');

    // On a phone: the list, then a rotation, whose new secret shows once there.
    const phone = await (await context(PHONE)).newPage();
    await phone.context().addCookies(await ctx.cookies());
    await phone.goto(`${t.origin}/me/developer/apps`);
    expect(await phone.locator('.oauth-apps h3').textContent()).toContain('墨石读书');
    await checked(phone, 'oauth-my-apps-phone');
    await phone.locator('.oauth-apps h3 a').click();
    await phone.locator('form[action$="/secret"] button').click();
    await phone.waitForSelector('#client-secret');
    const rotated = (await phone.locator('#client-secret').textContent())!.trim();
    expect(rotated).not.toBe(secret);
    secret = rotated;
    await checked(phone, 'oauth-my-apps-secret-phone');
    await phone.context().close();
    await ctx.close();
  }, 120_000);

  it('lets a reader authorize the app, list it on 我授权的应用 and revoke it: its token stops working', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, '/');

    // The app sends the reader to consent; the code comes back to its callback and it exchanges it.
    const verifier = randomBytes(32).toString('base64url');
    const resource = `${t.origin}/api`;
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid profile articles:read',
      state: 'journey',
      resource,
      prompt: 'consent',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    landed = undefined;
    await page.goto(`${t.origin}/oauth/auth?${query}`);
    await page.waitForURL(/\/oauth\/interaction\//);
    expect(await page.locator('h1').textContent()).toContain('墨石读书');
    expect(await page.locator('main').textContent()).toContain(`开发者：${developerName}`);
    await page.locator('#oauth-allow').click();
    await expect.poll(() => landed, { timeout: 15_000 }).toBeDefined();
    const code = new URL(landed!).searchParams.get('code')!;
    const exchanged = await fetch(`${t.origin}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        resource,
      }).toString(),
    });
    expect(exchanged.status, await exchanged.clone().text()).toBe(200);
    const { access_token: token } = (await exchanged.json()) as { access_token: string };
    const read = () =>
      fetch(`${t.origin}/app/v1_0/articles/${articleId}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(200);

    await page.goto(`${t.origin}/me`);
    await page.locator('.me-tabs a', { hasText: '我授权的应用' }).click();
    await page.waitForURL(`${t.origin}/me/apps`);
    const item = page.locator('.oauth-apps > li');
    expect(await item.count()).toBe(1);
    const text = await item.textContent();
    expect(text).toContain('墨石读书');
    expect(text).toContain(`开发者：${developerName}`);
    expect(text).toContain('读取你的昵称和头像');
    expect(text).toContain('读取文章');
    expect(
      await item.locator('img.oauth-logo').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    await checked(page, 'oauth-authorized-apps');

    const phone = await (await context(PHONE)).newPage();
    await phone.context().addCookies(await ctx.cookies());
    await phone.goto(`${t.origin}/me/apps`);
    await checked(phone, 'oauth-authorized-apps-phone');
    // In English, by the footer's switch.
    await phone.locator('footer a[hreflang="en"]').click();
    await phone.waitForURL(`${t.origin}/me/apps`);
    expect(await phone.locator('main h2').textContent()).toBe('My authorized apps');
    expect(await phone.locator('.oauth-apps').textContent()).toContain('Read articles');
    await checked(phone, 'oauth-authorized-apps-phone-en');
    await phone.context().close();

    await item.getByRole('button', { name: '撤销授权：墨石读书' }).click();
    await page.waitForURL(`${t.origin}/me/apps?revoked=1`);
    expect(await page.locator('[role="status"]').textContent()).toContain('已撤销授权');
    expect(await page.locator('.oauth-apps').count()).toBe(0);
    await checked(page, 'oauth-authorized-apps-revoked');
    expect((await read()).status).toBe(401);
    await ctx.close();
    expect(errors).toEqual([]);
  }, 120_000);
});
