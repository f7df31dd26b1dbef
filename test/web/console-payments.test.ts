/**
 * The console's payments (issue 15): orders filtered by status, buyer, author and date through the
 * URL; earnings per author from the ledger; a partial refund with confirmation that leaves the
 * ledger check OK and is audited. Through the payment simulator (the outside world's stand-in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newUser } from '../helpers/factories.js';
import { signedInAs } from '../helpers/web-client.js';
import { buildPaymentsApp, paidArticle } from '../payments/helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildPaymentsApp();
});
afterAll(async () => {
  await t?.close();
});

const signedIn = (role: 'user' | 'admin' = 'user') => signedInAs(t, role);

/** Today in the platform's zone, as the console's date filters read it (YYYY-MM-DD). */
const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: t.config.timeZone }).format(new Date());

describe(`console payments (db=${testDb}, redis=${testRedis})`, () => {
  it('filters orders, shows earnings per author, refunds part of one and the ledger still balances', async () => {
    const author = await newUser(t.platform, { name: '收入作者' });
    const other = await newUser(t.platform);
    const reader = await signedIn();
    const story = await paidArticle(t, author.id, 1000);
    await reader.browser.get(`/articles/${story.id}`);
    const buy = await reader.browser.post(`/articles/${story.id}/buy`);
    expect(buy.statusCode).toBe(303);
    await reader.browser.payAtCashier(buy.headers.location as string);

    const admin = await signedIn('admin');
    const mine = await admin.browser.get(
      `/admin/payments?status=paid&author=${author.id}&from=${today()}&to=${today()}`,
    );
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain(`href="/admin/users/${reader.id}"`);
    expect(mine.body).toContain('¥10.00');
    // The filters stay in the form (and so in the URL of the next page).
    expect(mine.body).toContain(`name="author" value="${author.id}"`);
    expect((await admin.browser.get(`/admin/payments?author=${other.id}`)).body).not.toContain(
      `href="/admin/users/${reader.id}"`,
    );
    expect((await admin.browser.get(`/admin/payments?author=${author.id}&from=2999-01-01`)).body).not.toContain(
      `href="/admin/users/${reader.id}"`,
    );
    expect((await admin.browser.get(`/admin/payments?buyer=${reader.id}`)).body).toContain('¥10.00');
    const bad = await admin.browser.get('/admin/payments?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('from');

    const earnings = await admin.browser.get('/admin/payments/earnings');
    expect(earnings.statusCode).toBe(200);
    const row = new RegExp(`收入作者</a></td>\\s*<td>(¥[0-9.]+)</td>\\s*<td>¥0.00</td>`).exec(earnings.body);
    expect(row, earnings.body).not.toBeNull();
    const earned = Number(row![1]!.slice(1));
    expect(earned).toBeGreaterThan(0);
    expect(earned).toBeLessThanOrEqual(10);

    const order = await t.platform.db
      .selectFrom('payment_orders')
      .select('id')
      .where('author_id', '=', author.id)
      .executeTakeFirstOrThrow();
    // No confirmation, no refund.
    expect((await admin.browser.post(`/admin/payments/${order.id}/refund`, { yuan: '4' })).statusCode).toBe(400);
    const refunded = await admin.browser.post(`/admin/payments/${order.id}/refund`, { yuan: '4', confirm: '1' });
    expect(refunded.statusCode).toBe(303);
    const after = await t.platform.db
      .selectFrom('payment_orders')
      .select(['status', 'refunded_cents'])
      .where('id', '=', order.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'paid', refunded_cents: 400 });
    await admin.browser.get('/admin/payments');
    const checked = await admin.browser.post('/admin/payments/ledger-check');
    expect(checked.body).toContain('data-ok="true"');
    const earningsAfter = await admin.browser.get('/admin/payments/earnings');
    expect(earningsAfter.body).toMatch(new RegExp(`收入作者</a></td>\\s*<td>¥[0-9.]+</td>\\s*<td>¥[1-9][0-9.]*</td>`));
    const log = await admin.browser.get(`/admin/audit?action=order.refund&target_id=${order.id}`);
    expect(log.body).toContain('&quot;amount_cents&quot;:400');
  });
});
