/**
 * Redis outage under load (issue #11 §3): the app runs on a Redis of its own, which is killed
 * for ~20 s while concurrent readers keep going, then restarted on the same port. Reads keep
 * answering 200 from the database, nothing waits on Redis for long, the SMS send (which must
 * store its code and count its limits in Redis) refuses fast with 503 + Retry-After, /readyz
 * says 503 within a second, and everything (limits included) works again once Redis is back,
 * without a restart. Runs in the +redis combinations only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { bearer } from '../helpers/http.js';
import { startRedis, type PrivateService } from '../helpers/private-services.js';
import { uniqueSuffix } from '../helpers/services.js';
import { pause } from '../helpers/wait.js';
import { drive, Recorder, timeUntil, type Request } from './load.js';

const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 20_000);

let redis: PrivateService;
let t: TestApp;
let token: string;
let reads: Request[];
let mobileCounter = 0;
const newMobile = () => `135${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter).padStart(2, '0')}`;

describe.skipIf(!testRedis)('Redis outage', () => {
  beforeAll(async () => {
    redis = await startRedis();
    t = await buildTestApp({
      REDIS_URL: redis.url,
      REDIS_PREFIX: `inkstone-outage:${uniqueSuffix()}:`,
      // Every route then has an IP limit in Redis too, one that must fail open.
      RATE_LIMIT_DEFAULT: '100000/minute',
    });
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform);
    const articles = [];
    for (let i = 0; i < 12; i++)
      articles.push(await newArticle(t.platform, { user_id: author.id, channel_id: channel.id }));
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      payload: { mobile: newMobile(), code: '246810' },
    });
    expect(signIn.statusCode).toBe(201);
    token = signIn.json().data.token;
    const now = Date.now();
    const anonymous = (url: string): Request => ({ category: 'anonymous read', options: { url } });
    const signedIn = (url: string): Request => ({
      category: 'signed-in read',
      options: { url, headers: bearer(token) },
    });
    reads = [
      anonymous('/app/v1_0/channels'),
      anonymous(`/app/v1_1/articles?channel_id=0&timestamp=${now}&with_top=1`),
      anonymous(`/app/v1_1/articles?channel_id=${channel.id}&timestamp=${now}&with_top=1`),
      anonymous(`/app/v1_0/articles/${articles[0]!.id}`),
      anonymous(`/app/v1_0/articles/${articles[5]!.id}`),
      anonymous('/app/v1_0/announcements'),
      signedIn('/app/v1_0/user'),
      signedIn('/app/v1_0/user/channels'),
      signedIn(`/app/v1_1/articles?channel_id=0&timestamp=${now}&with_top=1`),
      signedIn(`/app/v1_0/articles/${articles[3]!.id}`),
    ];
  }, 120_000);

  afterAll(async () => {
    await redis?.start().catch(() => {});
    await t?.close();
    await redis?.destroy();
  });

  it('keeps reads at 200, refuses Redis-bound writes fast, and recovers without a restart', async () => {
    const recorder = new Recorder();
    for (const read of reads) expect((await recorder.send(t, read)).statusCode, read.options.url as string).toBe(200);

    const load = drive(t, recorder, reads, 6);
    await pause(1_000); // a second of traffic before the fault
    await redis.stop();
    const down = Date.now();

    // While Redis is down: the SMS send and /readyz answer 503 quickly, every second or so.
    const probes = new Recorder();
    while (Date.now() - down < OUTAGE_MS) {
      const sms = await probes.send(t, {
        category: 'sms send (outage)',
        options: { url: `/app/v1_0/sms/codes/${newMobile()}` },
      });
      expect(sms.statusCode).toBe(503);
      expect(Number(sms.headers['retry-after'])).toBeGreaterThan(0);
      const signIn = await probes.send(t, {
        category: 'sms sign-in (outage)',
        options: { method: 'POST', url: '/app/v1_0/authorizations', payload: { mobile: newMobile(), code: '246810' } },
      });
      expect(signIn.statusCode).toBe(503);
      const ready = await probes.send(t, { category: 'readyz (outage)', options: { url: '/readyz' } });
      expect(ready.statusCode).toBe(503);
      await pause(1_000); // a probe round per second while it is down
    }
    const up = Date.now();
    await redis.start();

    const recoveredIn = await timeUntil(
      'readyz 200 after Redis is back',
      async () => (await t.app.inject({ url: '/readyz' })).statusCode === 200,
    );
    await load.stop();

    // Everything again, limits enforced again.
    for (const read of reads) expect((await recorder.send(t, read)).statusCode, read.options.url as string).toBe(200);
    const mobile = newMobile();
    expect((await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` })).statusCode).toBe(200);
    expect((await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` })).statusCode).toBe(429);

    const during = recorder.summary((s) => s.at >= down && s.at <= up);
    const overall = recorder.summary();
    const outageProbes = probes.summary();
    console.log(
      `Redis outage ${Math.round((up - down) / 1000)} s, readyz 200 again ${recoveredIn} ms after restart\n` +
        [
          ...overall.map((r) => ({ phase: 'whole run', ...r })),
          ...during.map((r) => ({ phase: 'while down', ...r })),
          ...outageProbes.map((r) => ({ phase: 'while down', ...r })),
        ]
          .map(
            (r) =>
              `  ${r.phase.padEnd(10)} ${r.category.padEnd(22)} ${String(r.requests).padStart(5)} requests  ${JSON.stringify(r.statuses)}  ${(r.ok * 100).toFixed(2)} % 200  worst ${r.worstMs} ms`,
          )
          .join('\n'),
    );

    for (const r of overall) {
      expect(r.ok, `${r.category}: ${JSON.stringify(r.statuses)}`).toBeGreaterThanOrEqual(0.99);
      expect(r.worstMs, r.category).toBeLessThan(2_000);
    }
    expect(during.every((r) => r.requests > 50)).toBe(true);
    for (const r of outageProbes) expect(r.worstMs, r.category).toBeLessThan(1_000);
  }, 90_000);
});
