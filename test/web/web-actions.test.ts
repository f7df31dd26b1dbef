/**
 * What a signed-in reader does on the site (issue 14), over HTTP with a cookie jar: like,
 * collect, follow (form posts that redirect back, and the script's JSON answers), comment and
 * reply, buy a paid article through the payment simulator and come back to the full text, tip,
 * and the reader's own pages (profile and avatar, collections, history, following, followers,
 * notifications, devices). Each effect is checked through the app's API too: one data path.
 */
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { bearer, multipart, randomIp } from '../helpers/http.js';
import { buildPaymentsApp, paidArticle, PARAGRAPHS } from '../payments/helpers.js';
import { DEMO_CODE, WebClient } from '../helpers/web-client.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildPaymentsApp({}, { env: { PUBLIC_URL: 'http://news.example', LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await t?.close();
});

async function signedIn(): Promise<{ browser: WebClient; userId: bigint; token: string; mobile: string }> {
  const browser = new WebClient(t.app);
  const mobile = await browser.signIn();
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/authorizations',
    remoteAddress: randomIp(),
    payload: { mobile, code: DEMO_CODE },
  });
  const token = res.json().data.token as string;
  const user = await t.services.users.accounts.findByMobile(mobile);
  return { browser, userId: user!.id, token, mobile };
}

async function article(authorId: bigint, values: { title?: string } = {}) {
  const channel = await newChannel(t.platform, { is_default: 1 });
  return newArticle(t.platform, { user_id: authorId, channel_id: channel.id, ...values });
}

/** The API's view of an article for this reader. */
async function detail(token: string, id: bigint) {
  const res = await t.app.inject({ url: `/app/v1_0/articles/${id}`, headers: bearer(token) });
  return res.json().data as { attitude: number; is_collected: boolean; is_followed: boolean; content: string };
}

describe(`reader site actions (db=${testDb}, redis=${testRedis})`, () => {
  it('likes and collects with plain forms (redirect back) and with the script (JSON), as the app sees it', async () => {
    const author = await signedIn();
    const reader = await signedIn();
    const story = await article(author.userId);
    const page = await reader.browser.get(`/articles/${story.id}`);
    expect(page.body).toContain('aria-pressed="false"');

    const liked = await reader.browser.post(`/articles/${story.id}/like`, { on: '1', back: `/articles/${story.id}` });
    expect(liked.statusCode).toBe(303);
    expect(liked.headers.location).toBe(`/articles/${story.id}#actions`);
    expect((await detail(reader.token, story.id)).attitude).toBe(1);
    const after = await reader.browser.get(`/articles/${story.id}`);
    expect(after.body).toMatch(
      /aria-pressed="true"[^>]*>\s*<span class="label">已赞<\/span> <span class="count">1<\/span>/,
    );

    const collected = await reader.browser.postJson(`/articles/${story.id}/collect`, { on: '1' });
    expect(collected.statusCode).toBe(200);
    expect(collected.json()).toEqual({ on: true, count: 1 });
    expect((await detail(reader.token, story.id)).is_collected).toBe(true);
    const uncollected = await reader.browser.postJson(`/articles/${story.id}/collect`, { on: '0' });
    expect(uncollected.json()).toEqual({ on: false, count: 0 });

    // An open redirect through `back` is refused: it falls back to the article.
    const outside = await reader.browser.post(`/articles/${story.id}/like`, { on: '0', back: '//evil.example/x' });
    expect(outside.headers.location).toBe(`/articles/${story.id}#actions`);

    // The script's errors are the API's JSON, naming the problem.
    const missing = await reader.browser.postJson(`/articles/999999999/like`, { on: '1' });
    expect(missing.statusCode).toBeGreaterThanOrEqual(400);
    expect(missing.headers['content-type']).toContain('application/json');
    const bad = await reader.browser.postJson(`/articles/${story.id}/like`, { on: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('on');
  });

  it('sends a signed-out visitor to sign in and back, and refuses the script with 401', async () => {
    const author = await signedIn();
    const story = await article(author.userId);
    const visitor = new WebClient(t.app);
    const page = await visitor.get(`/articles/${story.id}`);
    expect(page.body).toContain(`/login?next=%2Farticles%2F${story.id}`);
    expect(page.body).not.toContain(`action="/articles/${story.id}/like"`);
    await visitor.get('/login');
    const post = await visitor.post(`/articles/${story.id}/like`, { on: '1' });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe(`/login?next=%2Farticles%2F${story.id}`);
    const json = await visitor.postJson(`/articles/${story.id}/like`, { on: '1' });
    expect(json.statusCode).toBe(401);
  });

  it('follows an author from the article and the profile, and lists following and followers', async () => {
    const author = await signedIn();
    const reader = await signedIn();
    const story = await article(author.userId);
    await reader.browser.get(`/articles/${story.id}`);
    const res = await reader.browser.post(`/users/${author.userId}/follow`, { on: '1', back: `/articles/${story.id}` });
    expect(res.headers.location).toBe(`/articles/${story.id}`);
    expect((await detail(reader.token, story.id)).is_followed).toBe(true);
    const profile = await reader.browser.get(`/users/${author.userId}`);
    expect(profile.body).toContain(`action="/users/${author.userId}/follow"`);
    expect(profile.body).toContain('已关注');
    const authorName = (await t.services.users.accounts.findByMobile(author.mobile))!.name;
    expect((await reader.browser.get('/me/following')).body).toContain(`href="/users/${author.userId}"`);
    const readerName = (await t.services.users.accounts.findByMobile(reader.mobile))!.name;
    expect((await author.browser.get('/me/followers')).body).toContain(readerName);
    // No follow button on one's own profile.
    expect((await author.browser.get(`/users/${author.userId}`)).body).not.toContain(`/users/${author.userId}/follow`);
    expect(authorName).toBeTruthy();

    const unfollowed = await reader.browser.postJson(`/users/${author.userId}/follow`, { on: '0' });
    expect(unfollowed.json()).toEqual({ on: false });
    expect((await detail(reader.token, story.id)).is_followed).toBe(false);
  });

  it('comments and replies; text is escaped; the author is notified on the notifications page', async () => {
    const author = await signedIn();
    const reader = await signedIn();
    const story = await article(author.userId, { title: 'Comment here' });
    await reader.browser.get(`/articles/${story.id}`);
    const posted = await reader.browser.post(`/articles/${story.id}/comments`, { content: '<b>first</b> 评论' });
    expect(posted.statusCode).toBe(303);
    const commentId = /#c(\d+)$/.exec(posted.headers.location as string)![1]!;
    const page = await reader.browser.get(`/articles/${story.id}`);
    expect(page.body).toContain('&lt;b&gt;first&lt;/b&gt; 评论');
    expect(page.body).not.toContain('<b>first</b>');
    expect(page.body).toContain(`href="/articles/${story.id}/comments/${commentId}"`);

    const thread = await author.browser.get(`/articles/${story.id}/comments/${commentId}`);
    expect(thread.statusCode).toBe(200);
    expect(thread.body).toContain('&lt;b&gt;first&lt;/b&gt; 评论');
    const replied = await author.browser.post(`/articles/${story.id}/comments/${commentId}`, { content: 'thanks!' });
    expect(replied.statusCode).toBe(303);
    expect((await reader.browser.get(`/articles/${story.id}/comments/${commentId}`)).body).toContain('thanks!');
    // The API shows the same reply under the comment.
    const api = await t.app.inject({ url: `/app/v1_0/comments?type=c&source=${commentId}` });
    expect(api.json().data.results.map((c: { content: string }) => c.content)).toEqual(['thanks!']);

    const empty = await reader.browser.post(`/articles/${story.id}/comments`, { content: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.headers['content-type']).toContain('text/html');

    // The author was notified of the comment (delivered off the request).
    await expect.poll(() => t.services.notifications.unreadCount(author.userId)).toBeGreaterThan(0);
    const notes = await author.browser.get('/me/notifications');
    expect(notes.statusCode).toBe(200);
    expect(notes.body).toContain('评论了你的文章');
    expect(notes.body).toContain(`href="/articles/${story.id}"`);
    const read = await author.browser.post('/me/notifications/read');
    expect(read.statusCode).toBe(303);
    expect(await t.services.notifications.unreadCount(author.userId)).toBe(0);
  });

  it('buys a paid article through the simulator and comes back to the full text', async () => {
    const author = await signedIn();
    const reader = await signedIn();
    const story = await paidArticle(t, author.userId, 880);
    const before = await reader.browser.get(`/articles/${story.id}`);
    expect(before.body).toContain('购买全文 ¥8.80');
    expect(before.body).not.toContain('Paragraph 6');

    const buy = await reader.browser.post(`/articles/${story.id}/buy`);
    expect(buy.statusCode).toBe(303);
    expect(new URL(buy.headers.location as string).pathname).toBe('/payments/simulator/pay');
    const returned = await reader.browser.payAtCashier(buy.headers.location as string);
    expect(returned.statusCode).toBe(302);
    const result = new URL(returned.headers.location as string);
    const landing = await reader.browser.get(`${result.pathname}${result.search}`);
    expect(landing.statusCode).toBe(200);
    expect(landing.body).toContain('data-status="paid"');
    expect(landing.body).toContain(`href="/articles/${story.id}"`);
    expect(landing.body).toContain('全文已解锁');

    const after = await reader.browser.get(`/articles/${story.id}`);
    expect(after.body).toContain(PARAGRAPHS[5]!.slice(0, 20));
    expect(after.body).toContain('已购买');
    expect(after.body).not.toContain(`action="/articles/${story.id}/buy"`);
    expect((await detail(reader.token, story.id)).content).toContain('Paragraph 6');

    // Somebody else landing on that result page learns nothing about the order.
    const stranger = await new WebClient(t.app).get(`${result.pathname}${result.search}`);
    expect(stranger.body).not.toContain(`/articles/${story.id}`);
  });

  it('tips an author: the form goes to the cashier for the chosen amount', async () => {
    const author = await signedIn();
    const reader = await signedIn();
    const story = await article(author.userId);
    const page = await reader.browser.get(`/articles/${story.id}`);
    expect(page.body).toContain(`action="/articles/${story.id}/tip"`);
    // Not on one's own article.
    expect((await author.browser.get(`/articles/${story.id}`)).body).not.toContain('/tip"');
    const tip = await reader.browser.post(`/articles/${story.id}/tip`, { yuan: '5' });
    expect(tip.statusCode).toBe(303);
    expect(new URL(tip.headers.location as string).pathname).toBe('/payments/simulator/pay');
    const orders = await t.app.inject({ url: '/app/v1_0/orders', headers: bearer(reader.token) });
    expect(orders.json().data.results[0]).toMatchObject({ kind: 'tip', amount: 500, status: 'pending' });
  });

  it('keeps a signed-in reader’s searches, shows them on the empty search page, and clears them', async () => {
    const reader = await signedIn();
    await reader.browser.get('/search?q=inkstone');
    await reader.browser.get(`/search?q=${encodeURIComponent('墨石 <b>')}`);
    const page = await reader.browser.get('/search');
    expect(page.body).toContain('搜索历史');
    expect(page.body).toContain('href="/search?q=inkstone"');
    expect(page.body).toContain('墨石 &lt;b&gt;');
    const api = await t.app.inject({ url: '/app/v1_0/search/histories', headers: bearer(reader.token) });
    expect(api.json().data.keywords).toEqual(['墨石 <b>', 'inkstone']);
    expect((await reader.browser.post('/search/history/clear')).statusCode).toBe(303);
    expect((await reader.browser.get('/search')).body).not.toContain('搜索历史');
    // Anonymous searches keep nothing and show no history.
    expect((await new WebClient(t.app).get('/search')).body).not.toContain('搜索历史');
  });

  it('keeps the reader’s pages: profile and avatar, collections, history', async () => {
    const author = await signedIn();
    const reader = await signedIn();
    const story = await article(author.userId, { title: 'Keep this one' });
    await reader.browser.get(`/articles/${story.id}`);
    await reader.browser.postJson(`/articles/${story.id}/collect`, { on: '1' });
    expect((await reader.browser.get('/me/collections')).body).toContain('Keep this one');
    expect((await reader.browser.get('/me/history')).body).toContain('Keep this one');

    await reader.browser.get('/me');
    const name = `读${Date.now() % 1e5}`;
    const saved = await reader.browser.post('/me/profile', { name, intro: 'I read <things>' });
    expect(saved.statusCode, saved.body.match(/<main[\s\S]*<\/main>/)?.[0]).toBe(303);
    const tooLong = await reader.browser.post('/me/profile', { name: '这个名字实在是太长了吧' });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('name：must be 1 to 7 characters');
    const me = await reader.browser.get('/me?saved=1');
    expect(me.body).toContain(`value="${name}"`);
    expect(me.body).toContain('I read &lt;things&gt;');
    const profile = await t.app.inject({ url: '/app/v1_0/user/profile', headers: bearer(reader.token) });
    expect(profile.json().data.name).toBe(name);

    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c7161e' } })
      .png()
      .toBuffer();
    const body = multipart([
      { name: '_csrf', data: reader.browser.csrf! },
      { name: 'photo', filename: 'me.png', type: 'image/png', data: png },
    ]);
    const upload = await t.app.inject({
      method: 'POST',
      url: '/me/photo',
      headers: { ...body.headers, cookie: [...reader.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      payload: body.payload,
    });
    expect(upload.statusCode).toBe(303);
    const user = await t.app.inject({ url: '/app/v1_0/user', headers: bearer(reader.token) });
    expect(user.json().data.photo).toMatch(/^http:\/\/news\.example\/media\//);
    // Without the token, the upload is refused.
    const forged = multipart([{ name: 'photo', filename: 'me.png', type: 'image/png', data: png }]);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/me/photo',
      headers: { ...forged.headers, cookie: [...reader.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      payload: forged.payload,
    });
    expect(refused.statusCode).toBe(403);
  });

  it('pushes a notification live to a page’s socket, authenticated by the session cookie', async () => {
    const author = await signedIn();
    const fan = await signedIn();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const socket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      extraHeaders: { cookie: `inkstone_session=${author.browser.cookies.get('inkstone_session')}` },
      reconnection: false,
    });
    try {
      const arrived = new Promise<{ user_name: string }>((resolve) => socket.on('following notify', resolve));
      await new Promise<void>((resolve, reject) => {
        socket.on('connect', () => resolve());
        socket.on('connect_error', reject);
      });
      await fan.browser.get(`/users/${author.userId}`);
      await fan.browser.post(`/users/${author.userId}/follow`, { on: '1' });
      const payload = await arrived;
      expect(payload.user_name).toBe((await t.services.users.accounts.findByMobile(fan.mobile))!.name);
    } finally {
      socket.close();
    }
  });
});
