/**
 * `serve --workers 2` under concurrent writes that mint ids in both workers at once: new users
 * signing in and comments. With one worker id shared by both workers these collided on primary
 * keys (500 "user vanished after registration", lost comments).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { until } from '../helpers/wait.js';
import { killStarted, processWait, startInkstone } from './process-helpers.js';

afterEach(killStarted);

describe(`serve --workers 2 (db=${testDb}, redis=${testRedis})`, () => {
  it('answers many concurrent new-user sign-ins and comments without a 500', { timeout: 300_000 }, async () => {
    const { env, cleanup } = await testEnvironment({ SEED_ON_EMPTY: 'true', TRUST_PROXY: 'true' });
    try {
      const server = await startInkstone(['serve', '--workers', '2'], env);
      await until('ready', async () => (await fetch(`${server.base}/readyz`)).ok, processWait);
      const channels = parseBody(await (await fetch(`${server.base}/app/v1_0/channels`)).text()).data.channels as {
        id: number;
      }[];
      const feed = await fetch(
        `${server.base}/app/v1_1/articles?channel_id=${channels[0]!.id}&timestamp=${Date.now()}&with_top=1`,
      );
      const articleId = String(parseBody(await feed.text()).data.results[0].art_id);

      // Distinct client addresses, so the primary spreads the connections over both workers.
      const headers = (i: number) => ({
        'content-type': 'application/json',
        'x-forwarded-for': `10.9.${i >> 8}.${i & 255}`,
      });
      const signIns = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          fetch(`${server.base}/app/v1_0/authorizations`, {
            method: 'POST',
            headers: headers(i),
            body: JSON.stringify({ mobile: `1370000${String(i).padStart(4, '0')}`, code: '246810' }),
          }).then(async (res) => ({ status: res.status, body: await res.text() })),
        ),
      );
      expect(
        signIns.filter((r) => r.status >= 500),
        'sign-ins answering 5xx',
      ).toEqual([]);
      expect(signIns.filter((r) => r.status !== 201)).toEqual([]);
      const tokens = signIns.map((r) => JSON.parse(r.body).data.token as string);

      const comments = await Promise.all(
        tokens.map((token, i) =>
          fetch(`${server.base}/app/v1_0/comments`, {
            method: 'POST',
            headers: { ...headers(i), authorization: `Bearer ${token}` },
            body: JSON.stringify({ target: articleId, content: `comment ${i}` }),
          }).then(async (res) => ({ status: res.status, body: await res.text() })),
        ),
      );
      expect(
        comments.filter((r) => r.status >= 500),
        'comments answering 5xx',
      ).toEqual([]);
      expect(comments.filter((r) => r.status !== 201)).toEqual([]);
      expect(new Set(comments.map((r) => String(parseBody(r.body).data.com_id))).size).toBe(tokens.length);

      // Both workers served: each leased its own worker id.
      expect(server.output()).toMatch(/"workerId":0,"leases"/);
      expect(server.output()).toMatch(/"workerId":1,"leases"/);
      expect(await server.stop()).toBe(0);
    } finally {
      await cleanup();
    }
  });
});
