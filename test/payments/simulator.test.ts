/**
 * The embedded default: the payment simulator plays Alipay (pay page, signed notify and return,
 * gateway for query/close/refund). Orders, their rules, earnings, refunds and the ledger check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/modules/payments/ledger-check.js';
import { AlipaySimulator } from '../../src/platform/payments/alipay-simulator.js';
import { MemoryKeyValueStore } from '../../src/platform/kv/memory-kv.js';
import { testDb, testRedis, type TestApp } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { balances, buildPaymentsApp, createOrder, paidArticle, PARAGRAPHS, signIn, type TestUser } from './helpers.js';

let t: TestApp;

/** Walks the simulator's cashier like a browser: open the pay URL, press a button, follow the return. */
async function payThroughSimulator(payUrl: string, action: 'pay' | 'cancel' = 'pay') {
  const url = new URL(payUrl);
  const page = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
  expect(page.statusCode).toBe(200);
  const request = /name="request" value="([^"]*)"/
    .exec(page.body)![1]!
    .replaceAll('&amp;', '&')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  const acted = await t.app.inject({
    method: 'POST',
    url: url.pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ request, action }).toString(),
  });
  expect(acted.statusCode).toBe(302);
  const back = new URL(acted.headers.location as string);
  const returned = await t.app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
  expect(returned.statusCode).toBe(302);
  return { page, location: new URL(returned.headers.location as string) };
}

describe(`payments through the simulator (db=${testDb}, redis=${testRedis})`, () => {
  let author: TestUser;
  let reader: TestUser;

  beforeAll(async () => {
    t = await buildPaymentsApp({}, { env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } });
    author = await signIn(t, { mp: true });
    reader = await signIn(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('buys an article: order, cashier, notify, return, full content', async () => {
    const article = await paidArticle(t, author.userId, 1230);
    const before = await t.services.payments.contentAccess(reader.userId, {
      id: article.id,
      authorId: author.userId,
      priceCents: 1230,
    });
    expect(before).toEqual({ full: false, priceCents: 1230, purchased: false });

    const created = await createOrder(t, reader, { kind: 'article', article_id: String(article.id), channel: 'pc' });
    expect(created.statusCode).toBe(201);
    const order = parseBody(created.body).data;
    expect(order).toMatchObject({ kind: 'article', status: 'pending', amount: 1230, currency: 'CNY', reused: false });
    expect(order.pay_url).toContain('/payments/simulator/pay?');
    expect(order.pay_url).toContain('method=alipay.trade.page.pay');

    const { page, location } = await payThroughSimulator(order.pay_url);
    expect(page.body).toContain('¥12.30');
    expect(location.pathname).toBe('/payments/result');
    expect(location.searchParams.get('status')).toBe('paid');
    expect(location.searchParams.get('order_id')).toBe(String(order.id));

    const after = await t.services.payments.contentAccess(reader.userId, {
      id: article.id,
      authorId: author.userId,
      priceCents: 1230,
    });
    expect(after).toEqual({ full: true, priceCents: 1230, purchased: true });
    const got = await t.app.inject({ url: `/app/v1_0/orders/${order.id}`, headers: reader.headers });
    expect(parseBody(got.body).data.status).toBe('paid');
  });

  it('cancelling at the cashier closes the order: status failed, nothing paid, and a new order can start', async () => {
    const buyer = await signIn(t);
    const article = await paidArticle(t, author.userId, 990);
    const created = parseBody(
      (await createOrder(t, buyer, { kind: 'article', article_id: String(article.id), channel: 'wap' })).body,
    ).data;
    expect(created.pay_url).toContain('method=alipay.trade.wap.pay');
    const { location } = await payThroughSimulator(created.pay_url, 'cancel');
    expect(location.searchParams.get('status')).toBe('failed');
    const order = parseBody(
      (await t.app.inject({ url: `/app/v1_0/orders/${created.id}`, headers: buyer.headers })).body,
    ).data;
    expect(order.status).toBe('closed');
    const again = parseBody(
      (await createOrder(t, buyer, { kind: 'article', article_id: String(article.id) })).body,
    ).data;
    expect(again.id).not.toBe(created.id);
    expect(again.reused).toBe(false);
  });

  it('the cashier checks our request signature: a tampered pay URL is refused', async () => {
    const buyer = await signIn(t);
    const article = await paidArticle(t, author.userId, 5000);
    const created = parseBody(
      (await createOrder(t, buyer, { kind: 'article', article_id: String(article.id) })).body,
    ).data;
    const url = new URL(created.pay_url);
    const biz = JSON.parse(url.searchParams.get('biz_content')!);
    url.searchParams.set('biz_content', JSON.stringify({ ...biz, total_amount: '0.01' }));
    const page = await t.app.inject({ url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('invalid signature');
    url.searchParams.set('biz_content', JSON.stringify(biz));
    url.searchParams.set('sign_type', 'RSA');
    expect((await t.app.inject({ url: `${url.pathname}${url.search}` })).statusCode).toBe(400);
  });

  it('order rules: own article, self tip, tip bounds, free and unknown articles, ownership, reuse', async () => {
    const buyer = await signIn(t);
    const article = await paidArticle(t, author.userId, 300);
    const free = await paidArticle(t, author.userId, 0);

    expect((await createOrder(t, author, { kind: 'article', article_id: String(article.id) })).statusCode).toBe(400);
    expect(
      (await createOrder(t, author, { kind: 'tip', author_id: String(author.userId), amount: 100 })).statusCode,
    ).toBe(400);
    for (const amount of [0, -1, -100, 50_001, 1e12, 2.5, 'lots']) {
      const res = await createOrder(t, buyer, { kind: 'tip', author_id: String(author.userId), amount });
      expect(res.statusCode, `tip ${amount}`).toBe(400);
    }
    expect((await createOrder(t, buyer, { kind: 'tip', author_id: String(author.userId) })).statusCode).toBe(400);
    expect((await createOrder(t, buyer, { kind: 'tip', author_id: '123456789', amount: 100 })).statusCode).toBe(404);
    expect((await createOrder(t, buyer, { kind: 'article', article_id: String(free.id) })).statusCode).toBe(400);
    expect((await createOrder(t, buyer, { kind: 'article', article_id: '99999999999' })).statusCode).toBe(404);
    expect((await createOrder(t, buyer, { kind: 'article' })).statusCode).toBe(400);
    expect((await createOrder(t, buyer, { kind: 'gift', article_id: String(article.id) })).statusCode).toBe(400);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/app/v1_0/orders',
          payload: { kind: 'tip', author_id: String(author.userId), amount: 100 },
        })
      ).statusCode,
    ).toBe(401);

    // Five at once for the same article: one pending order, shared.
    const created = await Promise.all(
      Array.from({ length: 5 }, () => createOrder(t, buyer, { kind: 'article', article_id: String(article.id) })),
    );
    expect(created.map((c) => c.statusCode)).toEqual([201, 201, 201, 201, 201]);
    const ids = new Set(created.map((c) => String(parseBody(c.body).data.id)));
    expect(ids.size).toBe(1);
    expect(created.filter((c) => parseBody(c.body).data.reused === false)).toHaveLength(1);
    const pending = await t.platform.db
      .selectFrom('payment_orders')
      .select('id')
      .where('buyer_id', '=', buyer.userId)
      .where('article_id', '=', article.id)
      .execute();
    expect(pending).toHaveLength(1);

    await payThroughSimulator(parseBody(created[0]!.body).data.pay_url);
    const owned = await createOrder(t, buyer, { kind: 'article', article_id: String(article.id) });
    expect(owned.statusCode).toBe(409);

    // A tip for an article goes to its author; the article must be theirs.
    const other = await signIn(t);
    expect(
      (
        await createOrder(t, buyer, {
          kind: 'tip',
          author_id: String(other.userId),
          article_id: String(article.id),
          amount: 100,
        })
      ).statusCode,
    ).toBe(400);
    const forArticle = parseBody(
      (await createOrder(t, other, { kind: 'tip', article_id: String(article.id), amount: 100 })).body,
    ).data;
    expect(forArticle).toMatchObject({ kind: 'tip', amount: 100 });
    expect([String(forArticle.author_id), String(forArticle.article_id)]).toEqual([
      String(author.userId),
      String(article.id),
    ]);

    // A tip: any amount within the bounds, several allowed.
    const tip = await createOrder(t, buyer, { kind: 'tip', author_id: String(author.userId), amount: 50_000 });
    expect(tip.statusCode).toBe(201);
    expect(parseBody(tip.body).data).toMatchObject({
      kind: 'tip',
      amount: 50_000,
      article_id: null,
      status: 'pending',
    });
    const { location } = await payThroughSimulator(parseBody(tip.body).data.pay_url);
    expect(location.searchParams.get('status')).toBe('paid');

    // Mine only: someone else's order is not found; the list is newest first.
    const stranger = await signIn(t);
    expect((await t.app.inject({ url: `/app/v1_0/orders/${[...ids][0]}`, headers: stranger.headers })).statusCode).toBe(
      404,
    );
    const list = parseBody((await t.app.inject({ url: '/app/v1_0/orders', headers: buyer.headers })).body).data;
    expect(list.total_count).toBe(2);
    expect(list.results.map((o: { kind: string; status: string }) => `${o.kind}:${o.status}`)).toEqual([
      'tip:paid',
      'article:paid',
    ]);
  });

  it('paid content: author and buyers read in full, others get a well-formed preview', async () => {
    const article = await paidArticle(t, author.userId, 100);
    const info = { id: article.id, authorId: author.userId, priceCents: 100 };
    expect(await t.services.payments.contentAccess(null, info)).toEqual({
      full: false,
      priceCents: 100,
      purchased: false,
    });
    expect(await t.services.payments.contentAccess(author.userId, info)).toEqual({
      full: true,
      priceCents: 100,
      purchased: false,
    });
    expect(await t.services.payments.contentAccess(reader.userId, { ...info, priceCents: 0 })).toEqual({
      full: true,
      priceCents: 0,
      purchased: false,
    });
    const preview = t.services.payments.previewOf(PARAGRAPHS.join(''));
    expect(preview.startsWith('<p>Paragraph 1')).toBe(true);
    expect(preview).not.toContain('Paragraph 3');
    expect((preview.match(/<p>/g) ?? []).length).toBe((preview.match(/<\/p>/g) ?? []).length);
  });

  it('earnings (MP), refunds through the simulator gateway, and a balanced ledger', async () => {
    const buyer = await signIn(t);
    const admin = await signIn(t, { role: 'admin' });
    const article = await paidArticle(t, author.userId, 2000);
    const order = parseBody(
      (await createOrder(t, buyer, { kind: 'article', article_id: String(article.id) })).body,
    ).data;
    await payThroughSimulator(order.pay_url);

    const summary = parseBody((await t.app.inject({ url: '/mp/v1_0/earnings', headers: author.headers })).body).data;
    expect(summary.currency).toBe('CNY');
    expect(summary.balance).toBe(summary.earned - summary.refunded);
    expect(summary.article_sales).toBeGreaterThanOrEqual(3);
    expect(summary.tips).toBe(1);
    // 10 % default fee: the author is credited 90 % of 12.30 + 3.00 + 500.00 + 20.00.
    expect(summary.earned).toBe(1230 - 123 + 300 - 30 + 50_000 - 5_000 + 2000 - 200);
    expect((await t.app.inject({ url: '/mp/v1_0/earnings', headers: buyer.headers })).statusCode).toBe(403);

    const refund = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/orders/${order.id}/refunds`,
      headers: admin.headers,
      payload: { amount: 500 },
    });
    expect(refund.statusCode).toBe(201);
    expect(parseBody(refund.body).data).toMatchObject({
      amount: 500,
      status: 'succeeded',
      order: { status: 'paid', refunded_amount: 500 },
    });
    const full = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/orders/${order.id}/refunds`,
      headers: admin.headers,
    });
    expect(parseBody(full.body).data).toMatchObject({
      amount: 1500,
      status: 'succeeded',
      order: { status: 'refunded', refunded_amount: 2000 },
    });

    const entries = parseBody(
      (await t.app.inject({ url: '/mp/v1_0/earnings/entries?per_page=10', headers: author.headers })).body,
    ).data;
    expect(entries.results[0]).toMatchObject({ type: 'refund', amount: -(1500 - 150), order_id: order.id });
    expect(entries.results[1]).toMatchObject({ type: 'refund', amount: -(500 - 50) });
    expect(entries.results.find((e: { type: string }) => e.type === 'tip')).toMatchObject({
      amount: 45_000,
      article_id: null,
    });
    const after = parseBody((await t.app.inject({ url: '/mp/v1_0/earnings', headers: author.headers })).body).data;
    expect(after.refunded).toBe(1800);
    expect(after.balance).toBe(summary.balance - 1800);

    const report = await checkLedger(t.platform.db);
    expect(report.problems).toEqual([]);
    expect(report.byStatus.refunded).toBe(1);
  });

  it('keeps its key pairs under the data directory and is refused in production', async () => {
    const dir = path.join(t.config.dataDir, 'payments-simulator');
    expect(fs.readdirSync(dir).sort()).toEqual(['alipay-private.pem', 'app-private.pem']);
    expect(fs.statSync(path.join(dir, 'alipay-private.pem')).mode & 0o777).toBe(0o600);
    const again = new AlipaySimulator({
      env: 'test',
      dataDir: t.config.dataDir,
      kv: new MemoryKeyValueStore(),
      clock: t.platform.clock,
      logger: t.platform.logger,
    });
    expect(again.alipayKeys.publicKey).toBe(t.services.payments.simulator!.alipayKeys.publicKey);
    expect(
      () =>
        new AlipaySimulator({
          env: 'production',
          dataDir: t.config.dataDir,
          kv: new MemoryKeyValueStore(),
          clock: t.platform.clock,
          logger: t.platform.logger,
        }),
    ).toThrow(/production/);
    const before = await balances(t);
    expect(before.orders.length).toBeGreaterThan(0);
  });
});

describe(`payments switched off (db=${testDb}, redis=${testRedis})`, () => {
  let off: TestApp;
  beforeAll(async () => {
    off = await buildPaymentsApp({ provider: 'off' });
  });
  afterAll(async () => {
    await off?.close();
  });

  it('refuses orders with 503 and answers every notify failure', async () => {
    const author = await signIn(off);
    const reader = await signIn(off);
    const res = await createOrder(off, reader, { kind: 'tip', author_id: String(author.userId), amount: 100 });
    expect(res.statusCode).toBe(503);
    const notify = await off.app.inject({
      method: 'POST',
      url: '/payments/alipay/notify',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'out_trade_no=1',
    });
    expect(notify.body).toBe('failure');
    expect((await off.app.inject({ url: '/payments/simulator/pay?x=1' })).statusCode).toBe(404);
    expect(off.services.payments.simulator).toBeNull();
  });
});
