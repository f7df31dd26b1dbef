/**
 * `npx tsx bench/payments.ts`: payments, measured on the real app with the embedded simulator
 * playing Alipay (so every signature is a real RSA2 signature).
 *
 * 1. Notify throughput: N pending tip orders, then N distinct valid signed notifies (as Alipay
 *    sends them) POSTed over real HTTP by C concurrent clients. Each one verifies the signature
 *    (alipay-sdk), checks the order, and commits the paid state with its ledger entries before
 *    answering `success`. Reported: requests/s and latency; every answer and order is checked.
 * 2. A run of 1,000 mixed orders (article purchases and tips): paid through the simulator's cashier
 *    (page, notify, return), cancelled there, opened and abandoned, or never opened; expiry and
 *    reconciliation (trade.query / trade.close); partial and full refunds (trade.refund). Then
 *    the `inkstone ledger-check` output.
 *
 *   BENCH_PAY_NOTIFIES=2000     notifies in part 1
 *   BENCH_PAY_CONNECTIONS=16    concurrent clients in part 1
 *   BENCH_PAY_ORDERS=1000       orders in part 2
 *   BENCH_DATABASE_URL          run on this (empty) database instead of a temporary SQLite file; both parts write to it
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { checkLedger, formatLedgerReport } from '../src/modules/payments/ledger-check.js';
import { alipayTime } from '../src/platform/payments/alipay.js';
import { signAsAlipay } from '../src/platform/payments/alipay-signing.js';
import { formatYuan } from '../src/platform/payments/money.js';

const NOTIFIES = Number(process.env.BENCH_PAY_NOTIFIES ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_PAY_CONNECTIONS ?? 16);
const ORDERS = Number(process.env.BENCH_PAY_ORDERS ?? 1000);
const MINUTE = 60_000;

function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A clock the bench moves (expiry without waiting). */
function movableClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => void (offset += ms) };
}

async function buildBenchApp(clock: { now(): number }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-bench-pay-'));
  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'bench.db')}`,
    PUBLIC_URL: 'http://127.0.0.1:1',
    SEED_ON_EMPTY: 'false',
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(48).toString('base64'),
    RUN_SCHEDULER: 'false',
  });
  const app = await buildApp(config, { clock });
  await app.app.ready();
  return {
    app,
    async close() {
      await app.app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function newUser(app: App, role: 'user' | 'admin' = 'user'): Promise<bigint> {
  const id = app.platform.ids.user();
  const now = Date.now();
  await app.platform.db
    .insertInto('users')
    .values({
      id,
      mobile: `138${String(id % 100000000n).padStart(8, '0')}`,
      name: `pay${id}`.slice(0, 30),
      role,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

async function newArticle(app: App, authorId: bigint, channelId: bigint, priceCents: number): Promise<bigint> {
  const id = app.platform.ids.content();
  const now = Date.now();
  await app.platform.db
    .insertInto('articles')
    .values({
      id,
      user_id: authorId,
      channel_id: channelId,
      title: `付费文章 ${id}`,
      cover_type: 0,
      cover_images: '[]',
      status: 2,
      created_at: now,
      updated_at: now,
      published_at: now,
      price_cents: priceCents,
    })
    .execute();
  await app.platform.db
    .insertInto('article_contents')
    .values({ article_id: id, content: '<p>付费内容</p>'.repeat(10) })
    .execute();
  return id;
}

// ---------------------------------------------------------------------------------------------
// 1. Notify throughput over HTTP

/** POSTs every body once, `connections` at a time over keep-alive sockets, from a worker thread. */
function postAll(
  url: string,
  bodies: string[],
  connections: number,
): Promise<{ latencies: number[]; success: number }> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const http = require('node:http');
    const { url, bodies, connections } = workerData;
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const target = new URL(url);
    const latencies = [];
    let success = 0, next = 0;
    const post = (body) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => { latencies.push(performance.now() - t0); if (text === 'success') success++; resolve(); });
      });
      req.on('error', reject);
      req.end(body);
    });
    const worker = async () => { while (next < bodies.length) await post(bodies[next++]); };
    Promise.all(Array.from({ length: connections }, worker)).then(() => { agent.destroy(); parentPort.postMessage({ latencies, success }); });
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { url, bodies, connections } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function notifyThroughput() {
  const clock = movableClock();
  const { app, close } = await buildBenchApp(clock);
  try {
    const payments = app.services.payments;
    const simulator = payments.simulator!;
    const author = await newUser(app);
    const buyers = await Promise.all(Array.from({ length: 20 }, () => newUser(app)));
    const rnd = random(7);
    const bodies: string[] = [];
    const orderIds: bigint[] = [];
    for (let i = 0; i < NOTIFIES; i++) {
      const amount = 1 + Math.floor(rnd() * 50_000);
      const { order } = await payments.createOrder(buyers[i % buyers.length]!, {
        kind: 'tip',
        authorId: author,
        amount,
        channel: 'pc',
      });
      orderIds.push(order.id);
      const now = clock.now();
      const form = signAsAlipay(
        {
          notify_time: alipayTime(now),
          notify_type: 'trade_status_sync',
          notify_id: randomBytes(16).toString('hex'),
          app_id: simulator.appId,
          charset: 'utf-8',
          version: '1.0',
          trade_no: `2026${String(i).padStart(12, '0')}`,
          out_trade_no: String(order.id),
          seller_id: simulator.sellerId,
          trade_status: 'TRADE_SUCCESS',
          total_amount: formatYuan(amount),
          receipt_amount: formatYuan(amount),
          subject: order.subject,
          gmt_payment: alipayTime(now),
        },
        simulator.alipayKeys.privateKey,
      );
      bodies.push(new URLSearchParams(form).toString());
    }

    const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address}/payments/alipay/notify`;
    // Warm-up: a few invalid notifies (refused, nothing written) exercise the same code paths.
    for (let i = 0; i < 50; i++) {
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: bodies[i]!.replace('total_amount=', 'total_amount=9'),
      });
    }

    // The load runs on its own thread (its own event loop), so the client does not eat the server's time.
    const started = performance.now();
    const { latencies, success } = await postAll(url, bodies, CONNECTIONS);
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);

    const paid = await app.platform.db
      .selectFrom('payment_orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow();
    const entries = await app.platform.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const ledger = await checkLedger(app.platform.db);
    console.log(
      `\n1. Notify handling (${app.platform.dialect}, ${CONNECTIONS} concurrent connections, keep-alive, client on its own thread)`,
    );
    console.log(
      `   ${NOTIFIES} distinct valid signed notifies in ${seconds.toFixed(2)} s: ${(NOTIFIES / seconds).toFixed(0)} req/s`,
    );
    console.log(
      `   latency ms: p50 ${percentile(latencies, 50).toFixed(2)}, p90 ${percentile(latencies, 90).toFixed(2)}, p99 ${percentile(latencies, 99).toFixed(2)}, max ${latencies.at(-1)!.toFixed(2)}`,
    );
    console.log(
      `   answered success: ${success}/${NOTIFIES}; orders paid: ${Number(paid.n)}; ledger entries: ${Number(entries.n)} (3 per order); ledger ${ledger.ok ? 'balanced' : 'MISMATCH'}`,
    );
    if (success !== NOTIFIES || Number(paid.n) !== NOTIFIES || Number(entries.n) !== 3 * NOTIFIES || !ledger.ok)
      throw new Error('notify bench: wrong outcome');
  } finally {
    await close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. 1,000 mixed orders, then the ledger check

async function mixedRun() {
  const clock = movableClock();
  const { app, close } = await buildBenchApp(clock);
  try {
    const payments = app.services.payments;
    const rnd = random(42);
    const now = Date.now();
    const channelId = 77n;
    await app.platform.db
      .insertInto('channels')
      .values({ id: channelId, name: 'bench-pay', created_at: now, updated_at: now })
      .execute();
    const authors = await Promise.all(Array.from({ length: 10 }, () => newUser(app)));
    const readers = await Promise.all(Array.from({ length: 60 }, () => newUser(app)));
    const admin = await newUser(app, 'admin');
    const articles: { id: bigint; author: bigint }[] = [];
    for (const author of authors)
      for (let i = 0; i < 20; i++)
        articles.push({ id: await newArticle(app, author, channelId, 100 + Math.floor(rnd() * 4900)), author });

    const started = performance.now();
    const outcomes = { paid: 0, cancelled: 0, abandoned: 0, neverOpened: 0 };
    const paidOrders: bigint[] = [];
    const bought = new Set<string>();
    const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;

    for (let i = 0; i < ORDERS; i++) {
      let created;
      if (rnd() < 0.65) {
        let reader: bigint;
        let article: { id: bigint; author: bigint };
        do {
          reader = pick(readers);
          article = pick(articles);
        } while (bought.has(`${reader}:${article.id}`));
        bought.add(`${reader}:${article.id}`);
        created = await payments.createOrder(reader, {
          kind: 'article',
          articleId: article.id,
          channel: rnd() < 0.7 ? 'pc' : 'wap',
        });
      } else {
        created = await payments.createOrder(pick(readers), {
          kind: 'tip',
          authorId: pick(authors),
          amount: 1 + Math.floor(rnd() * 50_000),
          channel: 'pc',
        });
      }
      const roll = rnd();
      const url = new URL(created.payUrl);
      if (roll < 0.1) {
        outcomes.neverOpened++;
        continue;
      }
      const page = await app.app.inject({ url: `${url.pathname}${url.search}` });
      if (page.statusCode !== 200) throw new Error(`cashier page: ${page.statusCode}`);
      if (roll < 0.3) {
        outcomes.abandoned++;
        continue;
      }
      const action = roll < 0.36 ? 'cancel' : 'pay';
      const acted = await app.app.inject({
        method: 'POST',
        url: url.pathname,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ request: url.search.slice(1), action }).toString(),
      });
      if (acted.statusCode !== 302) throw new Error(`cashier ${action}: ${acted.statusCode}`);
      const back = new URL(acted.headers.location as string);
      const returned = await app.app.inject({
        url: `${back.pathname}${back.search}`,
        remoteAddress: `10.8.${(i >> 8) & 255}.${i & 255 || 1}`,
      });
      const status = new URL(returned.headers.location as string).searchParams.get('status');
      if (action === 'pay') {
        if (status !== 'paid') throw new Error(`return after paying said ${status}`);
        outcomes.paid++;
        paidOrders.push(created.order.id);
      } else {
        if (status !== 'failed') throw new Error(`return after cancelling said ${status}`);
        outcomes.cancelled++;
      }
    }

    // Expiry: everything still pending is asked about and closed (trade.query, trade.close).
    clock.advance(20 * MINUTE);
    let rounds = 0;
    let closedByReconcile = 0;
    for (;;) {
      const report = await payments.reconcile();
      rounds++;
      closedByReconcile += report.closed;
      if (report.checked === 0) break;
      if (report.errors > 0) throw new Error(`reconciliation errors: ${report.errors}`);
    }

    // Refunds: partial, full, and partial then the rest.
    const refunds = { partial: 0, full: 0, twoStep: 0 };
    for (const id of paidOrders) {
      const roll = rnd();
      const order = await app.platform.db
        .selectFrom('payment_orders')
        .select('amount_cents')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      if (roll < 0.1) {
        await payments.refund(admin, id, Math.max(1, Math.floor(order.amount_cents * rnd())));
        refunds.partial++;
      } else if (roll < 0.18) {
        await payments.refund(admin, id);
        refunds.full++;
      } else if (roll < 0.2) {
        await payments.refund(admin, id, Math.max(1, Math.floor(order.amount_cents / 3)));
        await payments.refund(admin, id);
        refunds.twoStep++;
      }
    }
    const seconds = (performance.now() - started) / 1000;

    console.log(`\n2. ${ORDERS} mixed orders (${app.platform.dialect}) in ${seconds.toFixed(1)} s`);
    console.log(
      `   cashier: paid ${outcomes.paid}, cancelled ${outcomes.cancelled}, opened and abandoned ${outcomes.abandoned}, never opened ${outcomes.neverOpened}; ` +
        `reconciliation closed ${closedByReconcile} in ${rounds} rounds`,
    );
    console.log(
      `   refunds: partial ${refunds.partial}, full ${refunds.full}, partial then the rest ${refunds.twoStep}`,
    );
    console.log('\n   $ inkstone ledger-check');
    const report = await checkLedger(app.platform.db);
    for (const line of formatLedgerReport(report)) console.log(`   ${line}`);
    if (!report.ok) process.exitCode = 1;
  } finally {
    await close();
  }
}

await notifyThroughput();
await mixedRun();
