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

  it('answers each reader with their own flags after every change, never a body rendered for other flags', async () => {
    const channel = await newChannel(t.platform);
    const author = await newUser(t.platform);
    const article = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: 'Flags both ways',
    });
    const signIn = async (mobile: string, ip: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/app/v1_0/authorizations',
        remoteAddress: ip,
        payload: { mobile, code: '246810' },
      });
      return { authorization: `Bearer ${res.json().data.token}` };
    };
    const alice = await signIn('13722224444', '10.9.8.5');
    const bob = await signIn('13722225555', '10.9.8.4');
    const url = `/app/v1_0/articles/${article.id}`;
    const target = article.id.toString();
    const flags = async (headers: Record<string, string>) => {
      const data = (await t.app.inject({ url, headers })).json().data;
      return { is_followed: data.is_followed, attitude: data.attitude, is_collected: data.is_collected };
    };
    const call = async (method: 'POST' | 'DELETE', path: string, headers: Record<string, string>, id: string) => {
      const res =
        method === 'POST'
          ? await t.app.inject({ method, url: path, headers, payload: { target: id } })
          : await t.app.inject({ method, url: `${path}/${id}`, headers });
      expect(res.statusCode).toBe(method === 'POST' ? 201 : 204);
    };
    const none = { is_followed: false, attitude: -1, is_collected: false };
    expect(await flags(alice)).toEqual(none);
    expect(await flags(bob)).toEqual(none);

    await call('POST', '/app/v1_0/article/likings', alice, target);
    expect(await flags(alice)).toEqual({ ...none, attitude: 1 });
    expect(await flags(bob)).toEqual(none);

    await call('POST', '/app/v1_0/article/dislikes', alice, target);
    expect(await flags(alice)).toEqual({ ...none, attitude: 0 });
    await call('DELETE', '/app/v1_0/article/dislikes', alice, target);
    expect(await flags(alice)).toEqual(none);

    await call('POST', '/app/v1_0/article/collections', bob, target);
    await call('POST', '/app/v1_0/user/followings', bob, author.id.toString());
    expect(await flags(bob)).toEqual({ ...none, is_followed: true, is_collected: true });
    expect(await flags(alice)).toEqual(none);

    await call('DELETE', '/app/v1_0/article/collections', bob, target);
    expect(await flags(bob)).toEqual({ ...none, is_followed: true });
    await call('DELETE', '/app/v1_0/user/followings', bob, author.id.toString());
    expect(await flags(bob)).toEqual(none);
    expect(await flags({})).toEqual(none);
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
