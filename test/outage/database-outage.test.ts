/**
 * Database outage (issue #11 §4): the app runs on a PostgreSQL (TEST_DB=postgres) or MariaDB
 * (TEST_DB=mysql) server of its own, which is killed and restarted. While it is down, requests
 * that need it answer 503 + Retry-After fast instead of a 500, the log gets one line per kind of
 * failure per interval instead of a stack per request, and what the caches hold (feed pages,
 * articles) is still served; once it is back, everything answers again without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { startMariaDb, startPostgres, type PrivateService } from '../helpers/private-services.js';
import { pause, until } from '../helpers/wait.js';
import { Recorder, timeUntil, type Request } from './load.js';

const servers: Record<string, (() => Promise<PrivateService>) | undefined> = {
  postgres: startPostgres,
  mysql: startMariaDb,
};
const start = servers[testDb];

let db: PrivateService;
let t: TestApp;
let logFile: string;
let cached: Request[];
let uncached: Request[];

/** Log lines (JSON) the app wrote at error level or above. */
function errorLines(): { msg: string; suppressed?: number }[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: number; msg: string; suppressed?: number })
    .filter((entry) => entry.level >= 50);
}

describe.skipIf(!start)(`Database outage (${testDb})`, () => {
  beforeAll(async () => {
    db = await start!();
    logFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'inkstone-outage-log-')), 'app.log');
    t = await buildTestApp({ DATABASE_URL: db.url, LOG_FILE: logFile, LOG_LEVEL: 'warn' });
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform);
    const articles = [];
    for (let i = 0; i < 40; i++)
      articles.push(await newArticle(t.platform, { user_id: author.id, channel_id: channel.id }));
    const now = Date.now();
    cached = [
      {
        category: 'cached feed page',
        options: { url: `/app/v1_1/articles?channel_id=${channel.id}&timestamp=${now}&with_top=1` },
      },
      { category: 'cached article', options: { url: `/app/v1_0/articles/${articles[0]!.id}` } },
      { category: 'cached article', options: { url: `/app/v1_0/articles/${articles[1]!.id}` } },
    ];
    // Articles nobody read yet: only the database has them.
    uncached = articles
      .slice(10)
      .map((a) => ({ category: 'uncached article', options: { url: `/app/v1_0/articles/${a.id}` } }));
  }, 120_000);

  afterAll(async () => {
    await db?.start().catch(() => {});
    await t?.close();
    await db?.destroy();
  });

  it('answers 503 + Retry-After fast, logs once per interval, serves the caches, and recovers', async () => {
    const recorder = new Recorder();
    for (const read of cached) expect((await recorder.send(t, read)).statusCode).toBe(200);
    const errorsBefore = errorLines().length;

    await db.stop();
    const down = Date.now();
    // ~12 s of rounds (past one log interval): every cached read still 200, every uncached one a
    // fast 503 telling when to retry, /readyz a fast 503.
    while (Date.now() - down < 12_000) {
      const ready = await recorder.send(t, { category: 'readyz', options: { url: '/readyz' } });
      expect(ready.statusCode).toBe(503);
      await Promise.all([
        ...cached.map((read) => recorder.send(t, read)),
        ...uncached.map(async (read) => {
          const res = await recorder.send(t, read);
          expect(res.statusCode).toBe(503);
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(res.json()).toEqual({ message: 'Service temporarily unavailable.', code: 'service_unavailable' });
        }),
      ]);
      await pause(200); // one probe round every ~200 ms while it is down
    }
    const up = Date.now();
    await db.start();
    let last = '';
    const recoveredIn = await timeUntil('uncached reads after the database is back', async () => {
      const res = await t.app.inject(uncached[0]!.options);
      last = `${res.statusCode} ${res.body}`;
      return res.statusCode === 200;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${last}`);
    });
    for (const read of [...cached, ...uncached]) expect((await recorder.send(t, read)).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);

    // The log is written by a worker thread: wait until this outage's lines are in.
    await until('error lines in the log', () => errorLines().length > errorsBefore);
    const lines = errorLines().slice(errorsBefore);
    const summary = recorder.summary((s) => s.at >= down && s.at <= up);
    const failed = summary.find((r) => r.category === 'uncached article')!;
    console.log(
      `${testDb} outage ${Math.round((up - down) / 1000)} s, uncached reads 200 again ${recoveredIn} ms after restart; ` +
        `${lines.length} error log lines for ${failed.requests} failed requests\n` +
        summary
          .map(
            (r) =>
              `  ${r.category.padEnd(18)} ${String(r.requests).padStart(5)} requests  ${JSON.stringify(r.statuses)}  worst ${r.worstMs} ms`,
          )
          .join('\n'),
    );

    for (const r of summary.filter((s) => s.category.startsWith('cached'))) expect(r.ok, r.category).toBe(1);
    expect(failed.worstMs).toBeLessThan(2_000);
    expect(summary.find((r) => r.category === 'readyz')!.worstMs).toBeLessThan(1_000);
    // One line per kind of failure per 10 s (a killed server can fail a connect in more than one way).
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.every((line) => line.msg === 'dependency unavailable; answering 503')).toBe(true);
  }, 90_000);

  it('outlives the server going away while a connection is held between two queries', async () => {
    // A request inside a transaction holds its connection between statements; the pool's own
    // listener is off it then. A connection lost there must fail that request, not end the process
    // (vitest reports such an 'error' event as an unhandled error, failing the run).
    await t.platform.db.connection().execute(async (connection) => {
      await sql`SELECT 1`.execute(connection);
      await db.stop();
      await pause(1_000);
      await expect(sql`SELECT 1`.execute(connection)).rejects.toThrow();
    });
    await db.start();
    await until('the pool answers again', async () => {
      try {
        await sql`SELECT 1`.execute(t.platform.db);
        return true;
      } catch {
        return false;
      }
    });
    expect((await t.app.inject(uncached[0]!.options)).statusCode).toBe(200);
  }, 60_000);
});
