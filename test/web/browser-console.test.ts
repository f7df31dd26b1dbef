/**
 * The operator's console in Chromium (issue 15's journeys): a moderator rejects a pending article
 * and its author reads the reason in the MP API; a moderator cannot open payments or roles (the
 * API refuses too); an admin bans a reader whose open sessions stop working within a second; a
 * reindex started from the console shows its progress to the end. Every console screen is
 * screenshotted (desktop) to .test-results/screenshots/console-*.png and checked with axe-core.
 * The refund journey (ledger check OK after it) is in browser-signed-in.test.ts.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { testDb, testRedis, type TestApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium, screenshotPath, seriousAxeViolations } from '../helpers/browser.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { bearer, randomIp } from '../helpers/http.js';
import { mpAuthor, type Author } from '../helpers/mp-author.js';
import { freePort } from '../helpers/private-services.js';
import { DEMO_CODE, newMobile } from '../helpers/web-client.js';
import { buildPaymentsApp } from '../payments/helpers.js';

const available = chromiumAvailable('the console browser test');

describe.skipIf(!available)(`operator's console in a browser (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  let author: Author;
  let channelId: bigint;
  const contexts: BrowserContext[] = [];

  /** A signed-in browser page for a new user with `role`, and that user's app token (the API). */
  async function staffPage(role: 'user' | 'moderator' | 'admin') {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    const errors: string[] = [];
    const page = await ctx.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const mobile = newMobile();
    await page.goto(`${origin}/login`);
    await page.locator('#mobile').fill(mobile);
    await page.locator('#code').fill(DEMO_CODE);
    await page.locator('#sms-login button.primary').click();
    await page.waitForURL(`${origin}/`);
    const user = (await t.services.users.accounts.findByMobile(mobile))!;
    await t.platform.db.updateTable('users').set({ role }).where('id', '=', user.id).execute();
    const res = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      remoteAddress: randomIp(),
      payload: { mobile, code: DEMO_CODE },
    });
    return { page, errors, id: user.id, token: res.json().data.token as string };
  }

  async function screen(page: Page, name: string) {
    expect(await seriousAxeViolations(page), name).toEqual([]);
    await page.screenshot({ path: screenshotPath(`console-${name}`), fullPage: true });
  }

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await buildPaymentsApp({}, { env: { PUBLIC_URL: origin, LOG_LEVEL: 'silent' } });
    channelId = (await newChannel(t.platform, { name: '控制台频道', is_default: 1 })).id;
    author = await mpAuthor(t);
    // Enough articles that a reindex takes a moment (its progress is polled once a second).
    for (let i = 0; i < 400; i++)
      await newArticle(t.platform, {
        user_id: author.id,
        channel_id: channelId,
        title: `控制台测试文章 ${i} 墨石`,
        content: `<p>${'这是一段用来建立搜索索引的正文。'.repeat(20)}</p>`,
      });
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
    await browser?.close();
    await t?.close();
  });

  it('a moderator rejects a pending article; the author reads the reason in the MP API', async () => {
    const pending = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channelId,
      title: '控制台待审文章',
      content: '<p>正文里有一个违禁词。</p>',
      status: ArticleStatus.pending,
      published_at: null,
      review_flags: ['违禁词'],
    });
    const { page, errors } = await staffPage('moderator');
    await page.goto(`${origin}/admin/review`);
    await screen(page, 'review-bulk');
    await page.locator(`a[href="/admin/review/${pending.id}"]`).click();
    await page.locator('#reason').fill('标题与内容不符，请修改');
    await page.locator('button[value="reject"]').click();
    await page.waitForURL(/done=reject/);

    const mp = await t.app.inject({ url: `/mp/v1_0/articles/${pending.id}`, headers: bearer(author.mp) });
    expect(mp.json().data).toMatchObject({ status: ArticleStatus.rejected, reject_reason: '标题与内容不符，请修改' });
    expect(errors).toEqual([]);
  });

  it('keeps payments and roles from moderators: the pages and the API refuse', async () => {
    const { page, token } = await staffPage('moderator');
    const target = await staffPage('user');
    await page.goto(`${origin}/admin/`);
    expect(await page.locator('nav a[href="/admin/payments"]').count()).toBe(0);
    const payments = await page.goto(`${origin}/admin/payments`);
    expect(payments!.status()).toBe(403);
    expect(await page.locator('body').textContent()).toContain('仅限管理员');
    await screen(page, 'moderator-refused');
    await page.goto(`${origin}/admin/users/${target.id}`);
    expect(await page.locator(`form[action="/admin/users/${target.id}/role"]`).count()).toBe(0);
    await screen(page, 'user-moderator-view');

    const role = await t.app.inject({
      method: 'PUT',
      url: `/admin/v1_0/users/${target.id}/role`,
      headers: bearer(token),
      payload: { role: 'moderator' },
    });
    expect(role.statusCode).toBe(403);
    const refund = await t.app.inject({
      method: 'POST',
      url: '/admin/v1_0/orders/1/refunds',
      headers: bearer(token),
      payload: {},
    });
    expect(refund.statusCode).toBe(403);
  });

  it('an admin bans a reader whose open sessions stop working within a second', async () => {
    const reader = await staffPage('user');
    await reader.page.goto(`${origin}/me`);
    expect(reader.page.url()).toBe(`${origin}/me`);
    const { page, errors } = await staffPage('admin');
    await page.goto(`${origin}/admin/users/${reader.id}`);
    await screen(page, 'user-admin-view');
    await page.locator('#reason').fill('发布广告');
    await page.locator('button[value="ban"]').click();
    await page.waitForURL(/done=ban/);
    const banned = Date.now();
    // The reader's app token and browser session, asked again and again until refused.
    await expect
      .poll(async () => (await t.app.inject({ url: '/app/v1_0/user', headers: bearer(reader.token) })).statusCode, {
        timeout: 1000,
        interval: 50,
      })
      .toBe(403);
    await reader.page.goto(`${origin}/me`);
    expect(new URL(reader.page.url()).pathname).toBe('/login');
    expect(Date.now() - banned).toBeLessThan(1000 + 2000); // the page load itself included
    expect(await page.locator('#user-state').textContent()).toContain('已封禁');
    expect(errors).toEqual([]);
  });

  it('starts a reindex and shows its progress to the end', async () => {
    const { page, errors } = await staffPage('admin');
    await page.goto(`${origin}/admin/system`);
    await page.locator('a[href="/admin/operations"]').click();
    await page.waitForURL(`${origin}/admin/operations`);
    await page.locator('form[action="/admin/operations/reindex"] button').click();
    await page.waitForURL(/\/admin\/operations/);
    const box = page.locator('#op-reindex').locator('xpath=..');
    await page.screenshot({ path: screenshotPath('console-operations-running'), fullPage: true });
    // The script polls and, once the run has ended, reloads the page with the result.
    await expect
      .poll(async () => box.locator('[data-progress-state]').textContent(), { timeout: 30_000, interval: 200 })
      .toBe('已完成');
    expect(await box.locator('progress').getAttribute('value')).toBe('100');
    const [done, total] = (await box.locator('[data-progress-text]').textContent())!.split('/').map(Number);
    expect(done).toBe(total);
    // The result line: every article indexed (the last phase's own count is its vocabulary).
    const indexed = /indexed=(\d+)/.exec((await box.textContent())!)?.[1];
    expect(Number(indexed)).toBeGreaterThanOrEqual(400);
    await screen(page, 'operations-done');
    const found = await t.app.inject({ url: `/app/v1_0/search?q=${encodeURIComponent('墨石')}&per_page=1` });
    expect(found.json().data.total_count).toBeGreaterThanOrEqual(400);
    expect(errors).toEqual([]);
  });

  it('shows every other console screen without accessibility faults', async () => {
    const { page, errors } = await staffPage('admin');
    for (const [name, path] of [
      ['comments', '/admin/comments'],
      ['comments-reported', '/admin/comments?reported=1'],
      ['channels', '/admin/channels'],
      ['audit', '/admin/audit'],
      ['sensitive-words', '/admin/sensitive-words'],
      ['earnings', '/admin/payments/earnings'],
    ] as const) {
      const res = await page.goto(`${origin}${path}`);
      expect(res!.status(), path).toBe(200);
      await screen(page, name);
      // What the journeys above did is in the log.
      if (name === 'audit') expect(await page.locator('table.audit tbody tr').count()).toBeGreaterThanOrEqual(3);
    }
    // And on a phone: no page wider than the screen (wide lists scroll inside themselves).
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, path] of [
      ['dashboard', '/admin/'],
      ['review', '/admin/review'],
      ['comments', '/admin/comments'],
      ['channels', '/admin/channels'],
      ['audit', '/admin/audit'],
      ['operations', '/admin/operations'],
      ['sensitive-words', '/admin/sensitive-words'],
      ['payments', '/admin/payments'],
    ] as const) {
      await page.goto(`${origin}${path}`);
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(390);
      await screen(page, `${name}-mobile`);
    }
    expect(errors).toEqual([]);
  });
});
