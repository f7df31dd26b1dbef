/**
 * Two app instances (two "nodes") sharing one database and one Redis, each on its own port, as
 * behind a load balancer: an event caused on node A reaches a socket on node B through the
 * Socket.IO Redis adapter, and presence is seen from both. Needs Redis: runs when TEST_REDIS=1 or
 * Redis answers on the default address, and is skipped with a note otherwise.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { testDb, testEnvironment } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { serviceAvailable, serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { until } from '../helpers/wait.js';
import { account, bearer, connect, listen, type TestClient } from './realtime-helpers.js';

const redisUp = await serviceAvailable('redis');

describe.skipIf(!redisUp)(`two nodes sharing Redis (db=${testDb})`, () => {
  let nodeA: App;
  let nodeB: App;
  let urlB: string;
  let cleanup: () => Promise<void>;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const environment = await testEnvironment({
      REDIS_URL: process.env.TEST_REDIS === '1' ? (process.env.TEST_REDIS_URL ?? serviceUrls.redis) : serviceUrls.redis,
      REDIS_PREFIX: `inkstone-test:${uniqueSuffix()}:`,
      // Tokens signed by one node must verify on the other (tests otherwise get a random secret per config).
      JWT_SECRET: randomBytes(48).toString('base64'),
    });
    cleanup = environment.cleanup;
    // The same configuration (database, Redis, prefix) for both, as two processes of one deployment.
    nodeA = await buildApp(loadConfig(environment.env));
    nodeB = await buildApp(loadConfig(environment.env));
    await listen(nodeA.app);
    urlB = await listen(nodeB.app);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await nodeA?.platform.kv.flush();
    await nodeA?.app.close();
    await nodeB?.app.close();
    await cleanup?.();
  });

  it('a like sent to node A reaches the author connected to node B; presence is seen from both nodes', async () => {
    const [reader, author] = [await account(nodeA), await account(nodeA)];
    const channel = await newChannel(nodeA.platform);
    const art = await newArticle(nodeA.platform, { user_id: author.id, channel_id: channel.id, title: 'Across nodes' });

    expect(await nodeA.services.realtime.isOnline(author.id)).toBe(false);
    const onB = await connect('v2', urlB, { query: { token: author.token } });
    clients.push(onB);
    await until('online on node A', () => nodeA.services.realtime.isOnline(author.id));
    expect(await nodeA.services.realtime.onlineSet([author.id, reader.id])).toEqual(new Set([author.id]));
    expect(await nodeB.services.realtime.isOnline(author.id)).toBe(true);

    const res = await nodeA.app.inject({
      method: 'POST',
      url: '/app/v1_0/article/likings',
      headers: bearer(reader.token),
      payload: { target: String(art.id) },
    });
    expect(res.statusCode).toBe(201);
    const payload = await onB.next('liking notify');
    expect(payload).toMatchObject({ user_id: Number(reader.id), user_name: reader.name, art_title: 'Across nodes' });
    // The 64-bit article id survives the hop between nodes digit for digit.
    expect(onB.packets.some((p) => p.includes(`"art_id":${art.id},`))).toBe(true);

    // The per-user connection cap counts sockets on every node.
    const { limits } = nodeA.services.realtime;
    expect(await nodeA.services.realtime.presence.count(author.id)).toBe(1);
    expect(limits.connectionsPerUser).toBeGreaterThan(1);

    onB.close();
    await until('offline on node A', async () => !(await nodeA.services.realtime.isOnline(author.id)));
  });

  it('an announcement published on node B reaches sockets on both nodes', async () => {
    const onA = await connect('v4', urlB.replace(/:\d+$/, `:${(nodeA.app.server.address() as { port: number }).port}`));
    const onB = await connect('v4', urlB);
    clients.push(onA, onB);
    nodeB.platform.events.publish('announcement.published', {
      announcementId: 7n,
      title: 'Hello, cluster',
      at: Date.now(),
    });
    for (const socket of [onA, onB])
      expect(await socket.next('announcement')).toMatchObject({ id: 7, title: 'Hello, cluster' });
  });
});
