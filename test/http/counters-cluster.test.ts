/**
 * Counters across nodes (issue #11, §2): two app instances on one database and one Redis prefix.
 * Likes go through node A, node A flushes, and node B is read all the while: no read ever shows
 * fewer likes than were acknowledged and already seen. (Before, a flush on A moved the delta into
 * the database while B still held the old base in its one-second near cache: B showed 0 instead
 * of 20.)
 *
 * Runs in the +redis combinations only: without Redis each process has its own kv store, so two
 * nodes cannot share counter deltas or caches at all and there is nothing to test across nodes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { signInOn } from '../helpers/nodes.js';
import { bearer } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';
import { pause, until } from '../helpers/wait.js';

describe.skipIf(!testRedis)(`counters on two nodes sharing the database and Redis (db=${testDb})`, () => {
  let nodeA: App;
  let nodeB: App;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const environment = await testEnvironment({ JWT_SECRET: randomBytes(48).toString('base64') });
    cleanup = environment.cleanup;
    nodeA = await buildApp(loadConfig(environment.env));
    nodeB = await buildApp(loadConfig(environment.env));
    await nodeA.app.ready();
    await nodeB.app.ready();
  });

  afterAll(async () => {
    await nodeA?.platform.kv.flush();
    await nodeA?.app.close();
    await nodeB?.app.close();
    await cleanup?.();
  });

  async function signIn(node: App) {
    return signInOn(node, (await newUser(node.platform)).mobile);
  }

  it('a flush on node A never makes node B show fewer likes than it already showed', async () => {
    const channel = await newChannel(nodeA.platform);
    const author = await newUser(nodeA.platform);
    const article = await newArticle(nodeA.platform, { user_id: author.id, channel_id: channel.id });
    const readers = await Promise.all(Array.from({ length: 20 }, () => signIn(nodeA)));
    const readB = async () => {
      const [feed, profile] = await Promise.all([
        nodeB.app.inject({ url: `/app/v1_1/articles?channel_id=${channel.id}&timestamp=${Date.now()}&with_top=1` }),
        nodeB.app.inject({ url: `/app/v1_0/users/${author.id}` }),
      ]);
      expect(feed.statusCode).toBe(200);
      expect(profile.statusCode).toBe(200);
      return {
        card: parseBody(feed.body).data.results[0].like_count as number,
        author: parseBody(profile.body).data.like_count as number,
      };
    };
    // B holds the card from before the likes in its caches.
    expect(await readB()).toEqual({ card: 0, author: 0 });

    for (const reader of readers) {
      const res = await nodeA.app.inject({
        method: 'POST',
        url: '/app/v1_0/article/likings',
        headers: bearer(reader.token),
        payload: { target: String(article.id) },
      });
      expect(res.statusCode).toBe(201);
    }
    // B catches up (its near cache lives a second) ...
    const seen = await until('node B caught up', async () => {
      const counts = await readB();
      return counts.card >= 20 && counts.author >= 20 && counts;
    });
    expect(seen).toEqual({ card: 20, author: 20 });

    // ... and from then on never goes back, during a flush on A and for longer than B's caches live.
    const reads: { card: number; author: number }[] = [];
    let flushing = true;
    const poll = (async () => {
      const end = Date.now() + 2_000;
      while (flushing || Date.now() < end) {
        reads.push(await readB());
        await pause(5);
      }
    })();
    await nodeA.services.counters.flush();
    await nodeA.services.counters.flush();
    flushing = false;
    await poll;
    expect(reads.length).toBeGreaterThan(20);
    expect(reads.filter((r) => r.card !== 20 || r.author !== 20)).toEqual([]);
  });
});
