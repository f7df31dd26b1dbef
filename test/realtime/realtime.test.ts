/**
 * Socket.IO (contract §3) against a really listening server, with the app's socket.io-client 2.x
 * and with 4.x: identity at the handshake, the three notify events after the real HTTP actions,
 * announcements, the chat bot, stored notifications, A08, presence, limits and shutdown.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationRoutes } from '../../src/modules/notifications/notification.routes.js';
import type { NotificationService } from '../../src/modules/notifications/notification.service.js';
import { ErrorCodeSchema } from '../../src/platform/http/error-codes.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { until } from '../helpers/wait.js';
import {
  account,
  bearer,
  connect,
  DEFAULT_AVATAR,
  listen,
  nowSeconds,
  RefusedError,
  type Account,
  type ClientVersion,
  type TestClient,
} from './realtime-helpers.js';

let t: TestApp;
let url: string;
let channelId: bigint;
const clients: TestClient[] = [];

async function open(version: ClientVersion, query?: Record<string, string>, transports?: ('polling' | 'websocket')[]) {
  const client = await connect(version, url, { query, transports });
  clients.push(client);
  return client;
}

async function refused(version: ClientVersion, query?: Record<string, string>): Promise<RefusedError> {
  try {
    const client = await connect(version, url, { query });
    client.close();
  } catch (error) {
    expect(error).toBeInstanceOf(RefusedError);
    return error as RefusedError;
  }
  throw new Error('the connection was accepted');
}

const article = async (author: Account, title?: string) =>
  newArticle(t.platform, { user_id: author.id, channel_id: channelId, title });

beforeAll(async () => {
  t = await buildTestApp();
  url = await listen(t.app);
  channelId = (await newChannel(t.platform)).id;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await t?.close();
});

describe(`Socket.IO transport and identity (db=${testDb}, redis=${testRedis})`, () => {
  for (const version of ['v2', 'v4'] as const) {
    it(`${version}: accepts an anonymous socket with no identity (the app's chat page) and with a=`, async () => {
      const bare = await open(version);
      expect(bare.raw.connected).toBe(true);
      const withId = await open(version, { a: 'device-42' });
      expect(withId.raw.connected).toBe(true);
      // Anonymous sockets still get chat answers.
      bare.emit('message', { msg: '你好', timestamp: Date.now() });
      expect((await bare.next('message')).msg).toContain('头条小助手');
    });

    it(`${version}: a signed-in socket joins its user's room; a bad token is refused with a clear error`, async () => {
      const user = await account(t);
      const socket = await open(version, { token: user.token });
      const res = await t.app.inject({ url: '/app/imtest/f', headers: bearer(user.token) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ message: '已发送following notify事件' });
      expect(await socket.next('following notify')).toMatchObject({ user_id: Number(user.id), user_name: user.name });

      const bad = await refused(version, { token: 'not-a-jwt' });
      expect(bad.data).toEqual({ message: 'Token has some errors.', code: 'invalid_token' });
      const refresh = await refused(version, { token: user.refreshToken });
      expect(refresh.data).toEqual({ message: 'Do not use refresh token.', code: 'refresh_token' });
      if (version === 'v4') expect(bad.message).toBe('Token has some errors.');
    });
  }

  it('v4 over long-polling only, and the app-style 2.x polling→websocket upgrade', async () => {
    const user = await account(t);
    const polling = await open('v4', { token: user.token }, ['polling']);
    const legacy = await open('v2', { token: user.token });
    await t.app.inject({ url: '/app/imtest/l', headers: bearer(user.token) });
    expect(await polling.next('liking notify')).toMatchObject({ user_id: Number(user.id) });
    expect(await legacy.next('liking notify')).toMatchObject({ user_id: Number(user.id) });
  });

  it('answers CORS preflight-free polling with the API origin rules', async () => {
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
    // Close that Engine.IO session (a "1" close packet), so it does not count against this IP.
    const sid = /"sid":"([^"]+)"/.exec(await res.text())![1]!;
    const closed = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '1' });
    expect(closed.status).toBe(200);
  });
});

describe('notifications', () => {
  it('following notify: exact name and payload, to every device of the followed user, after A20', async () => {
    const [fan, star] = [await account(t, { photo: null }), await account(t)];
    const phone = await open('v2', { token: star.token });
    const laptop = await open('v4', { token: star.token });
    const bystander = await open('v4', { token: fan.token });
    const res = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/user/followings',
      headers: bearer(fan.token),
      payload: { target: String(star.id) },
    });
    expect(res.statusCode).toBe(201);
    for (const device of [phone, laptop]) {
      const payload = await device.next('following notify');
      expect(Object.keys(payload)).toEqual(['user_id', 'user_name', 'user_photo', 'timestamp']);
      expect(payload).toEqual({
        user_id: Number(fan.id),
        user_name: fan.name,
        user_photo: DEFAULT_AVATAR,
        timestamp: expect.any(Number),
      });
      expect(Math.abs(payload.timestamp - nowSeconds())).toBeLessThanOrEqual(2);
    }
    expect(await bystander.arrives('following notify', 200)).toBe(false);
  });

  it('liking notify after A35 with the article (64-bit art_id exact on the wire); never for your own article', async () => {
    const [reader, author] = [await account(t), await account(t)];
    const art = await article(author, `Liked ${Date.now()}`);
    const socket = await open('v4', { token: author.token });
    const res = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/article/likings',
      headers: bearer(reader.token),
      payload: { target: String(art.id) },
    });
    expect(res.statusCode).toBe(201);
    const payload = await socket.next('liking notify');
    expect(Object.keys(payload)).toEqual(['user_id', 'user_name', 'user_photo', 'art_id', 'art_title', 'timestamp']);
    expect(payload).toMatchObject({
      user_id: Number(reader.id),
      user_name: reader.name,
      user_photo: DEFAULT_AVATAR,
      art_title: art.title,
    });
    expect(art.id > 2n ** 53n).toBe(true);
    expect(socket.packets.some((p) => p.includes(`"art_id":${art.id},`))).toBe(true);

    // The author likes their own article: nothing is pushed or stored.
    const own = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/article/likings',
      headers: bearer(author.token),
      payload: { target: String(art.id) },
    });
    expect(own.statusCode).toBe(201);
    expect(await socket.arrives('liking notify', 300)).toBe(false);
    await t.platform.events.settle();
    const list = parseBody(
      (await t.app.inject({ url: '/app/v1_0/user/notifications', headers: bearer(author.token) })).body,
    ).data;
    expect(list.results.map((r: { type: string; user_id: number }) => [r.type, r.user_id])).toEqual([
      ['like', Number(reader.id)],
    ]);
  });

  it('a burst of likes is stored once per fact and pushed once per like, without blacklisted or unknown actors', async () => {
    const author = await account(t);
    const readers = await Promise.all(Array.from({ length: 5 }, () => account(t)));
    const [first, second] = [await article(author, `Burst A ${Date.now()}`), await article(author, `Burst B`)];
    const blocked = readers[4]!;
    const res = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/user/blacklists',
      headers: bearer(author.token),
      payload: { target: String(blocked.id) },
    });
    expect(res.statusCode).toBe(201);
    const socket = await open('v4', { token: author.token });

    // Published in one loop turn, so the notifier takes them as one batch.
    const at = Date.now();
    const like = (actorId: bigint, articleId: bigint, offset = 0) =>
      t.platform.events.publish('article.liked', { actorId, articleId, authorId: author.id, at: at + offset });
    for (const reader of readers.slice(0, 4)) like(reader.id, first.id);
    like(readers[0]!.id, second.id);
    like(readers[0]!.id, first.id, 1_000); // the same fact again: its row is refreshed, not doubled
    like(blocked.id, first.id);
    like(123n, first.id); // no such user
    like(author.id, first.id); // their own article
    await t.platform.events.settle();

    await until('six liking notify', () => socket.received.filter((r) => r.event === 'liking notify').length >= 6);
    const pushed = socket.received
      .filter((r) => r.event === 'liking notify')
      .map((r) => [r.payload.user_name, r.payload.art_title]);
    expect(pushed).toEqual([
      ...readers.slice(0, 4).map((r) => [r.name, first.title]),
      [readers[0]!.name, second.title],
      [readers[0]!.name, first.title],
    ]);
    const rows = await t.platform.db
      .selectFrom('notifications')
      .select(['actor_id', 'article_id', 'created_at'])
      .where('user_id', '=', author.id)
      .orderBy('actor_id')
      .orderBy('article_id')
      .execute();
    expect(rows.map((r) => [r.actor_id, r.article_id])).toEqual(
      [...readers.slice(0, 4).map((r) => [r.id, first.id]), [readers[0]!.id, second.id]].sort((a, b) =>
        a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1,
      ),
    );
    expect(rows.find((r) => r.actor_id === readers[0]!.id && r.article_id === first.id)?.created_at).toBe(at + 1_000);
  });

  it('comment notify after a top-level A44 comment, not after a reply', async () => {
    const [reader, author] = [await account(t), await account(t)];
    const art = await article(author);
    const socket = await open('v2', { token: author.token });
    const res = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comments',
      headers: bearer(reader.token),
      payload: { target: String(art.id), content: 'nice', art_id: null },
    });
    expect(res.statusCode).toBe(201);
    const payload = await socket.next('comment notify');
    expect(Object.keys(payload)).toEqual(['user_id', 'user_name', 'user_photo', 'art_id', 'art_title', 'timestamp']);
    expect(payload).toMatchObject({ user_id: Number(reader.id), user_name: reader.name, art_title: art.title });
    expect(String(payload.art_id).slice(0, 12)).toBe(String(art.id).slice(0, 12));

    const comId = parseBody(res.body).data.com_id as string;
    const reply = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comments',
      headers: bearer(reader.token),
      payload: { target: String(comId), content: 'a reply', art_id: String(art.id) },
    });
    expect(reply.statusCode).toBe(201);
    expect(await socket.arrives('comment notify', 300)).toBe(false);
  });

  it('announcement goes to every connected socket, anonymous ones included', async () => {
    const user = await account(t);
    const signedIn = await open('v2', { token: user.token });
    const anonymous = await open('v4');
    // The admin endpoint publishes this event; publishing it directly keeps this test about delivery.
    t.platform.events.publish('announcement.published', {
      announcementId: 12345678901234567n,
      title: '系统维护通知',
      at: Date.now(),
    });
    for (const socket of [signedIn, anonymous]) {
      const payload = await socket.next('announcement');
      expect(payload).toEqual({ id: expect.any(Number), title: '系统维护通知', timestamp: expect.any(Number) });
      expect(socket.packets.some((p) => p.includes('"id":12345678901234567,'))).toBe(true);
    }
  });

  it('lists what an offline user missed, with unread_count, and marks them read', async () => {
    const [a, b, me] = [await account(t), await account(t), await account(t)];
    const art = await article(me);
    const act = (who: Account, method: 'POST', path: string, payload: object) =>
      t.app.inject({ method, url: path, headers: bearer(who.token), payload });
    expect((await act(a, 'POST', '/app/v1_0/user/followings', { target: String(me.id) })).statusCode).toBe(201);
    expect((await act(b, 'POST', '/app/v1_0/article/likings', { target: String(art.id) })).statusCode).toBe(201);
    expect(
      (await act(b, 'POST', '/app/v1_0/comments', { target: String(art.id), content: 'hello', art_id: null }))
        .statusCode,
    ).toBe(201);
    await t.platform.events.settle();

    // Reconnect: nothing is replayed over the socket, the list has it all.
    const socket = await open('v4', { token: me.token });
    expect(await socket.arrives('following notify', 150)).toBe(false);
    const listed = parseBody(
      (await t.app.inject({ url: '/app/v1_0/user/notifications?page=1&per_page=10', headers: bearer(me.token) })).body,
    );
    expect(listed.message).toBe('OK');
    expect(listed.data).toMatchObject({ total_count: 3, unread_count: 3, page: 1, per_page: 10 });
    const results = listed.data.results as {
      id: string | number;
      type: string;
      user_id: number;
      is_read: boolean;
      created_at: string;
      art_id?: unknown;
      art_title?: string;
      user_photo: string;
      user_name: string;
    }[];
    expect(results.map((r) => r.type).sort()).toEqual(['comment', 'follow', 'like']);
    const follow = results.find((r) => r.type === 'follow')!;
    expect(follow).toEqual({
      id: expect.anything(),
      type: 'follow',
      user_id: Number(a.id),
      user_name: a.name,
      user_photo: DEFAULT_AVATAR,
      is_read: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
    });
    const like = results.find((r) => r.type === 'like')!;
    expect(String(like.art_id)).toBe(String(art.id));
    expect(like.art_title).toBe(art.title);

    const unread = async () =>
      (await t.app.inject({ url: '/app/v1_0/user/notifications/unread_count', headers: bearer(me.token) })).json().data
        .unread_count;
    const markOne = await t.app.inject({
      method: 'PUT',
      url: '/app/v1_0/user/notifications/read',
      headers: bearer(me.token),
      payload: { ids: [String(follow.id)] },
    });
    expect(markOne.statusCode).toBe(201);
    expect(markOne.json()).toEqual({ message: 'OK', data: { updated: 1 } });
    expect(await unread()).toBe(2);
    // Someone else's ids change nothing.
    const other = await t.app.inject({
      method: 'PUT',
      url: '/app/v1_0/user/notifications/read',
      headers: bearer(a.token),
      payload: { ids: [String(like.id)] },
    });
    expect(other.json().data.updated).toBe(0);
    const markAll = await t.app.inject({
      method: 'PUT',
      url: '/app/v1_0/user/notifications/read',
      headers: bearer(me.token),
    });
    expect(markAll.statusCode).toBe(201);
    expect(markAll.json().data.updated).toBe(2);
    expect(await unread()).toBe(0);
    expect((await t.app.inject({ url: '/app/v1_0/user/notifications' })).statusCode).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('documents the notification endpoints, A08 and the socket events', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/app/v1_0/user/notifications',
        '/app/v1_0/user/notifications/unread_count',
        '/app/v1_0/user/notifications/read',
        '/app/imtest/{event}',
      ]),
    );
    expect(doc.paths['/app/imtest/{event}']!.get!.description).toContain('`announcement` {id, title, timestamp}');
  });
});

describe('chat bot', () => {
  const ask = async (socket: TestClient, msg: string) => {
    const started = performance.now();
    socket.emit('message', { msg, timestamp: Date.now(), userId: 1, photo: 'x' });
    const answer = await socket.next('message');
    return { answer, ms: performance.now() - started };
  };

  for (const version of ['v2', 'v4'] as const) {
    it(`${version}: greets, answers fixed questions and finds article titles, each within 100 ms`, async () => {
      const author = await account(t);
      const unique = `Zebracorn${Date.now() % 100000}`;
      await article(author, `All about ${unique} farming`);
      await article(author, `100%_off ${unique}`);
      const socket = await open(version);
      // Warm-up (first query compiles statements).
      await ask(socket, 'warm up');

      const greeting = await ask(socket, '你好');
      expect(greeting.answer).toEqual({ msg: expect.stringContaining('头条小助手'), timestamp: expect.any(Number) });
      expect(Math.abs(greeting.answer.timestamp - nowSeconds())).toBeLessThanOrEqual(2);

      const code = await ask(socket, '收不到验证码怎么办？');
      expect(code.answer.msg).toContain('246810');
      const publish = await ask(socket, '怎么发布文章');
      expect(publish.answer.msg).toContain('自媒体');

      const search = await ask(socket, `有没有关于${unique.toLowerCase()}的文章`);
      expect(search.answer.msg).toContain(`《All about ${unique} farming》`);
      expect(search.answer.msg).toContain(`《100%_off ${unique}》`);
      // % and _ are literal characters, not wildcards.
      const literal = await ask(socket, '100%_off');
      expect(literal.answer.msg).toContain(`《100%_off ${unique}》`);
      const none = await ask(socket, 'qwxzv nothingmatches');
      expect(none.answer.msg).toContain('没有找到');

      for (const { ms } of [greeting, code, publish, search, literal, none]) expect(ms).toBeLessThan(100);
    });
  }

  it('rate-limits a chatty user (20 messages a minute) and ignores malformed payloads', async () => {
    const user = await account(t);
    const socket = await open('v4', { token: user.token });
    socket.raw.emit('message', 'not an object');
    socket.raw.emit('message', { msg: 42 });
    for (let i = 0; i < 20; i++) socket.emit('message', { msg: '你好', timestamp: Date.now() });
    for (let i = 0; i < 20; i++) expect((await socket.next('message')).msg).toContain('头条小助手');
    socket.emit('message', { msg: '你好', timestamp: Date.now() });
    expect((await socket.next('message')).msg).toBe('消息太频繁了，请稍后再试。');
  });
});

describe('A08 GET /app/imtest/:event', () => {
  it('sends f/l/c to the caller with a token, else to ?target; other events 404', async () => {
    const [me, other] = [await account(t), await account(t)];
    await article(other);
    const mine = await open('v4', { token: me.token });
    const theirs = await open('v2', { token: other.token });
    for (const [event, name] of [
      ['f', 'following notify'],
      ['l', 'liking notify'],
      ['c', 'comment notify'],
    ] as const) {
      const res = await t.app.inject({ url: `/app/imtest/${event}`, headers: bearer(me.token) });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(JSON.stringify({ message: `已发送${name}事件` }));
      const payload = await mine.next(name);
      expect(payload.user_id).toBe(Number(me.id));
      if (event !== 'f')
        expect(Object.keys(payload)).toEqual([
          'user_id',
          'user_name',
          'user_photo',
          'art_id',
          'art_title',
          'timestamp',
        ]);
    }
    const anonymous = await t.app.inject({ url: `/app/imtest/l?target=${other.id}` });
    expect(anonymous.statusCode).toBe(200);
    expect(await theirs.next('liking notify')).toMatchObject({ user_id: Number(other.id), user_name: other.name });
    expect(await mine.arrives('liking notify', 150)).toBe(false);

    const wrong = await t.app.inject({ url: '/app/imtest/x', headers: bearer(me.token) });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toBe(JSON.stringify({ message: '错误的事件', code: 'not_found' }));
    expect((await t.app.inject({ url: '/app/imtest/f' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/app/imtest/f', headers: bearer('bad') })).statusCode).toBe(401);
  });

  it('does not exist in production', async () => {
    const app = Fastify();
    // Error responses refer to the shared ErrorCode schema the HTTP layer registers for the real app.
    app.addSchema(ErrorCodeSchema);
    notificationRoutes(app, {} as NotificationService, t.services.present, { env: 'production' });
    expect((await app.inject({ url: '/app/imtest/f?target=1' })).statusCode).toBe(404);
    await app.close();
  });
});

describe('presence', () => {
  it('a user is online while any socket is connected', async () => {
    const [user, other] = [await account(t), await account(t)];
    const { realtime } = t.services;
    expect(await realtime.isOnline(user.id)).toBe(false);
    const first = await open('v4', { token: user.token });
    const second = await open('v2', { token: user.token });
    await until('online', () => realtime.isOnline(user.id));
    expect(await realtime.onlineSet([user.id, other.id])).toEqual(new Set([user.id]));
    first.close();
    await until('the first socket gone', async () => (await realtime.presence.count(user.id)) === 1);
    expect(await realtime.isOnline(user.id)).toBe(true);
    second.close();
    await until('offline', async () => !(await realtime.isOnline(user.id)));
  });
});

describe('limits', () => {
  it('caps connections per user and per IP', async () => {
    const user = await account(t);
    const { limits } = t.services.realtime;
    const sockets = [];
    for (let i = 0; i < limits.connectionsPerUser; i++)
      sockets.push(await open('v4', { token: user.token }, ['websocket']));
    await until(
      'connections counted',
      async () => (await t.services.realtime.presence.count(user.id)) === limits.connectionsPerUser,
    );
    const tooMany = await refused('v4', { token: user.token });
    expect(tooMany.data).toEqual({ message: 'Too many connections for this user.', code: 'too_many_connections' });
    for (const socket of sockets) socket.close();
    await until('connections gone', async () => (await t.services.realtime.presence.count(user.id)) === 0);

    const saved = limits.connectionsPerIp;
    await until(
      'per-address count settled',
      () => t.services.realtime.connectionsFrom('127.0.0.1') === t.services.realtime.localSockets,
    );
    limits.connectionsPerIp = t.services.realtime.connectionsFrom('127.0.0.1') + 2;
    try {
      await open('v4', undefined, ['websocket']);
      await open('v4', undefined, ['websocket']);
      await expect(connect('v4', url, { transports: ['polling'] })).rejects.toThrow();
    } finally {
      limits.connectionsPerIp = saved;
    }
  });

  it('drops a client that sends more than 16 KB without disturbing others', async () => {
    const [big, calm] = [await open('v4', undefined, ['websocket']), await open('v4', undefined, ['websocket'])];
    const dropped = new Promise<string>((resolve) =>
      (big.raw as { once(e: string, f: (reason: string) => void): void }).once('disconnect', resolve),
    );
    big.emit('message', { msg: 'x'.repeat(20 * 1024), timestamp: Date.now() });
    expect(await dropped).toBe('transport close');
    calm.emit('message', { msg: '你好', timestamp: Date.now() });
    expect((await calm.next('message')).msg).toContain('头条小助手');
  });
});
