/** A34's per-reader fields and side effects, wired from the relations and engagement modules. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';

let t: TestApp;

describe(`article detail for a signed-in reader (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows is_followed, attitude and is_collected, and records the read in the history', async () => {
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform);
    const article = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: 'Viewer flags article',
    });
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      remoteAddress: '10.9.8.7',
      payload: { mobile: '13722223333', code: '246810' },
    });
    const headers = { authorization: `Bearer ${signIn.json().data.token}` };
    const url = `/app/v1_0/articles/${article.id}`;

    const before = (await t.app.inject({ url, headers })).json().data;
    expect(before).toMatchObject({ is_followed: false, attitude: -1, is_collected: false });

    const target = article.id.toString();
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/app/v1_0/user/followings',
          headers,
          payload: { target: author.id.toString() },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await t.app.inject({ method: 'POST', url: '/app/v1_0/article/likings', headers, payload: { target } }))
        .statusCode,
    ).toBe(201);
    expect(
      (await t.app.inject({ method: 'POST', url: '/app/v1_0/article/collections', headers, payload: { target } }))
        .statusCode,
    ).toBe(201);

    const after = await t.app.inject({ url, headers });
    expect(after.json().data).toMatchObject({ is_followed: true, attitude: 1, is_collected: true });
    expect(after.headers['cache-control']).toContain('private');

    const history = (await t.app.inject({ url: '/app/v1_0/user/histories', headers })).json().data;
    expect(history.results.map((r: { title: string }) => r.title)).toEqual(['Viewer flags article']);

    // An anonymous reader still gets the anonymous flags.
    expect((await t.app.inject({ url })).json().data).toMatchObject({
      is_followed: false,
      attitude: -1,
      is_collected: false,
    });
  });

  it('shows a paid article in full to its author and only a preview to others (issue 8)', async () => {
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform, { mobile: '13755556666' });
    const paragraphs = Array.from(
      { length: 8 },
      (_, i) => `<p>Paragraph ${i} of the paid article, with enough words to matter.</p>`,
    ).join('');
    const article = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: 'Paid article here',
      content: paragraphs,
    });
    await t.platform.db.updateTable('articles').set({ price_cents: 990 }).where('id', '=', article.id).execute();
    const url = `/app/v1_0/articles/${article.id}`;

    const anonymous = (await t.app.inject({ url })).json().data;
    expect(anonymous).toMatchObject({ is_paid: true, price: 990, purchased: false, preview: true });
    expect(anonymous.content.length).toBeLessThan(paragraphs.length);
    expect(anonymous.content).toContain('Paragraph 0');
    expect(anonymous.content).not.toContain('Paragraph 7');

    const signIn = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      remoteAddress: '10.9.8.6',
      payload: { mobile: '13755556666', code: '246810' },
    });
    const asAuthor = (
      await t.app.inject({ url, headers: { authorization: `Bearer ${signIn.json().data.token}` } })
    ).json().data;
    expect(asAuthor).toMatchObject({ is_paid: true, preview: false });
    expect(asAuthor.content).toBe(paragraphs);
  });
});
