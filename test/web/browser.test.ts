/**
 * The reader site in Chromium (Debian's, through playwright-core): pages render with their
 * stylesheet under the strict CSP (a violation would be a console error), read and page through a
 * channel with JavaScript off on a phone-sized screen, follow links, show the error page, and
 * switch to dark colours. Screenshots of each go to .test-results/screenshots/ for a person to
 * look at.
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium, screenshotPath, seriousAxeViolations } from '../helpers/browser.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { freePort } from '../helpers/private-services.js';

const available = chromiumAvailable('the reader site browser test');

const CONTENT =
  '<p>墨石是一个自托管的资讯与博客社区。这是一段用来检查中文排版的正文，包含<strong>加粗</strong>和<a href="https://example.com">链接</a>。</p>' +
  '<h2>小标题</h2><p>第二段正文。Inkstone renders mixed Chinese and English text.</p>' +
  '<pre><code>const answer = 42;</code></pre>';

describe.skipIf(!available)(`reader site in a browser (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  let channelId: bigint;
  let ids: bigint[];

  async function open(url: string, options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}${url}`, { waitUntil: 'networkidle' });
    return { page, errors };
  }

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await buildTestApp({ PUBLIC_URL: origin });
    const channel = await newChannel(t.platform, { name: '前端', is_default: 1 });
    channelId = channel.id;
    const author = await newUser(t.platform, { name: '墨石作者' });
    ids = [];
    for (let i = 0; i < 12; i++) {
      const row = await newArticle(t.platform, {
        user_id: author.id,
        channel_id: channel.id,
        title: `第 ${i + 1} 篇：浏览器里的服务端渲染`,
        content: CONTENT,
        published_at: Date.now() - (i + 1) * 60_000,
      });
      ids.push(row.id);
    }
    for (const id of ids) await t.services.search.indexArticle(id);
    await t.services.search.refreshVocabulary();
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders home with its stylesheet under the CSP, and follows a link to an article', async () => {
    const { page, errors } = await open('/');
    expect(await page.title()).toBe('Inkstone 墨石');
    // The external stylesheet applied (the brand colour comes from it alone).
    expect(await page.evaluate("getComputedStyle(document.querySelector('.brand')).color")).toBe('rgb(199, 22, 30)');
    await page.screenshot({ path: screenshotPath('web-home-desktop') });
    await page.locator(`a[href="/articles/${ids[0]}"]`).first().click();
    await page.waitForURL(`${origin}/articles/${ids[0]}`);
    expect(await page.locator('h1').textContent()).toBe('第 1 篇：浏览器里的服务端渲染');
    expect(await page.locator('.content h2').textContent()).toBe('小标题');
    await page.screenshot({ path: screenshotPath('web-article-desktop'), fullPage: true });
    await page.locator('.author a', { hasText: '墨石作者' }).click();
    await page.waitForURL(/\/users\/\d+$/);
    expect(await page.locator('h1').textContent()).toBe('墨石作者');
    await page.screenshot({ path: screenshotPath('web-profile-desktop') });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reads and pages a channel with JavaScript off on a phone', async () => {
    const { page, errors } = await open(`/channels/${channelId}`, {
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    expect(await page.locator('.feed .card').count()).toBe(10);
    await page.screenshot({ path: screenshotPath('web-channel-mobile-nojs') });
    await page.locator('a[rel="next"]').click();
    await page.waitForURL(/\?t=/);
    expect(await page.locator('.feed .card').count()).toBe(2);
    expect(await page.locator('a[rel="next"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('with JavaScript, loads the next page as the reader scrolls and suggests words while typing', async () => {
    const { page, errors } = await open(`/channels/${channelId}`);
    // Ten on the page; the next two arrive once the end of the list is near (here, at once).
    await page.mouse.wheel(0, 5_000);
    // Polled from here: the page's CSP forbids the string evaluation waitForFunction relies on.
    await expect.poll(() => page.locator('.feed .card').count()).toBe(12);
    expect(await page.locator('a.more').count()).toBe(0);

    const suggested = (await (await fetch(`${origin}/app/v1_0/suggestion?q=${encodeURIComponent('浏览')}`)).json()) as {
      data: { options: string[] };
    };
    expect(suggested.data.options.length).toBeGreaterThan(0);
    await page.locator('form.search input').pressSequentially('浏览');
    await expect.poll(() => page.locator('#search-suggestions option').count()).toBeGreaterThan(0);
    const options = await page.evaluate(
      "[...document.querySelectorAll('#search-suggestions option')].map((o) => o.value)",
    );
    expect(options).toEqual(suggested.data.options.filter(Boolean));
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('brings new stories to the top of a feed when the reader comes back to it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // A fake clock, so "away for more than 30 s" takes no time.
    await context.clock.install();
    const page = await context.newPage();
    await page.goto(`${origin}/channels/${channelId}`, { waitUntil: 'networkidle' });
    const first = () => page.locator('ol.feed > li h2 a').first().textContent();
    expect(await first()).toBe('第 1 篇：浏览器里的服务端渲染');

    const author = (await t.services.articles.cards([ids[0]!]))[0]!.user_id;
    const fresh = await newArticle(t.platform, {
      user_id: author,
      channel_id: channelId,
      title: '刚刚发布：回到页面就能看到',
      published_at: Date.now(),
    });
    t.platform.events.publish('article.changed', { articleId: fresh.id, visible: true, at: Date.now() });
    const visibility = (state: 'hidden' | 'visible') =>
      page.evaluate(
        `Object.defineProperty(document, 'visibilityState', { value: '${state}', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`,
      );
    await visibility('hidden');
    await page.clock.fastForward(31_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the server's one-second page reuse
    await visibility('visible');
    await expect.poll(first).toBe('刚刚发布：回到页面就能看到');
    // Only what was new is added (the list may have grown at its end by scrolling, too).
    expect(await page.locator('ol.feed > li h2 a', { hasText: '刚刚发布' }).count()).toBe(1);
    expect(await page.locator('ol.feed > li h2 a', { hasText: '第 1 篇' }).count()).toBe(1);
    await context.close();
  });

  it('has no serious or critical accessibility violation (axe-core) on the main pages, light and dark', async () => {
    const author = (await t.services.articles.cards([ids[0]!]))[0]!.user_id;
    const pages = ['/', `/channels/${channelId}`, `/articles/${ids[0]}`, `/users/${author}`, '/search?q=浏览', '/nope'];
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const url of pages) {
        const { page } = await open(url, { colorScheme });
        found.push(...(await seriousAxeViolations(page)).map((v) => `${colorScheme} ${url} ${v}`));
        await page.context().close();
      }
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('shows the error page for an unknown address, and dark colours when the system asks', async () => {
    const missing = await open('/no/such/page');
    expect(await missing.page.locator('h1').textContent()).toBe('页面不存在');
    await missing.page.screenshot({ path: screenshotPath('web-404') });
    await missing.page.context().close();

    const { page, errors } = await open(`/articles/${ids[1]}`, { colorScheme: 'dark' });
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(22, 24, 28)');
    await page.screenshot({ path: screenshotPath('web-article-dark') });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
