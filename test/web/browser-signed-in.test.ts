/**
 * A signed-in reader's journey in Chromium (issue 14): sign in with the demo code (the SMS button
 * counts down), like, collect and follow without a reload (and with JavaScript off, by plain
 * forms), comment and reply, buy a paid article through the payment simulator and come back to
 * the full text, watch a notification arrive live on the notifications page, sign out.
 * Screenshots go to .test-results/screenshots/; axe-core checks the signed-in pages.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { testDb, testRedis, type TestApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium, screenshotPath, seriousAxeViolations } from '../helpers/browser.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { freePort } from '../helpers/private-services.js';
import { DEMO_CODE, newMobile, WebClient } from '../helpers/web-client.js';
import { buildPaymentsApp, paidArticle } from '../payments/helpers.js';

const available = chromiumAvailable('the signed-in reader browser test');

describe.skipIf(!available)(`signed-in reader in a browser (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  let authorId: bigint;
  let storyId: bigint;
  let paidId: bigint;

  async function context(options: BrowserContextOptions = {}): Promise<{ ctx: BrowserContext; errors: string[] }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const errors: string[] = [];
    ctx.on('page', (page) => {
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
    });
    return { ctx, errors };
  }

  /** Signs in through the page, as a person would: number, "get code", code, "sign in". */
  async function signIn(page: Page, mobile: string, next = '/'): Promise<void> {
    await page.goto(`${origin}/login?next=${encodeURIComponent(next)}`);
    await page.locator('#mobile').fill(mobile);
    await page.locator('#send-code').click();
    await expect.poll(() => page.locator('#login-message').textContent()).toContain('验证码已发送');
    // The minute before another code may be asked for is counted down on the button.
    expect(await page.locator('#send-code').isDisabled()).toBe(true);
    expect(await page.locator('#send-code').textContent()).toMatch(/\d+ 秒后重发/);
    await page.locator('#code').fill(DEMO_CODE);
    await page.locator('#sms-login button.primary').click();
    await page.waitForURL(`${origin}${next}`);
  }

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await buildPaymentsApp({}, { env: { PUBLIC_URL: origin, LOG_LEVEL: 'silent' } });
    const channel = await newChannel(t.platform, { name: '推荐阅读', is_default: 1 });
    const author = await newUser(t.platform, { name: '墨石作者' });
    authorId = author.id;
    const story = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: '登录以后：点赞、收藏和评论',
      content: '<p>这是一篇用来检查登录后功能的文章。</p>',
    });
    storyId = story.id;
    paidId = (await paidArticle(t, author.id, 600)).id;
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in with the demo code, likes, collects, follows, comments and replies', async () => {
    const { ctx, errors } = await context();
    const page = await ctx.newPage();
    await signIn(page, newMobile(), `/articles/${storyId}`);
    await page.screenshot({ path: screenshotPath('web-article-signed-in') });

    const like = page.locator(`form[action="/articles/${storyId}/like"] button`);
    await like.click();
    await expect.poll(() => like.getAttribute('aria-pressed')).toBe('true');
    expect(await like.locator('.count').textContent()).toBe('1');
    const collect = page.locator(`form[action="/articles/${storyId}/collect"] button`);
    await collect.click();
    await expect.poll(() => collect.getAttribute('aria-pressed')).toBe('true');
    const follow = page.locator(`form[action="/users/${authorId}/follow"] button`);
    await follow.click();
    await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('true');
    // No reload happened: still the same document, and the server agrees after one.
    await page.reload();
    expect(await like.getAttribute('aria-pressed')).toBe('true');
    expect(await collect.getAttribute('aria-pressed')).toBe('true');

    await page.locator('#comment-box').fill('写得很好，学到了。');
    await page.locator('.comment-form button').click();
    await page.waitForURL(/#c\d+$/);
    expect(await page.locator('.comments .comment').first().textContent()).toContain('写得很好');
    await page.locator('.comments .comment a', { hasText: '回复' }).first().click();
    await page.waitForURL(/\/comments\/\d+$/);
    await page.locator('#comment-box').fill('同意楼上。');
    await page.locator('.comment-form button').click();
    await page.waitForURL(/#c\d+$/);
    expect(await page.locator('.replies .comment').first().textContent()).toContain('同意楼上');
    await page.screenshot({ path: screenshotPath('web-replies'), fullPage: true });

    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.goto(`${origin}/articles/${storyId}`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('works with JavaScript off: sign in and like by plain forms', async () => {
    const { ctx, errors } = await context({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const mobile = newMobile();
    await page.goto(`${origin}/login?next=${encodeURIComponent(`/articles/${storyId}`)}`);
    await page.locator('#mobile').fill(mobile);
    await page.locator('#send-code').click();
    await page.waitForURL(/sent=1/);
    expect(await page.locator('#login-message').textContent()).toContain(`验证码已发送至 ${mobile}`);
    await page.locator('#code').fill(DEMO_CODE);
    await page.locator('#sms-login button.primary').click();
    await page.waitForURL(`${origin}/articles/${storyId}`);
    await page.locator(`form[action="/articles/${storyId}/like"] button`).click();
    await page.waitForURL(/#actions$/);
    expect(await page.locator(`form[action="/articles/${storyId}/like"] button`).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await page.screenshot({ path: screenshotPath('web-article-mobile-nojs-signed-in') });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('buys a paid article through the simulator and comes back to the full text', async () => {
    const { ctx, errors } = await context();
    const page = await ctx.newPage();
    await signIn(page, newMobile(), `/articles/${paidId}`);
    expect(await page.locator('.paywall').textContent()).toContain('付费文章');
    await page.locator('.paywall button').click();
    await page.waitForURL(/\/payments\/simulator\/pay/);
    await page.screenshot({ path: screenshotPath('web-cashier') });
    await page.locator('button[value="pay"]').click();
    await page.waitForURL(/\/payments\/result/);
    expect(await page.locator('#status').getAttribute('data-status')).toBe('paid');
    await page.screenshot({ path: screenshotPath('web-pay-result') });
    await page.locator('.pay-result a').click();
    await page.waitForURL(`${origin}/articles/${paidId}`);
    expect(await page.locator('.paywall').textContent()).toContain('已购买');
    expect(await page.locator('.content p').count()).toBe(6);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('lets a moderator reject a pending article from the console, with the reason kept', async () => {
    const pending = await newArticle(t.platform, {
      user_id: authorId,
      channel_id: (await newChannel(t.platform)).id,
      title: '等待审核的文章',
      content: '<p>正文里有一个违禁词。</p>',
      status: ArticleStatus.pending,
      published_at: null,
      review_flags: ['违禁词'],
    });
    const { ctx, errors } = await context();
    const page = await ctx.newPage();
    const mobile = newMobile();
    await signIn(page, mobile);
    const me = (await t.services.users.accounts.findByMobile(mobile))!;
    await t.platform.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', me.id).execute();
    await page.goto(`${origin}/admin/`);
    expect(await page.locator('h1').textContent()).toBe('概览');
    expect(await page.locator('svg rect.bar').count()).toBe(180);
    await page.screenshot({ path: screenshotPath('console-dashboard'), fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.locator('a.tile').click();
    await page.waitForURL(`${origin}/admin/review`);
    await page.screenshot({ path: screenshotPath('console-review-queue') });
    await page.locator(`a[href="/admin/review/${pending.id}"]`).click();
    expect(await page.locator('mark').first().textContent()).toBe('违禁词');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.locator('#reason').fill('请删除违禁词后再提交');
    await page.screenshot({ path: screenshotPath('console-review-article'), fullPage: true });
    await page.locator('button[value="reject"]').click();
    await page.waitForURL(/done=reject/);
    expect(await page.locator('[role="status"]').textContent()).toBe('已处理。');
    const stored = await t.platform.db
      .selectFrom('articles')
      .select(['status', 'reject_reason'])
      .where('id', '=', pending.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: ArticleStatus.rejected, reject_reason: '请删除违禁词后再提交' });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('lets an admin refund an order from the console, and the ledger check stays OK', async () => {
    // A reader buys the paid article (over HTTP: the purchase in Chromium is the test above).
    const buyer = new WebClient(t.app);
    await buyer.signIn();
    await buyer.get(`/articles/${paidId}`);
    const cashier = await buyer.post(`/articles/${paidId}/buy`);
    await buyer.payAtCashier(cashier.headers.location as string);
    const paid = await t.platform.db
      .selectFrom('payment_orders')
      .select(['id', 'amount_cents'])
      .where('status', '=', 'paid')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const { ctx, errors } = await context({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const mobile = newMobile();
    await signIn(page, mobile);
    const me = (await t.services.users.accounts.findByMobile(mobile))!;
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', me.id).execute();
    await page.goto(`${origin}/admin/payments`);
    const row = page.locator(`form[action="/admin/payments/${paid!.id}/refund"]`);
    await row.locator('input[name="confirm"]').check();
    await row.locator('button').click();
    await page.waitForURL(/done=refund/);
    expect(page.url()).toContain('status=refunded');
    await page.screenshot({ path: screenshotPath('console-payments-mobile'), fullPage: true });
    await page.locator('form[action="/admin/payments/ledger-check"] button').click();
    await expect.poll(() => page.locator('#ledger p').getAttribute('data-ok')).toBe('true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const order = await t.platform.db
      .selectFrom('payment_orders')
      .select(['status', 'refunded_cents'])
      .where('id', '=', paid!.id)
      .executeTakeFirstOrThrow();
    expect(order).toEqual({ status: 'refunded', refunded_cents: paid!.amount_cents });
    for (const section of ['users', 'reports', 'announcements', 'system']) {
      await page.goto(`${origin}/admin/${section}`);
      expect(await seriousAxeViolations(page), section).toEqual([]);
      await page.screenshot({ path: screenshotPath(`console-${section}-mobile`), fullPage: true });
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('shows a notification live while the page is open, then signs out', async () => {
    const { ctx, errors } = await context();
    const page = await ctx.newPage();
    const mobile = newMobile();
    await signIn(page, mobile, '/me/notifications');
    const me = (await t.services.users.accounts.findByMobile(mobile))!;
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Someone follows this reader from another browser (the HTTP client here).
    const fan = new WebClient(t.app);
    await fan.signIn();
    await fan.get(`/users/${me.id}`);
    await fan.post(`/users/${me.id}/follow`, { on: '1' });
    await expect.poll(() => page.locator('#notifications li').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#notifications li').first().textContent()).toContain('关注了你');
    const shown = Date.parse((await page.locator('#notifications li time').first().getAttribute('datetime'))!);
    expect(Math.abs(shown - Date.now())).toBeLessThan(60_000);
    await page.screenshot({ path: screenshotPath('web-notifications-live') });

    for (const path of ['/me', '/me/devices']) {
      await page.goto(`${origin}${path}`);
      expect(await seriousAxeViolations(page)).toEqual([]);
    }
    await page.screenshot({ path: screenshotPath('web-me-devices') });
    await page.locator('header form[action="/logout"] button').click();
    await page.waitForURL(`${origin}/`);
    expect(await page.locator('header a.account').textContent()).toBe('登录');
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
