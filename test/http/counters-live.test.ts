/**
 * Counters read your writes (issue #11, §2): every endpoint that shows a counter shows a write at
 * once, with no flush in between: the user's follow, fans, article and like counts on A27
 * (`/user`), A22, the follow lists and the MP statistics, the article counts on cards, and read
 * counts (still kv deltas) on A26.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { signInOn } from '../helpers/nodes.js';
import { bearer } from '../helpers/http.js';
import { mpAuthor } from '../helpers/mp-author.js';
import { parseBody } from '../helpers/json.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function account() {
  return signInOn(t, (await newUser(t.platform)).mobile);
}

async function get(url: string, token?: string) {
  const res = await t.app.inject({ url, headers: token ? bearer(token) : {} });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data;
}

async function post(url: string, token: string, payload: object) {
  const res = await t.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  expect(res.statusCode, res.body).toBe(201);
  return parseBody(res.body).data;
}

describe(`counters read your writes (db=${testDb}, redis=${testRedis})`, () => {
  it('a follow shows at once on /user of both users, on A22 and in the follow lists', async () => {
    const fan = await account();
    const star = await account();
    await post('/app/v1_0/user/followings', fan.token, { target: String(star.id) });

    expect(await get('/app/v1_0/user', fan.token)).toMatchObject({ follow_count: 1, fans_count: 0 });
    expect(await get('/app/v1_0/user', star.token)).toMatchObject({ follow_count: 0, fans_count: 1 });
    expect(await get(`/app/v1_0/users/${star.id}`, fan.token)).toMatchObject({ fans_count: 1, is_following: true });
    expect(await get(`/app/v1_0/users/${fan.id}`)).toMatchObject({ follow_count: 1 });
    expect((await get('/app/v1_0/user/followings', fan.token)).results).toMatchObject([{ fans_count: 1 }]);
    expect(await get('/app/v1_0/user/figure', star.token)).toMatchObject({ fans_count: 1 });

    const res = await t.app.inject({
      method: 'DELETE',
      url: `/app/v1_0/user/followings/${star.id}`,
      headers: bearer(fan.token),
    });
    expect(res.statusCode).toBe(204);
    expect(await get('/app/v1_0/user', star.token)).toMatchObject({ fans_count: 0 });
    expect(await get('/app/v1_0/user', fan.token)).toMatchObject({ follow_count: 0 });
  });

  it('a like, a comment and a collection show at once on the author, the card and the MP figures; a view on A26', async () => {
    const author = await mpAuthor(t);
    const channel = await newChannel(t.platform);
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const reader = await account();
    const card = async () =>
      (await get(`/app/v1_1/articles?channel_id=${channel.id}&timestamp=${Date.now()}&with_top=1`)).results[0];

    expect(await card()).toMatchObject({ like_count: 0, comm_count: 0, collect_count: 0 });
    await post('/app/v1_0/article/likings', reader.token, { target: String(article.id) });
    await post('/app/v1_0/article/collections', reader.token, { target: String(article.id) });
    await post('/app/v1_0/comments', reader.token, { target: String(article.id), content: 'first!' });

    expect(await card()).toMatchObject({ like_count: 1, comm_count: 1, collect_count: 1 });
    expect(await get('/app/v1_0/user', author.app)).toMatchObject({ like_count: 1 });
    expect(await get(`/app/v1_0/users/${author.id}`, reader.token)).toMatchObject({ like_count: 1 });
    expect(await get('/mp/v1_0/statistics/articles', author.mp)).toMatchObject({
      like_count: 1,
      comment_count: 1,
      collect_count: 1,
    });

    const before = (await get('/app/v1_0/user/figure', author.app)).read_count;
    await get(`/app/v1_0/articles/${article.id}`, reader.token);
    expect((await get('/app/v1_0/user/figure', author.app)).read_count).toBe(before + 1);
  });

  it('publishing an article moves the author’s art_count at once (M12, then M15 deletes it)', async () => {
    const author = await mpAuthor(t);
    const channel = await newChannel(t.platform);
    const { id } = await post('/mp/v1_0/articles?draft=false', author.mp, {
      title: 'Counting my articles',
      content: '<p>One article, counted once.</p>',
      cover: { type: 0, images: [] },
      channel_id: String(channel.id),
    });
    expect(await get('/app/v1_0/user', author.app)).toMatchObject({ art_count: 1 });
    expect(await get(`/app/v1_0/users/${author.id}`)).toMatchObject({ art_count: 1 });
    const res = await t.app.inject({ method: 'DELETE', url: `/mp/v1_0/articles/${id}`, headers: bearer(author.mp) });
    expect(res.statusCode).toBe(204);
    expect(await get('/app/v1_0/user', author.app)).toMatchObject({ art_count: 0 });
  });
});
