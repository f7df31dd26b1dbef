/**
 * A real browser (Debian's Chromium through playwright-core; no browser download) walks the
 * embedded simulator: order an article, open the cashier, pay, come back through the return URL,
 * then read the full content. Skipped with a note when /usr/bin/chromium is missing, except under
 * CI=true, where it must run (CI installs it: `apt-get install -y chromium`).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis, type TestApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { parseBody } from '../helpers/json.js';
import { freePort } from '../helpers/private-services.js';
import { buildPaymentsApp, paidArticle, PARAGRAPHS, signIn } from './helpers.js';

const available = chromiumAvailable('the payments browser test');

describe.skipIf(!available)(`payments in a browser (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await buildPaymentsApp({}, { env: { PUBLIC_URL: origin } });
    await t.app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('buys an article through the simulator’s cashier and then reads it in full', async () => {
    const author = await signIn(t, { mp: true });
    const reader = await signIn(t);
    const content = PARAGRAPHS.join('');
    const article = await paidArticle(t, author.userId, 1230, content);
    const price = { id: article.id, authorId: author.userId, priceCents: 1230 };
    expect((await t.services.payments.contentAccess(reader.userId, price)).full).toBe(false);

    const response = await fetch(`${origin}/app/v1_0/orders`, {
      method: 'POST',
      headers: { ...reader.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'article', article_id: String(article.id), channel: 'pc' }),
    });
    expect(response.status).toBe(201);
    const order = parseBody(await response.text()).data;

    const page = await browser.newPage();
    await page.goto(order.pay_url);
    expect(await page.textContent('#amount')).toBe('¥12.30');
    expect(await page.textContent('#out-trade-no')).toBe(String(order.id));
    await Promise.all([page.waitForURL(`${origin}/payments/result?**`), page.click('#pay')]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('status')).toBe('paid');
    expect(landed.searchParams.get('order_id')).toBe(String(order.id));
    expect(await page.getAttribute('#status', 'data-status')).toBe('paid');
    await page.close();

    const got = await fetch(`${origin}/app/v1_0/orders/${order.id}`, { headers: reader.headers });
    expect(parseBody(await got.text()).data.status).toBe('paid');
    const access = await t.services.payments.contentAccess(reader.userId, price);
    expect(access).toEqual({ full: true, priceCents: 1230, purchased: true });
    const stored = await t.platform.db
      .selectFrom('article_contents')
      .select('content')
      .where('article_id', '=', article.id)
      .executeTakeFirstOrThrow();
    const shown = access.full ? stored.content : t.services.payments.previewOf(stored.content);
    expect(shown).toBe(content);
    expect(shown).toContain('Paragraph 6');
  });
});
