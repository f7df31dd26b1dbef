/**
 * A new user's public name is not their mobile number: comments, cards and A22 show the name to
 * everyone. The default is masked (`用户138****0000`) and stays unique.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { bearer, randomIp } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';

let t: TestApp;

const signIn = async (mobile: string) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810' },
    remoteAddress: randomIp(),
  });
  expect(res.statusCode).toBe(201);
  return res.json().data.token as string;
};

const me = async (token: string) =>
  parseBody((await t.app.inject({ url: '/app/v1_0/user', headers: bearer(token) })).body).data;

describe(`default display names (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('names a new user with the masked mobile, never the number itself', async () => {
    const token = await signIn('13811112222');
    expect((await me(token)).name).toBe('用户138****2222');
  });

  it('keeps names unique when masks collide, also for concurrent first sign-ins', async () => {
    // Same first three and last four digits: the same mask.
    const mobiles = ['13900013333', '13900023333', '13900033333', '13900043333', '13900053333'];
    const tokens = await Promise.all(mobiles.map(signIn));
    const names = await Promise.all(tokens.map(async (token) => (await me(token)).name as string));
    expect(new Set(names).size).toBe(mobiles.length);
    for (const name of names) expect(name).toMatch(/^用户139\*\*\*\*3333(_[0-9a-z]{4})?$/);
  });

  it('finds a free name when someone already picked the masked one', async () => {
    await signIn('13622220000');
    // Another user renamed themselves to exactly the mask a new number would get.
    await t.platform.db
      .updateTable('users')
      .set({ name: '用户136****1111' })
      .where('mobile', '=', '13622220000')
      .execute();
    expect((await me(await signIn('13699991111'))).name).toMatch(/^用户136\*\*\*\*1111_[0-9a-z]{4}$/);
  });

  it('shows no mobile on a comment or the public profile', async () => {
    const mobile = '13533334444';
    const token = await signIn(mobile);
    const channel = await newChannel(t.platform);
    const author = await t.platform.db
      .selectFrom('users')
      .select('id')
      .where('mobile', '=', mobile)
      .executeTakeFirstOrThrow();
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const posted = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/comments',
      headers: bearer(token),
      payload: { target: String(article.id), content: 'hello' },
    });
    expect(posted.statusCode).toBe(201);
    const comments = await t.app.inject({ url: `/app/v1_0/comments?type=a&source=${article.id}` });
    expect(comments.statusCode).toBe(200);
    expect(comments.body).toContain('用户135****4444');
    expect(comments.body).not.toContain(mobile);
    const profile = await t.app.inject({ url: `/app/v1_0/users/${author.id}` });
    expect(profile.body).not.toContain(mobile);
  });
});
