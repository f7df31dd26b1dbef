import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newChannel } from '../helpers/factories.js';
import { randomIp } from '../helpers/http.js';

let t: TestApp;
let mobileCounter = 0;
const newMobile = () => `135${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter).padStart(2, '0')}`;

interface Account {
  token: string;
  userId: bigint;
  headers: { authorization: string };
}

async function signIn(): Promise<Account> {
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile: newMobile(), code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  const token = res.json().data.token as string;
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { user_id: number };
  return { token, userId: BigInt(payload.user_id), headers: { authorization: `Bearer ${token}` } };
}

const URL_ = '/app/v1_0/user/channels';
const RECOMMEND = { id: 0, name: '推荐' };

const list = async (account?: Account) => {
  const res = await t.app.inject({ url: URL_, headers: account?.headers ?? {} });
  expect(res.statusCode).toBe(200);
  return res.json().data.channels as { id: number; name: string }[];
};
const ids = async (account?: Account) => (await list(account)).map((c) => c.id);
const write = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', account: Account | undefined, payload?: unknown) =>
  t.app.inject({
    method,
    url: URL_,
    headers: account?.headers ?? {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const rowsOf = (userId: bigint) =>
  t.platform.db
    .selectFrom('user_channels')
    .select(['channel_id', 'sequence'])
    .where('user_id', '=', userId)
    .orderBy('channel_id')
    .execute();

describe(`user channels (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    const p = t.platform;
    await newChannel(p, { id: 1n, name: 'html', sequence: 2, is_default: 1 });
    await newChannel(p, { id: 2n, name: '开发者资讯', sequence: 1, is_default: 1 });
    await newChannel(p, { id: 3n, name: 'c++', sequence: 3 });
    await newChannel(p, { id: 4n, name: 'hidden', sequence: 0, is_visible: 0, is_default: 1 });
    await newChannel(p, { id: 5n, name: 'android', sequence: 4 });
    await newChannel(p, { id: 6n, name: 'python', sequence: 4, is_default: 1 });
    await newChannel(p, { id: 7n, name: 'go', sequence: 5 });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('A31 all channels', () => {
    it('lists visible channels by sequence then id, without 推荐, cached with ETag and Cache-Control', async () => {
      const res = await t.app.inject({ url: '/app/v1_0/channels' });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.channels).toEqual([
        { id: 2, name: '开发者资讯' },
        { id: 1, name: 'html' },
        { id: 3, name: 'c++' },
        { id: 5, name: 'android' },
        { id: 6, name: 'python' },
        { id: 7, name: 'go' },
      ]);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(await t.platform.kv.get('ch:all')).not.toBeNull();

      const etag = res.headers.etag as string;
      const again = await t.app.inject({ url: '/app/v1_0/channels', headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');

      const account = await signIn();
      const personal = await t.app.inject({ url: '/app/v1_0/channels', headers: account.headers });
      expect(personal.headers['cache-control']).toBe('private, no-cache');
      expect(personal.headers.vary).toContain('Authorization');
    });
  });

  describe('A28 reading', () => {
    it('gives anonymous callers 推荐 and the visible default channels by sequence', async () => {
      const res = await t.app.inject({ url: URL_ });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        message: 'OK',
        data: {
          channels: [RECOMMEND, { id: 2, name: '开发者资讯' }, { id: 1, name: 'html' }, { id: 6, name: 'python' }],
        },
      });
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      const notModified = await t.app.inject({ url: URL_, headers: { 'if-none-match': res.headers.etag as string } });
      expect(notModified.statusCode).toBe(304);
      // The anonymous device form is anonymous too, but never shared.
      const anony = await t.app.inject({ url: URL_, headers: { authorization: 'Anony device-1' } });
      expect(anony.json().data.channels.map((c: { id: number }) => c.id)).toEqual([0, 2, 1, 6]);
      expect(anony.headers['cache-control']).toBe('private, no-cache');
    });

    it('gives a signed-in user who saved none the defaults, and a bad token a 401', async () => {
      const account = await signIn();
      expect(await ids(account)).toEqual([0, 2, 1, 6]);
      const bad = await t.app.inject({ url: URL_, headers: { authorization: 'Bearer not.a.token' } });
      expect(bad.statusCode).toBe(401);
      expect(bad.json()).toEqual({ message: 'Token has some errors.', code: 'unauthorized' });
    });

    it('lists saved channels by seq, skips hidden ones, and falls back to the defaults when none is visible', async () => {
      const account = await signIn();
      const now = Date.now();
      const row = (channel_id: bigint, sequence: number) => ({
        user_id: account.userId,
        channel_id,
        sequence,
        created_at: now,
        updated_at: now,
      });
      await t.platform.db
        .insertInto('user_channels')
        .values([row(4n, 0)])
        .execute();
      expect(await ids(account)).toEqual([0, 2, 1, 6]);

      const other = await signIn();
      await t.platform.db
        .insertInto('user_channels')
        .values([
          { ...row(7n, 1), user_id: other.userId },
          { ...row(4n, 2), user_id: other.userId },
          { ...row(3n, 3), user_id: other.userId },
        ])
        .execute();
      expect(await list(other)).toEqual([RECOMMEND, { id: 7, name: 'go' }, { id: 3, name: 'c++' }]);
    });
  });

  describe('writes', () => {
    it('A30 adds channels (ids as numbers or strings), echoes the body, and refuses any already saved with 409', async () => {
      const account = await signIn();
      expect(await ids(account)).toEqual([0, 2, 1, 6]);
      const res = await write('POST', account, {
        channels: [
          { id: 3, seq: 1 },
          { id: '1', seq: 2 },
        ],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        message: 'OK',
        data: {
          channels: [
            { id: 3, seq: 1 },
            { id: 1, seq: 2 },
          ],
        },
      });
      expect(await ids(account)).toEqual([0, 3, 1]);

      const conflict = await write('POST', account, {
        channels: [
          { id: 5, seq: 3 },
          { id: 1, seq: 4 },
        ],
      });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json()).toEqual({ message: 'Some conflict user channels occurred.', code: 'conflict' });
      // All or nothing: channel 5 was not added either.
      expect(await rowsOf(account.userId)).toEqual([
        { channel_id: 1n, sequence: 2 },
        { channel_id: 3n, sequence: 1 },
      ]);
      expect(await ids(account)).toEqual([0, 3, 1]);
    });

    it('A16 replaces the whole set atomically', async () => {
      const account = await signIn();
      expect(
        (
          await write('POST', account, {
            channels: [
              { id: 3, seq: 1 },
              { id: 1, seq: 2 },
            ],
          })
        ).statusCode,
      ).toBe(201);
      const res = await write('PUT', account, {
        channels: [
          { id: 5, seq: 2 },
          { id: 2, seq: 1 },
        ],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data).toEqual({
        channels: [
          { id: 5, seq: 2 },
          { id: 2, seq: 1 },
        ],
      });
      expect(await ids(account)).toEqual([0, 2, 5]);
      expect((await rowsOf(account.userId)).map((r) => r.channel_id)).toEqual([2n, 5n]);

      // A PUT that fails validation changes nothing.
      expect(
        (
          await write('PUT', account, {
            channels: [
              { id: 3, seq: 1 },
              { id: 999, seq: 2 },
            ],
          })
        ).statusCode,
      ).toBe(400);
      expect(await ids(account)).toEqual([0, 2, 5]);
    });

    it('A15 upserts: new ids are added, saved ones take the new seq, others stay', async () => {
      const account = await signIn();
      await write('PUT', account, {
        channels: [
          { id: 1, seq: 1 },
          { id: 2, seq: 2 },
          { id: 3, seq: 3 },
        ],
      });
      const res = await write('PATCH', account, {
        channels: [
          { id: 1, seq: 9 },
          { id: 7, seq: 4 },
        ],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data).toEqual({
        channels: [
          { id: 1, seq: 9 },
          { id: 7, seq: 4 },
        ],
      });
      expect(await ids(account)).toEqual([0, 2, 3, 7, 1]);
    });

    it('follows the app: PATCH one channel with seq = list length including 推荐, then DELETE it', async () => {
      const account = await signIn();
      // The home page starts from the defaults; the editor saves the user's own list first.
      const start = await list(account);
      await write('PUT', account, { channels: start.slice(1).map((c, i) => ({ id: c.id, seq: i + 1 })) });
      const before = await list(account);
      expect(before.map((c) => c.id)).toEqual([0, 2, 1, 6]);

      const added = await write('PATCH', account, { channels: [{ id: 7, seq: before.length }] });
      expect(added.statusCode).toBe(201);
      expect(added.json().data).toEqual({ channels: [{ id: 7, seq: 4 }] });
      expect(await list(account)).toEqual([...before, { id: 7, name: 'go' }]);

      const removed = await t.app.inject({ method: 'DELETE', url: `${URL_}/7`, headers: account.headers });
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      expect(await list(account)).toEqual(before);
    });

    it('A17 removes a batch given as a JSON body; unknown ids are ignored', async () => {
      const account = await signIn();
      await write('PUT', account, {
        channels: [
          { id: 1, seq: 1 },
          { id: 2, seq: 2 },
          { id: 3, seq: 3 },
          { id: 5, seq: 4 },
        ],
      });
      const res = await write('DELETE', account, { channels: [1, '3', 999] });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await ids(account)).toEqual([0, 2, 5]);

      expect((await write('DELETE', account)).json()).toEqual({
        message: 'Channels param is required.',
        code: 'bad_request',
      });
      expect((await write('DELETE', account, { channels: [] })).json()).toEqual({
        message: 'Channels param is required.',
        code: 'bad_request',
      });
      for (const channels of [[0], ['x'], [-1], 'all', [1.5], ['9999999999999999999']]) {
        const bad = await write('DELETE', account, { channels });
        expect(bad.statusCode).toBe(400);
        expect(bad.json()).toEqual({ message: 'Invalid channels param.', code: 'bad_request' });
      }
      expect(await ids(account)).toEqual([0, 2, 5]);
    });

    it('A10 upserts one channel; unknown or 0 is "Invalid channel id.", a bad seq has its own message, a non-numeric id is 404', async () => {
      const account = await signIn();
      await write('PUT', account, {
        channels: [
          { id: 1, seq: 1 },
          { id: 2, seq: 2 },
        ],
      });
      const res = await t.app.inject({
        method: 'PUT',
        url: `${URL_}/3`,
        headers: account.headers,
        payload: { seq: 0 },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ message: 'OK', data: { id: 3, seq: 0 } });
      expect(await ids(account)).toEqual([0, 3, 1, 2]);
      const moved = await t.app.inject({
        method: 'PUT',
        url: `${URL_}/3`,
        headers: account.headers,
        payload: { seq: '5' },
      });
      expect(moved.json().data).toEqual({ id: 3, seq: 5 });
      expect(await ids(account)).toEqual([0, 1, 2, 3]);

      for (const target of ['999', '0', '4']) {
        const bad = await t.app.inject({
          method: 'PUT',
          url: `${URL_}/${target}`,
          headers: account.headers,
          payload: { seq: 1 },
        });
        expect(bad.statusCode).toBe(400);
        expect(bad.json()).toEqual({ message: 'Invalid channel id.', code: 'bad_request' });
      }
      for (const payload of [{}, { seq: -1 }, { seq: 1.5 }, { seq: 'x' }]) {
        const bad = await t.app.inject({ method: 'PUT', url: `${URL_}/3`, headers: account.headers, payload });
        expect(bad.statusCode).toBe(400);
        expect(bad.json()).toEqual({ message: 'Invalid channel sequence param.', code: 'bad_request' });
      }
      expect(
        (await t.app.inject({ method: 'PUT', url: `${URL_}/abc`, headers: account.headers, payload: { seq: 1 } }))
          .statusCode,
      ).toBe(404);
      expect(await ids(account)).toEqual([0, 1, 2, 3]);
    });

    it('A11 removes one channel; a non-numeric id is 404', async () => {
      const account = await signIn();
      await write('PUT', account, {
        channels: [
          { id: 1, seq: 1 },
          { id: 2, seq: 2 },
        ],
      });
      expect((await t.app.inject({ method: 'DELETE', url: `${URL_}/1`, headers: account.headers })).statusCode).toBe(
        204,
      );
      // Removing a channel that is not saved is still a success.
      expect((await t.app.inject({ method: 'DELETE', url: `${URL_}/1`, headers: account.headers })).statusCode).toBe(
        204,
      );
      expect(await ids(account)).toEqual([0, 2]);
      for (const target of ['abc', '1x', '0']) {
        const res = await t.app.inject({ method: 'DELETE', url: `${URL_}/${target}`, headers: account.headers });
        expect(res.statusCode).toBe(404);
      }
    });

    it('requires a signed-in user for every write', async () => {
      const attempts = [
        write('POST', undefined, { channels: [{ id: 1, seq: 1 }] }),
        write('PUT', undefined, { channels: [{ id: 1, seq: 1 }] }),
        write('PATCH', undefined, { channels: [{ id: 1, seq: 1 }] }),
        write('DELETE', undefined, { channels: [1] }),
        t.app.inject({ method: 'PUT', url: `${URL_}/1`, payload: { seq: 1 } }),
        t.app.inject({ method: 'DELETE', url: `${URL_}/1` }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: 'User must be authorized.', code: 'unauthorized' });
      }
    });

    it('answers each malformed body of A30, A16 and A15 with the contract message', async () => {
      const account = await signIn();
      const cases: [unknown, string][] = [
        [undefined, 'Channels param is required.'],
        [{}, 'Channels param is required.'],
        [{ channels: [] }, 'Channels param is required.'],
        [{ channels: null }, 'Channels param is required.'],
        [{ channels: 'html' }, 'Invalid channels param.'],
        [{ channels: [1, 2] }, 'Invalid channels param.'],
        [{ channels: [{ id: 1 }] }, 'Invalid channels param.'],
        [{ channels: [{ seq: 1 }] }, 'Invalid channels param.'],
        [{ channels: [{ id: 'x', seq: 1 }] }, 'Invalid channels param.'],
        [
          {
            channels: [
              { id: 1, seq: 1 },
              { id: '1', seq: 2 },
            ],
          },
          'Repeated channels occurred.',
        ],
        [{ channels: [{ id: 0, seq: 1 }] }, 'Invalid channels param.'],
        [{ channels: [{ id: 999, seq: 1 }] }, 'Invalid channels param.'],
        [{ channels: [{ id: 4, seq: 1 }] }, 'Invalid channels param.'],
        [{ channels: [{ id: 1, seq: -1 }] }, 'Invalid channel sequence param.'],
        [{ channels: [{ id: 1, seq: 1.5 }] }, 'Invalid channel sequence param.'],
        [{ channels: [{ id: 1, seq: 'first' }] }, 'Invalid channel sequence param.'],
        [
          {
            channels: [
              { id: 1, seq: 1 },
              { id: 2, seq: -3 },
            ],
          },
          'Invalid channel sequence param.',
        ],
      ];
      for (const method of ['POST', 'PUT', 'PATCH'] as const) {
        for (const [payload, message] of cases) {
          const res = await write(method, account, payload);
          expect({ method, payload, status: res.statusCode, body: res.json() }).toEqual({
            method,
            payload,
            status: 400,
            body: { message, code: 'bad_request' },
          });
        }
      }
      expect(await rowsOf(account.userId)).toEqual([]);
    });
  });

  describe('caching', () => {
    it('serves a user’s list from the cache and drops it on every kind of write', async () => {
      const account = await signIn();
      const key = `uch:${account.userId}`;
      await write('PUT', account, { channels: [{ id: 1, seq: 1 }] });
      expect(await ids(account)).toEqual([0, 1]);
      expect(await t.platform.kv.get(key)).not.toBeNull();

      // A row written behind the app's back is not seen while the cached list lives…
      await t.platform.db
        .insertInto('user_channels')
        .values({ user_id: account.userId, channel_id: 2n, sequence: 5, created_at: 1, updated_at: 1 })
        .execute();
      expect(await ids(account)).toEqual([0, 1]);

      // …and each write through the API drops it: read, write, read again shows the change.
      const steps: [() => Promise<unknown>, number[]][] = [
        [() => write('PATCH', account, { channels: [{ id: 3, seq: 2 }] }), [0, 1, 3, 2]],
        [() => write('POST', account, { channels: [{ id: 5, seq: 0 }] }), [0, 5, 1, 3, 2]],
        [
          () => t.app.inject({ method: 'PUT', url: `${URL_}/1`, headers: account.headers, payload: { seq: 9 } }),
          [0, 5, 3, 2, 1],
        ],
        [() => t.app.inject({ method: 'DELETE', url: `${URL_}/5`, headers: account.headers }), [0, 3, 2, 1]],
        [() => write('DELETE', account, { channels: [3] }), [0, 2, 1]],
        [() => write('PUT', account, { channels: [{ id: 7, seq: 1 }] }), [0, 7]],
      ];
      for (const [step, expected] of steps) {
        await step();
        expect(await t.platform.kv.get(key)).toBeNull();
        expect(await ids(account)).toEqual(expected);
        expect(await t.platform.kv.get(key)).not.toBeNull();
      }
    });

    it('keeps the catalog and the defaults in the cache until invalidated', async () => {
      await t.app.inject({ url: URL_ });
      expect(await t.platform.kv.get('ch:default')).not.toBeNull();
      await newChannel(t.platform, { id: 8n, name: 'rust', sequence: 0, is_default: 1 });
      expect(
        (await t.app.inject({ url: '/app/v1_0/channels' })).json().data.channels.map((c: { id: number }) => c.id),
      ).not.toContain(8);
      expect(await ids()).toEqual([0, 2, 1, 6]);
      await t.services.channels.invalidateCatalog();
      expect((await t.app.inject({ url: '/app/v1_0/channels' })).json().data.channels[0]).toEqual({
        id: 8,
        name: 'rust',
      });
      expect(await ids()).toEqual([0, 8, 2, 1, 6]);
      await t.platform.db.deleteFrom('channels').where('id', '=', 8n).execute();
      await t.services.channels.invalidateCatalog();
    });
  });

  describe('concurrency', () => {
    it('50 concurrent PATCHes adding the same channel leave one row', async () => {
      const account = await signIn();
      await write('PUT', account, { channels: [{ id: 1, seq: 1 }] });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => write('PATCH', account, { channels: [{ id: 3, seq: 2 + (i % 3) }] })),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
      const rows = await rowsOf(account.userId);
      expect(rows.map((r) => r.channel_id)).toEqual([1n, 3n]);
      expect(await ids(account)).toEqual([0, 1, 3]);
    });

    it('concurrent PUTs never mix two bodies', async () => {
      const account = await signIn();
      const bodies = [
        [
          { id: 1, seq: 1 },
          { id: 2, seq: 2 },
        ],
        [
          { id: 3, seq: 1 },
          { id: 5, seq: 2 },
        ],
        [
          { id: 6, seq: 1 },
          { id: 7, seq: 2 },
        ],
      ];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => write('PUT', account, { channels: bodies[i % 3] })),
      );
      expect(results.every((r) => r.statusCode === 201)).toBe(true);
      const saved = (await rowsOf(account.userId)).map((r) => Number(r.channel_id));
      expect(bodies.map((b) => b.map((c) => c.id))).toContainEqual(saved);
    });
  });
});
