/** Presence where the API shows a user: A22's is_online follows the user's sockets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/wait.js';
import { account, connect, listen } from './realtime-helpers.js';

let t: TestApp;
let url: string;

describe(`is_online on A22 (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    url = await listen(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is true while any of the user’s sockets is connected and false after', async () => {
    const user = await account(t);
    const online = async () =>
      (await t.app.inject({ url: `/app/v1_0/users/${user.id}` })).json().data.is_online as boolean;
    expect(await online()).toBe(false);
    const socket = await connect('v4', url, { query: { token: user.token } });
    await until('online', online);
    socket.close();
    await until('offline', async () => !(await online()));
  });
});
