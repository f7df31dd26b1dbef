/**
 * Graceful shutdown with sockets open: app.close() closes every socket (clients see a transport
 * close, so they reconnect to another node), lets an in-flight HTTP request finish, and resolves.
 */
import { describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis } from '../helpers/app.js';
import { pause } from '../helpers/wait.js';
import { account, connect, listen } from './realtime-helpers.js';

describe(`shutdown with sockets open (db=${testDb}, redis=${testRedis})`, () => {
  it('closes sockets cleanly before app.close() resolves, after in-flight requests', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const t = await buildTestApp({}, (app) => {
      // A request that is still running when the shutdown starts.
      app.get('/test/slow', async () => {
        arrived();
        await pause(300);
        return { done: true };
      });
    });
    const url = await listen(t.app);
    const user = await account(t);
    const clients = [
      await connect('v4', url, { query: { token: user.token } }),
      await connect('v2', url),
      await connect('v4', url, { transports: ['polling'] }),
    ];
    const disconnected = clients.map(
      (client) =>
        new Promise<string>((resolve) =>
          (client.raw as { once(e: string, f: (reason: string) => void): void }).once('disconnect', resolve),
        ),
    );
    const inFlight = fetch(`${url}/test/slow`).then(async (res) => ({ status: res.status, body: await res.json() }));
    await requestArrived;

    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await inFlight).toEqual({ status: 200, body: { done: true } });
    expect(await Promise.all(disconnected)).toEqual(['transport close', 'transport close', 'transport close']);
    expect(t.services.realtime.localSockets).toBe(0);
    for (const client of clients) client.close();
  });
});
