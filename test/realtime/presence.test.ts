/**
 * Presence across nodes and node crashes, on a shared store (real Redis with TEST_REDIS=1, else
 * the memory adapter posing as a shared one), with a clock the test moves. Plus the exact-id codec.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from '../../src/platform/kv/index.js';
import {
  adapterParser,
  clientAddressResolver,
  exactParser,
  NODE_TTL_MS,
  Presence,
  stringifyExact,
} from '../../src/platform/realtime/index.js';
import { testRedis } from '../helpers/app.js';
import { serviceUrls, uniqueSuffix } from '../helpers/services.js';
import { until } from '../helpers/wait.js';

const silent = { warn: () => {}, error: () => {} };
const stores: KeyValueStore[] = [];

function sharedStore(): KeyValueStore {
  const kv: KeyValueStore = testRedis
    ? new RedisKeyValueStore({ url: serviceUrls.redis, prefix: `inkstone-test:${uniqueSuffix()}:` })
    : Object.defineProperty(new MemoryKeyValueStore(), 'kind', { value: 'redis' });
  stores.push(kv);
  return kv;
}

afterEach(async () => {
  for (const kv of stores.splice(0)) {
    await kv.flush();
    await kv.close();
  }
});

describe(`presence on a shared store (redis=${testRedis})`, () => {
  it('counts sockets on every live node; a crashed node stops counting after the TTL and is swept', async () => {
    const kv = sharedStore();
    let now = 1_000_000;
    const clock = () => now;
    const a = new Presence({ kv, logger: silent, now: clock, heartbeatMs: 3_600_000 });
    const b = new Presence({ kv, logger: silent, now: clock, heartbeatMs: 3_600_000 });
    await a.start();
    await b.start();

    b.add(7n);
    b.add(7n);
    b.add(8n);
    await until("b's sockets seen by a", () => a.isOnline(8n));
    expect(await a.isOnline(7n)).toBe(true);
    expect(await a.count(7n)).toBe(2);
    expect(await a.onlineSet([7n, 8n, 9n])).toEqual(new Set([7n, 8n]));
    a.add(7n);
    expect(await a.count(7n)).toBe(3);

    // b "crashes": no disconnects, no cleanup, no more heartbeats.
    now += NODE_TTL_MS + 1;
    await a.heartbeat(); // a is alive; it sweeps b
    expect(await a.isOnline(8n)).toBe(false);
    expect(await a.count(7n)).toBe(1); // only a's own socket
    expect(await kv.hgetall('rt:presence:8')).toEqual({});

    // b was only paused: its next heartbeat finds its entry gone and publishes its counts again.
    await b.heartbeat();
    await until('b published again', async () => Object.keys(await kv.hgetall('rt:presence:8')).length > 0);
    now += 1_001; // past a's one-second cache of the live-node list
    expect(await a.count(7n)).toBe(3);
    expect(await a.isOnline(8n)).toBe(true);

    // A graceful close withdraws at once.
    await b.close();
    expect(await a.isOnline(8n)).toBe(false);
    a.remove(7n);
    await until('7 offline', async () => !(await a.isOnline(7n)));
    await a.close();
  });
});

describe('exact 64-bit ids over Socket.IO', () => {
  it('writes bigint as integer digits in client packets and revives them between nodes', () => {
    const data = [
      'liking notify',
      { user_id: 5n, art_id: 1234567890123456789n, art_title: 'a "quoted" title', nested: [1n, null, undefined] },
    ];
    expect(stringifyExact(data)).toBe(
      '["liking notify",{"user_id":5,"art_id":1234567890123456789,"art_title":"a \\"quoted\\" title","nested":[1,null,null]}]',
    );
    const [encoded] = new exactParser.Encoder().encode({ type: 2, nsp: '/', data });
    expect(encoded).toBe(`2${stringifyExact(data)}`);
    const [plain] = new exactParser.Encoder().encode({ type: 2, nsp: '/', data: ['message', { msg: 'hi' }] });
    expect(plain).toBe('2["message",{"msg":"hi"}]');

    const hop = adapterParser.decode(Buffer.from(adapterParser.encode(['uid', { data }, { rooms: ['5'] }]))) as [
      string,
      { data: unknown[] },
      unknown,
    ];
    expect((hop[1].data[1] as { art_id: bigint }).art_id).toBe(1234567890123456789n);
  });
});

describe('handshake client address under TRUST_PROXY', () => {
  const request = (remote: string, xff?: string) =>
    ({
      socket: { remoteAddress: remote },
      headers: xff ? { 'x-forwarded-for': xff } : {},
    }) as unknown as import('node:http').IncomingMessage;

  it('uses the socket address unless the proxy is trusted', () => {
    expect(clientAddressResolver(false)(request('::ffff:10.0.0.9', '1.2.3.4'))).toBe('10.0.0.9');
    expect(clientAddressResolver(true)(request('10.0.0.9', '1.2.3.4, 10.0.0.8'))).toBe('1.2.3.4');
    expect(clientAddressResolver(1)(request('10.0.0.9', '1.2.3.4, 5.6.7.8'))).toBe('5.6.7.8');
    expect(clientAddressResolver(['10.0.0.0/8'])(request('10.0.0.9', '1.2.3.4, 10.0.0.8'))).toBe('1.2.3.4');
    expect(clientAddressResolver(['10.0.0.0/8'])(request('192.168.1.1', '1.2.3.4'))).toBe('192.168.1.1');
  });
});
