/**
 * Stored data is input too: rows migrated from the original system hold Qiniu hash keys without
 * an extension (`FtZqk2…`), absolute http URLs and protocol-relative ones as photos and covers.
 * Every page that lists them must render, with absolute URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';

const HASH_KEY = 'FtZqk2bKpVzn4kcO1ZHTaE-_Xy9w';
const HTTP_URL = 'http://toutiao-img.itheima.net/Fg3bWu1lGuaNnY2vgEfNr7qP4xnz';
const PROTOCOL_RELATIVE = '//toutiao-img.itheima.net/FlKd2dTq.jpg';

let t: TestApp;
let authorId: bigint;
let articleId: bigint;
let channelId: bigint;

describe(`migrated media references (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    channelId = (await newChannel(t.platform)).id;
    // Straight into the database, as a migration writes them.
    authorId = (await newUser(t.platform, { photo: HASH_KEY })).id;
    articleId = (
      await newArticle(t.platform, {
        user_id: authorId,
        channel_id: channelId,
        cover_type: 3,
        cover_images: [HASH_KEY, HTTP_URL, PROTOCOL_RELATIVE],
      })
    ).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const base = () => t.platform.storage.url('probe.png').replace(/probe\.png$/, '');

  it('renders a feed page', async () => {
    const res = await t.app.inject({
      url: `/app/v1_1/articles?channel_id=${channelId}&timestamp=${Date.now() + 60_000}&with_top=1`,
    });
    expect(res.statusCode).toBe(200);
    const card = parseBody(res.body).data.results.find(
      (r: { art_id: string }) => String(r.art_id) === String(articleId),
    );
    expect(card.aut_photo).toBe(`${base()}${HASH_KEY}`);
    expect(card.cover).toEqual({ type: 3, images: [`${base()}${HASH_KEY}`, HTTP_URL, `https:${PROTOCOL_RELATIVE}`] });
  });

  it('renders the recommendation feed', async () => {
    const res = await t.app.inject({ url: `/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1` });
    expect(res.statusCode).toBe(200);
  });

  it('renders the article detail', async () => {
    const res = await t.app.inject({ url: `/app/v1_0/articles/${articleId}` });
    expect(res.statusCode).toBe(200);
    expect(parseBody(res.body).data.aut_photo).toBe(`${base()}${HASH_KEY}`);
  });

  it('renders the user profile and their article list', async () => {
    const profile = await t.app.inject({ url: `/app/v1_0/users/${authorId}` });
    expect(profile.statusCode).toBe(200);
    expect(parseBody(profile.body).data.photo).toBe(`${base()}${HASH_KEY}`);
    const list = await t.app.inject({ url: `/app/v1_0/users/${authorId}/articles` });
    expect(list.statusCode).toBe(200);
    expect(parseBody(list.body).data.results).toHaveLength(1);
  });

  it('shows a reference no URL can be built from as stored instead of failing the page', async () => {
    const odd = await newUser(t.platform, { photo: '../not a key' });
    const res = await t.app.inject({ url: `/app/v1_0/users/${odd.id}` });
    expect(res.statusCode).toBe(200);
    expect(parseBody(res.body).data.photo).toBe('../not a key');
  });
});
