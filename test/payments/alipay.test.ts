import { UpdateQueryNode, type KyselyPlugin } from 'kysely';
/**
 * The Alipay adapter against a fake Alipay (a local gateway written from Alipay's documentation):
 * notify verification and every way of getting it wrong, races, crashes, the return, reconciliation
 * and refunds. Whatever is refused leaves every balance unchanged.
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger, ledgerCheckCommand } from '../../src/modules/payments/ledger-check.js';
import { manualClock, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import {
  balances,
  buildPaymentsApp,
  createOrder,
  FakeAlipay,
  paidArticle,
  postNotify,
  signIn,
  type TestUser,
} from './helpers.js';

let t: TestApp;
const fake = new FakeAlipay();
const clock = manualClock();
let author: TestUser;
let admin: TestUser;
/** The next test fails its notify answer after the write (see the onSend hook). */
let breakNextNotifyAnswer = false;

const MINUTE = 60_000;

async function pendingOrder(cents = 1230, buyer?: TestUser) {
  const reader = buyer ?? (await signIn(t));
  const article = await paidArticle(t, author.userId, cents);
  const res = await createOrder(t, reader, { kind: 'article', article_id: String(article.id) });
  expect(res.statusCode).toBe(201);
  const order = parseBody(res.body).data;
  return { id: BigInt(order.id), cents, reader, article, payUrl: order.pay_url as string };
}

async function orderRow(id: bigint) {
  return t.platform.db.selectFrom('payment_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function entriesOf(id: bigint) {
  return t.platform.db.selectFrom('ledger_entries').selectAll().where('order_id', '=', id).execute();
}

/** Sends a notify that must be refused and proves nothing moved. */
async function refused(params: Record<string, string>) {
  const before = await balances(t);
  const res = await postNotify(t, params);
  expect(res.statusCode).toBe(200);
  expect(res.body).toBe('failure');
  expect(await balances(t)).toEqual(before);
}

async function returnTo(query: string) {
  const res = await t.app.inject({ method: 'GET', url: `/payments/alipay/return?${query}` });
  expect(res.statusCode).toBe(302);
  return new URL(res.headers.location as string);
}

/** The database refuses the next `UPDATE payment_orders … status = 'paid'` (the write of a notify). */
let failNextPaidUpdate = false;
const faults: KyselyPlugin = {
  transformQuery({ node }) {
    const text = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    if (failNextPaidUpdate && UpdateQueryNode.is(node) && text(node.table).includes('payment_orders')) {
      if (text(node.updates).includes('"paid"')) {
        failNextPaidUpdate = false;
        throw new Error('database went away');
      }
    }
    return node;
  },
  async transformResult({ result }) {
    return result;
  },
};

describe(`payments with Alipay (fake gateway; db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    await fake.start();
    t = await buildPaymentsApp(fake.settings({ feeBasisPoints: 1000 }), {
      clock,
      dbPlugin: faults,
      beforeReady: (app) =>
        app.addHook('onSend', async (request) => {
          if (request.url === '/payments/alipay/notify' && breakNextNotifyAnswer) {
            breakNextNotifyAnswer = false;
            throw new Error('connection lost before the answer');
          }
        }),
    });
    author = await signIn(t, { mp: true });
    admin = await signIn(t, { role: 'admin' });
  });
  afterAll(async () => {
    await t?.close();
    await fake.stop();
  });

  it('makes a signed page.pay URL that Alipay would accept', async () => {
    const { payUrl, id } = await pendingOrder(1230);
    const url = new URL(payUrl);
    expect(`${url.origin}${url.pathname}`).toBe(fake.url);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      app_id: fake.appId,
      method: 'alipay.trade.page.pay',
      sign_type: 'RSA2',
      notify_url: 'http://inkstone.test/payments/alipay/notify',
      return_url: 'http://inkstone.test/payments/alipay/return',
    });
    const biz = JSON.parse(params.biz_content!);
    expect(biz).toMatchObject({
      out_trade_no: String(id),
      total_amount: '12.30',
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    expect(biz.time_expire).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const signed = Object.keys(params)
      .filter((k) => k !== 'sign')
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    expect(createVerify('RSA-SHA256').update(signed).verify(fake.appKeys.publicKey, params.sign!, 'base64')).toBe(true);

    const wap = await createOrder(t, await signIn(t), {
      kind: 'tip',
      author_id: String(author.userId),
      amount: 500,
      channel: 'wap',
    });
    const wapUrl = new URL(parseBody(wap.body).data.pay_url);
    expect(wapUrl.searchParams.get('method')).toBe('alipay.trade.wap.pay');
    expect(JSON.parse(wapUrl.searchParams.get('biz_content')!)).toMatchObject({
      total_amount: '5.00',
      product_code: 'QUICK_WAP_WAY',
    });
  });

  it('settles a verified TRADE_SUCCESS notify once, with balanced entries; a replay changes nothing', async () => {
    const order = await pendingOrder(1230);
    fake.pay(order.id, 1230);
    const notify = fake.notify(order.id, 1230);
    const res = await postNotify(t, notify);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('success');
    const row = await orderRow(order.id);
    expect(row.status).toBe('paid');
    expect(row.provider_trade_no).toBe(fake.trades.get(String(order.id))!.tradeNo);
    const entries = await entriesOf(order.id);
    expect(entries.map((e) => [e.account, e.direction, e.amount_cents]).sort()).toEqual([
      ['author', 'credit', 1107],
      ['buyer', 'debit', 1230],
      ['platform', 'credit', 123],
    ]);
    const before = await balances(t);
    expect((await postNotify(t, notify)).body).toBe('success');
    expect((await postNotify(t, fake.notify(order.id, 1230, { trade_status: 'TRADE_FINISHED' }))).body).toBe('success');
    expect(await balances(t)).toEqual(before);
  });

  it('refuses notifies that fail a check, changing nothing', async () => {
    const order = await pendingOrder(1230);
    fake.pay(order.id, 1230);
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });

    // A different amount, correctly signed by Alipay's key: not this order's amount.
    await refused(fake.notify(order.id, 1, {}));
    await refused(fake.notify(order.id, 123_000));
    // Tampered after signing.
    await refused({ ...fake.notify(order.id, 1230), total_amount: '0.01' });
    // Another application's notify.
    await refused(fake.notify(order.id, 1230, { app_id: '2021000199999999' }));
    // Another seller.
    await refused(fake.notify(order.id, 1230, { seller_id: '2088999999999999' }));
    // Not our order / not an order number.
    await refused(fake.notify('999999999999', 1230));
    await refused(fake.notify('ORD-1', 1230));
    // Signed by someone else's key; no signature; an empty one.
    await refused(fake.notify(order.id, 1230, {}, { signWith: other.privateKey }));
    const unsigned = fake.notify(order.id, 1230);
    delete unsigned.sign;
    await refused(unsigned);
    await refused({ ...fake.notify(order.id, 1230), sign: '' });
    // sign_type games: only RSA2. A genuine RSA (SHA-1) signature with Alipay's own key is still refused.
    const rsa = fake.notify(order.id, 1230, { sign_type: 'RSA' });
    const content = Object.keys(rsa)
      .filter((k) => k !== 'sign' && k !== 'sign_type')
      .sort()
      .map((k) => `${k}=${rsa[k]}`)
      .join('&');
    rsa.sign = createSign('RSA-SHA1').update(content).sign(fake.alipayKeys.privateKey, 'base64');
    await refused(rsa);
    await refused(fake.notify(order.id, 1230, { sign_type: undefined }));
    await refused(fake.notify(order.id, 1230, { sign_type: 'rsa2' }));
    // Unknown trade status; a JSON body; a repeated field.
    await refused(fake.notify(order.id, 1230, { trade_status: 'TRADE_PAID' }));
    const json = await t.app.inject({
      method: 'POST',
      url: '/payments/alipay/notify',
      payload: fake.notify(order.id, 1230),
    });
    expect(json.body).toBe('failure');
    const doubled = await t.app.inject({
      method: 'POST',
      url: '/payments/alipay/notify',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `${new URLSearchParams(fake.notify(order.id, 1230)).toString()}&total_amount=0.01`,
    });
    expect(doubled.statusCode).toBe(400);

    expect((await orderRow(order.id)).status).toBe('pending');
    const audit = await t.platform.db
      .selectFrom('payment_events')
      .select(['reason', 'detail'])
      .where('order_ref', '=', String(order.id))
      .execute();
    // Authentic but wrong messages are kept; unsigned junk is only logged (nobody can fill the table).
    expect(new Set(audit.map((a) => a.reason))).toEqual(
      new Set(['amount_mismatch', 'app_id', 'seller_id', 'trade_status']),
    );
    for (const a of audit) expect(a.detail).not.toMatch(/"sign"/);

    // The genuine one still settles.
    expect((await postNotify(t, fake.notify(order.id, 1230))).body).toBe('success');
    expect((await orderRow(order.id)).status).toBe('paid');
  });

  it('100 identical notifies at once: one state change, one set of entries', async () => {
    const order = await pendingOrder(4321);
    fake.pay(order.id, 4321);
    const notify = fake.notify(order.id, 4321);
    const answers = await Promise.all(Array.from({ length: 100 }, () => postNotify(t, notify)));
    expect(answers.map((a) => a.body)).toEqual(Array(100).fill('success'));
    expect(await entriesOf(order.id)).toHaveLength(3);
    expect((await orderRow(order.id)).status).toBe('paid');
  });

  it('a crash after the write loses nothing: the retry is answered success and settles nothing twice', async () => {
    const order = await pendingOrder(2000);
    fake.pay(order.id, 2000);
    const notify = fake.notify(order.id, 2000);
    breakNextNotifyAnswer = true;
    const lost = await postNotify(t, notify);
    expect(lost.statusCode).toBe(500);
    expect(lost.body).not.toBe('success');
    expect((await orderRow(order.id)).status).toBe('paid');
    const retry = await postNotify(t, notify);
    expect(retry.body).toBe('success');
    expect(await entriesOf(order.id)).toHaveLength(3);
  });

  it('a crash before the write answers failure; Alipay’s retry settles it exactly once', async () => {
    const order = await pendingOrder(2100);
    fake.pay(order.id, 2100);
    const notify = fake.notify(order.id, 2100);
    failNextPaidUpdate = true;
    const aborted = await postNotify(t, notify);
    expect(failNextPaidUpdate).toBe(false);
    expect(aborted.statusCode).toBe(500);
    expect(aborted.body).toBe('failure');
    expect((await orderRow(order.id)).status).toBe('pending');
    expect(await entriesOf(order.id)).toHaveLength(0);
    expect((await postNotify(t, notify)).body).toBe('success');
    expect((await postNotify(t, notify)).body).toBe('success');
    expect(await entriesOf(order.id)).toHaveLength(3);
  });

  it('the return: a forged query changes nothing; a pending order is asked about and settled (plan B)', async () => {
    const order = await pendingOrder(880);
    const before = await balances(t);
    // Forged: signed with the wrong key, or signed then edited.
    const forged = fake.returnQuery(order.id, 880).replace(/sign=[^&]+/, 'sign=AAAA');
    let location = await returnTo(forged);
    expect(location.searchParams.get('status')).toBe('failed');
    expect(location.origin + location.pathname).toBe('http://inkstone.test/payments/result');
    location = await returnTo(fake.returnQuery(order.id, 880).replace('total_amount=8.80', 'total_amount=0.01'));
    expect(location.searchParams.get('status')).toBe('failed');
    expect(await balances(t)).toEqual(before);

    // Genuine, but Alipay has no payment yet: pending, nothing moves.
    location = await returnTo(fake.returnQuery(order.id, 880));
    expect(location.searchParams.get('status')).toBe('pending');
    expect(await balances(t)).toEqual(before);

    // Paid at Alipay, the notify lost: the return's query settles it.
    fake.pay(order.id, 880);
    location = await returnTo(fake.returnQuery(order.id, 880));
    expect(location.searchParams.get('order_id')).toBe(String(order.id));
    expect(location.searchParams.get('status')).toBe('paid');
    expect((await orderRow(order.id)).status).toBe('paid');
    expect(await entriesOf(order.id)).toHaveLength(3);
    // And the late notify is a replay.
    expect((await postNotify(t, fake.notify(order.id, 880))).body).toBe('success');
    expect(await entriesOf(order.id)).toHaveLength(3);
  });

  it('reconciliation settles lost notifies, closes expired orders (trade.close) and believes only signed answers', async () => {
    const lostNotify = await pendingOrder(700);
    const abandoned = await pendingOrder(710);
    const opened = await pendingOrder(720);
    const fresh = await pendingOrder(730);
    fake.pay(lostNotify.id, 700);
    fake.trades.set(String(opened.id), {
      status: 'WAIT_BUYER_PAY',
      total: '7.20',
      tradeNo: '2026000000000720',
      refundedCents: 0,
    });

    // Too young to be asked about.
    let report = await t.services.payments.reconcile();
    expect(report.checked).toBe(0);

    // A forged gateway answer is not believed.
    clock.advance(4 * MINUTE);
    fake.forgeResponses = true;
    report = await t.services.payments.reconcile();
    fake.forgeResponses = false;
    expect(report.errors).toBeGreaterThan(0);
    expect((await orderRow(lostNotify.id)).status).toBe('pending');

    // The cron job (payments.reconcile, every minute) runs the same reconciliation.
    expect(await t.platform.scheduler.runNow('payments.reconcile')).toBe(true);
    expect((await orderRow(lostNotify.id)).status).toBe('paid');
    expect(await entriesOf(lostNotify.id)).toHaveLength(3);
    expect((await orderRow(abandoned.id)).status).toBe('pending'); // not expired yet

    clock.advance(15 * MINUTE);
    const closeCallsBefore = fake.calls.filter((c) => c.method === 'alipay.trade.close').length;
    await createOrder(t, await signIn(t), { kind: 'tip', author_id: String(author.userId), amount: 100 });
    report = await t.services.payments.reconcile();
    for (const o of [abandoned, opened, fresh]) expect((await orderRow(o.id)).status).toBe('closed');
    expect(fake.trades.get(String(opened.id))!.status).toBe('TRADE_CLOSED');
    expect(
      fake.calls.filter((c) => c.method === 'alipay.trade.close').length - closeCallsBefore,
    ).toBeGreaterThanOrEqual(3);
    expect(fake.badRequests).toBe(0);

    // A payment notify for an expired, closed order moves no money.
    fake.pay(abandoned.id, 710);
    const before = await balances(t);
    expect((await postNotify(t, fake.notify(abandoned.id, 710))).body).toBe('success');
    expect(await balances(t)).toEqual(before);
    const flagged = await t.platform.db
      .selectFrom('payment_events')
      .select('reason')
      .where('order_ref', '=', String(abandoned.id))
      .execute();
    expect(flagged.map((f) => f.reason)).toContain('paid_after_close');

    // After an expired order is closed, the reader can start again.
    const again = await createOrder(t, abandoned.reader, { kind: 'article', article_id: String(abandoned.article.id) });
    expect(again.statusCode).toBe(201);
    expect(BigInt(parseBody(again.body).data.id)).not.toBe(abandoned.id);
  });

  it('refunds: admin only, partial then full, idempotent through out_request_no, with reversing entries', async () => {
    const order = await pendingOrder(1000);
    fake.pay(order.id, 1000);
    expect((await postNotify(t, fake.notify(order.id, 1000))).body).toBe('success');
    const refundUrl = `/admin/v1_0/orders/${order.id}/refunds`;

    const notAdmin = await t.app.inject({ method: 'POST', url: refundUrl, headers: order.reader.headers, payload: {} });
    expect(notAdmin.statusCode).toBe(403);
    for (const amount of [0, -5, 1001, 1.5]) {
      const bad = await t.app.inject({ method: 'POST', url: refundUrl, headers: admin.headers, payload: { amount } });
      expect(bad.statusCode).toBe(400);
    }
    const pendingOne = await pendingOrder(500);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/admin/v1_0/orders/${pendingOne.id}/refunds`,
          headers: admin.headers,
          payload: {},
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/admin/v1_0/orders/123456789/refunds`,
          headers: admin.headers,
          payload: {},
        })
      ).statusCode,
    ).toBe(404);

    // Partial: 300 of 1000; the fee given back is ⌊100 × 300 / 1000⌋ = 30.
    const partial = await t.app.inject({
      method: 'POST',
      url: refundUrl,
      headers: admin.headers,
      payload: { amount: 300 },
    });
    expect(partial.statusCode).toBe(201);
    const first = parseBody(partial.body).data;
    expect(first).toMatchObject({ amount: 300, status: 'succeeded', order: { status: 'paid', refunded_amount: 300 } });
    const access = await t.services.payments.contentAccess(order.reader.userId, {
      id: order.article.id,
      authorId: author.userId,
      priceCents: 1000,
    });
    expect(access.full).toBe(true);

    // The provider's answer is lost after it refunded: pending, then the retry (same out_request_no) moves no more money.
    fake.loseAnswerNext.add('alipay.trade.refund');
    const uncertain = await t.app.inject({
      method: 'POST',
      url: refundUrl,
      headers: admin.headers,
      payload: { amount: 200 },
    });
    expect(parseBody(uncertain.body).data).toMatchObject({
      status: 'pending',
      order: { status: 'paid', refunded_amount: 300 },
    });
    expect(
      (await t.app.inject({ method: 'POST', url: refundUrl, headers: admin.headers, payload: { amount: 600 } }))
        .statusCode,
    ).toBe(400);
    clock.advance(2 * MINUTE);
    const report = await t.services.payments.reconcile();
    expect(report.refundsRetried).toBe(1);
    const requests = fake.calls
      .filter((c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === String(order.id))
      .map((c) => c.biz.out_request_no);
    expect(requests).toHaveLength(3);
    expect(requests[1]).toBe(requests[2]);
    expect(new Set(requests).size).toBe(2);
    expect(fake.trades.get(String(order.id))!.refundedCents).toBe(500);
    expect((await orderRow(order.id)).refunded_cents).toBe(500);

    // The rest (no amount = everything left): the order is refunded and the purchase no longer opens the article.
    const rest = await t.app.inject({ method: 'POST', url: refundUrl, headers: admin.headers, payload: {} });
    expect(parseBody(rest.body).data).toMatchObject({
      amount: 500,
      status: 'succeeded',
      order: { status: 'refunded', refunded_amount: 1000 },
    });
    expect(
      (
        await t.services.payments.contentAccess(order.reader.userId, {
          id: order.article.id,
          authorId: author.userId,
          priceCents: 1000,
        })
      ).full,
    ).toBe(false);
    const entries = await entriesOf(order.id);
    const sum = (account: string, direction: string) =>
      entries.filter((e) => e.account === account && e.direction === direction).reduce((s, e) => s + e.amount_cents, 0);
    expect(sum('platform', 'credit') - sum('platform', 'debit')).toBe(0);
    expect(sum('author', 'credit') - sum('author', 'debit')).toBe(0);
    expect(sum('buyer', 'debit') - sum('buyer', 'credit')).toBe(0);
    expect(
      (await t.app.inject({ method: 'POST', url: refundUrl, headers: admin.headers, payload: {} })).statusCode,
    ).toBe(409);

    // A notify for the refunded order (Alipay's TRADE_CLOSED after a full refund, or a replayed success) moves nothing.
    const before = await balances(t);
    expect((await postNotify(t, fake.notify(order.id, 1000))).body).toBe('success');
    expect((await postNotify(t, fake.notify(order.id, 1000, { trade_status: 'TRADE_CLOSED' }))).body).toBe('success');
    expect(await balances(t)).toEqual(before);
  });

  it('the ledger check balances, and catches tampering', async () => {
    const report = await checkLedger(t.platform.db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.debits).toBe(report.credits);
    const lines: string[] = [];
    expect(await ledgerCheckCommand(t.platform.db, (line) => lines.push(line))).toBe(0);
    expect(lines[0]).toBe('ledger-check: OK');

    const paid = await t.platform.db
      .selectFrom('payment_orders')
      .select(['id', 'buyer_id'])
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow();
    await t.platform.db
      .insertInto('ledger_entries')
      .values({
        id: t.platform.ids.content(),
        order_id: paid.id,
        refund_id: null,
        event_key: 'bogus',
        account: 'buyer',
        user_id: paid.buyer_id,
        direction: 'credit',
        amount_cents: 5,
        created_at: clock.now(),
      })
      .execute();
    const broken: string[] = [];
    expect(await ledgerCheckCommand(t.platform.db, (line) => broken.push(line))).toBe(1);
    expect(broken[0]).toBe('ledger-check: MISMATCH');
    expect(broken.join('\n')).toContain(`order ${paid.id}`);
    await t.platform.db.deleteFrom('ledger_entries').where('event_key', '=', 'bogus').execute();
  });
});
