import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoAnnouncements } from '../../src/modules/announcements/demo-announcements.js';
import { buildRouteMap, derivedName, internalPath } from '../../src/modules/route-map/route-map.js';
import type { DomainEvents } from '../../src/platform/events/events.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { randomIp } from '../helpers/http.js';

let t: TestApp;
let mobileCounter = 0;
const newMobile = () => `134${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter).padStart(2, '0')}`;

async function signIn(role?: 'admin' | 'moderator') {
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile: newMobile(), code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  const token = res.json().data.token as string;
  const userId = BigInt(
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { user_id: number }).user_id,
  );
  if (role) await t.platform.db.updateTable('users').set({ role }).where('id', '=', userId).execute();
  return { userId, headers: { authorization: `Bearer ${token}` } };
}

const ISO_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const BASE = Date.UTC(2026, 0, 1, 4);
const LIST = '/app/v1_0/announcements';
/** Ids of the 25 seeded rows, newest first. */
const seeded: bigint[] = [];

async function insertAnnouncement(id: bigint, publishedAt: number, title = `公告 ${id}`) {
  await t.platform.db
    .insertInto('announcements')
    .values({ id, title, content: `<p>${title}</p>`, published_at: publishedAt, created_at: publishedAt })
    .execute();
}

const page = async (query: string) => {
  const res = await t.app.inject({ url: `${LIST}${query}` });
  expect(res.statusCode).toBe(200);
  return parseBody(res.body).data as {
    total_count: number;
    page: number;
    per_page: number;
    results: { id: string | number; title: string; pubdate: string }[];
  };
};

describe(`announcements (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    // 25 announcements an hour apart; two share the newest instant (the id breaks the tie).
    for (let i = 1; i <= 24; i++) await insertAnnouncement(BigInt(100 + i), BASE + i * 3_600_000);
    await insertAnnouncement(200n, BASE + 24 * 3_600_000);
    seeded.push(200n, ...Array.from({ length: 24 }, (_, i) => BigInt(124 - i)));
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('A02 list', () => {
    it('pages newest first with the contract fields', async () => {
      const first = await page('');
      expect(first.total_count).toBe(25);
      expect(first.page).toBe(1);
      expect(first.per_page).toBe(10);
      expect(first.results.map((r) => BigInt(r.id))).toEqual(seeded.slice(0, 10));
      expect(Object.keys(first.results[0]!).sort()).toEqual(['id', 'pubdate', 'title']);
      expect(first.results[0]!.pubdate).toMatch(ISO_LOCAL);
      // Asia/Shanghai by default: 04:00 UTC + 24 h is 12:00 local the next day.
      expect(first.results[0]!.pubdate).toBe('2026-01-02T12:00:00');

      const third = await page('?page=3');
      expect(third.results.map((r) => BigInt(r.id))).toEqual(seeded.slice(20));
      const past = await page('?page=4');
      expect(past.total_count).toBe(25);
      expect(past.results).toEqual([]);

      const all: bigint[] = [];
      for (let p = 1; p <= 3; p++) all.push(...(await page(`?page=${p}`)).results.map((r) => BigInt(r.id)));
      expect(all).toEqual(seeded);
    });

    it('clamps per_page to 10–50 and page to ≥ 1', async () => {
      expect((await page('?per_page=5')).per_page).toBe(10);
      const big = await page('?per_page=100');
      expect(big.per_page).toBe(50);
      expect(big.results).toHaveLength(25);
      const zero = await page('?page=0&per_page=20');
      expect(zero.page).toBe(1);
      expect(zero.results).toHaveLength(20);
    });

    it('answers If-None-Match with 304; public max-age=60 when anonymous, private with a token', async () => {
      const res = await t.app.inject({ url: LIST });
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      const etag = res.headers.etag as string;
      expect(etag).toMatch(/^W\//);
      const again = await t.app.inject({ url: LIST, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      const user = await signIn();
      const personal = await t.app.inject({ url: LIST, headers: user.headers });
      expect(personal.statusCode).toBe(200);
      expect(personal.headers['cache-control']).toBe('private, no-cache');
    });
  });

  describe('A03 item', () => {
    it('returns one announcement with its content', async () => {
      const res = await t.app.inject({ url: `${LIST}/105` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        message: 'OK',
        data: { id: 105, title: '公告 105', content: '<p>公告 105</p>', pubdate: expect.stringMatching(ISO_LOCAL) },
      });
      expect(res.headers['cache-control']).toBe('public, max-age=60');
    });

    it('answers 400 "Invalid announcement." for an unknown id, and remembers the miss', async () => {
      const res = await t.app.inject({ url: `${LIST}/777` });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid announcement.', code: 'bad_request' });
      expect(await t.platform.kv.get('ann:777')).not.toBeNull();

      // The row appears behind the cache's back: the cached "absent" still answers, without asking
      // the database, until the negative entry expires (30 s) or a writer invalidates it.
      await insertAnnouncement(777n, BASE - 3_600_000);
      const cached = await t.app.inject({ url: `${LIST}/777` });
      expect(cached.statusCode).toBe(400);
      expect(cached.json()).toEqual({ message: 'Invalid announcement.', code: 'bad_request' });

      await t.services.announcements.invalidate([777n]);
      expect((await t.app.inject({ url: `${LIST}/777` })).json().data.title).toBe('公告 777');
      await t.platform.db.deleteFrom('announcements').where('id', '=', 777n).execute();
      await t.services.announcements.invalidate([777n]);
    });

    it('rejects 0 and ids beyond 64 bits with the same 400, and a non-numeric id as a bad parameter', async () => {
      for (const target of ['0', '9999999999999999999']) {
        const res = await t.app.inject({ url: `${LIST}/${target}` });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: 'Invalid announcement.', code: 'bad_request' });
      }
      expect((await t.app.inject({ url: `${LIST}/abc` })).statusCode).toBe(400);
    });
  });

  describe('publishing (admin)', () => {
    it('lets an admin publish: 201, caches cleared, event published', async () => {
      const admin = await signIn('admin');
      const events: DomainEvents['announcement.published'][] = [];
      const unsubscribe = t.platform.events.subscribe('announcement.published', (e) => void events.push(e));

      const before = await page('');
      expect(before.total_count).toBe(25);

      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1_0/announcements',
        headers: admin.headers,
        payload: { title: '  系统维护通知  ', content: '<p>今晚 <b>23:00</b> 维护。</p>' },
      });
      expect(res.statusCode).toBe(201);
      const body = parseBody(res.body);
      expect(body.message).toBe('OK');
      expect(Object.keys(body.data).sort()).toEqual(['id', 'pubdate', 'title']);
      expect(body.data.title).toBe('系统维护通知');
      expect(body.data.pubdate).toMatch(ISO_LOCAL);
      const id = BigInt(body.data.id);

      // The cached first page is gone: the new announcement leads and the total moved.
      const after = await page('');
      expect(after.total_count).toBe(26);
      expect(BigInt(after.results[0]!.id)).toBe(id);
      const item = await t.app.inject({ url: `${LIST}/${id}` });
      expect(parseBody(item.body).data).toEqual({
        id: String(id),
        title: '系统维护通知',
        content: '<p>今晚 <b>23:00</b> 维护。</p>',
        pubdate: body.data.pubdate,
      });

      await t.platform.events.settle();
      unsubscribe();
      expect(events).toEqual([{ announcementId: id, title: '系统维护通知', at: expect.any(Number) }]);
      await t.platform.db.deleteFrom('announcements').where('id', '=', id).execute();
      await t.services.announcements.invalidate([id]);
    });

    it('refuses other users with 403 "Admin only." and anonymous callers with 401', async () => {
      const payload = { title: 'x', content: 'y' };
      for (const role of [undefined, 'moderator'] as const) {
        const user = await signIn(role);
        const res = await t.app.inject({
          method: 'POST',
          url: '/admin/v1_0/announcements',
          headers: user.headers,
          payload,
        });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ message: 'Admin only.', code: 'role_required' });
      }
      const anonymous = await t.app.inject({ method: 'POST', url: '/admin/v1_0/announcements', payload });
      expect(anonymous.statusCode).toBe(401);
      expect((await page('')).total_count).toBe(25);
    });

    it('validates title (1–128, not blank) and content (1–20 000)', async () => {
      const admin = await signIn('admin');
      const post = (payload: object) =>
        t.app.inject({ method: 'POST', url: '/admin/v1_0/announcements', headers: admin.headers, payload });
      for (const payload of [
        { content: 'c' },
        { title: '', content: 'c' },
        { title: '   ', content: 'c' },
        { title: 'x'.repeat(129), content: 'c' },
        { title: 't' },
        { title: 't', content: 'x'.repeat(20_001) },
      ]) {
        const res = await post(payload);
        expect(res.statusCode).toBe(400);
      }
      const longest = await post({ title: '长'.repeat(128), content: 'x'.repeat(20_000) });
      expect(longest.statusCode).toBe(201);
      const id = BigInt(parseBody(longest.body).data.id);
      const stored = await t.platform.db
        .selectFrom('announcements')
        .select(['title', 'content'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(stored.title).toBe('长'.repeat(128));
      expect(stored.content).toHaveLength(20_000);
      await t.platform.db.deleteFrom('announcements').where('id', '=', id).execute();
      await t.services.announcements.invalidate([id]);
    });
  });

  describe('demo seed', () => {
    it('adds the demo announcements once and makes them visible at once', async () => {
      expect((await t.app.inject({ url: `${LIST}/1` })).statusCode).toBe(400);
      await page('');
      expect(await seedDemoAnnouncements(t.platform)).toBe(3);
      expect(await seedDemoAnnouncements(t.platform)).toBe(0);
      const res = await t.app.inject({ url: `${LIST}/1` });
      expect(res.statusCode).toBe(200);
      expect((await page('')).total_count).toBe(28);
      await t.platform.db.deleteFrom('announcements').where('id', 'in', [1n, 2n, 3n]).execute();
      await t.services.announcements.invalidate([1n, 2n, 3n]);
    });
  });
});

describe(`route maps A01 / M01 (db=${testDb}, redis=${testRedis})`, () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await buildTestApp();
  });
  afterAll(async () => {
    await r?.close();
  });

  it('GET /app/ is a bare map of the registered app routes in the original form', async () => {
    for (const url of ['/app/', '/app']) {
      const res = await r.app.inject({ url });
      expect(res.statusCode).toBe(200);
      const map = res.json() as Record<string, string>;
      expect(map.message).toBeUndefined();
      expect(map.data).toBeUndefined();
      expect(map).toMatchObject({
        'user.SMSVerificationCode': '/v1_0/sms/codes/<mobile:mobile>',
        'user.Authorization': '/v1_0/authorizations',
        'user.Channels': '/v1_0/user/channels',
        'user.Channel': '/v1_0/user/channels/<int:target>',
        'news.Channels': '/v1_0/channels',
        'news.Article': '/v1_0/articles/<int:article_id>',
        'notice.Announcements': '/v1_0/announcements',
        'notice.Announcement': '/v1_0/announcements/<int:target>',
        'user.CurrentUser': '/v1_0/user',
      });
      const paths = Object.values(map);
      expect(paths).toContain('/v1_1/articles');
      expect(new Set(paths).size).toBe(paths.length);
      for (const path of paths) {
        expect(path).toMatch(/^\//);
        expect(path).not.toMatch(/\/:|[*()]/);
        expect(path.startsWith('/app') || path.startsWith('/mp') || path.startsWith('/admin')).toBe(false);
      }
    }
  });

  it('GET /mp/ is a bare map too, and neither map leaks the other service', async () => {
    const res = await r.app.inject({ url: '/mp/' });
    expect(res.statusCode).toBe(200);
    const mp = res.json() as Record<string, string>;
    expect(mp.message).toBeUndefined();
    const app = (await r.app.inject({ url: '/app/' })).json() as Record<string, string>;
    expect(Object.values(mp)).not.toContain('/v1_0/user/channels');
    expect(Object.keys(app).length).toBeGreaterThan(Object.keys(mp).length);
  });

  it('converts paths and names endpoints the original did not have', () => {
    const digits = { properties: { target: { type: 'string', pattern: '^[0-9]{1,19}$' } } };
    expect(
      internalPath('app', {
        url: '/app/v1_0/articles/:article_id',
        params: { properties: { article_id: { type: 'string', pattern: '^[0-9]{1,19}$' } } },
      }),
    ).toBe('/v1_0/articles/<int:article_id>');
    expect(internalPath('app', { url: '/app/v1_0/user/channels/:target(^\\d{1,19}$)' })).toBe(
      '/v1_0/user/channels/<int:target>',
    );
    expect(internalPath('app', { url: '/app/imtest/:event' })).toBe('/imtest/<event>');
    expect(internalPath('mp', { url: '/app/v1_0/channels' })).toBeNull();
    expect(internalPath('app', { url: '/app/' })).toBeNull();
    expect(derivedName('/v1_0/user/sessions/<int:target>')).toBe('user.UserSession');
    expect(derivedName('/v1_1/articles')).toBe('news.Articles_V1_1');
    expect(
      buildRouteMap('app', [
        { url: '/app/v1_0/user/sessions' },
        { url: '/app/v1_0/user/sessions/:target', params: digits },
        { url: '/app/v1_0/user/sessions/:target', params: digits },
        { url: '/mp/v1_0/articles' },
      ]),
    ).toEqual({ 'user.UserSessions': '/v1_0/user/sessions', 'user.UserSession': '/v1_0/user/sessions/<int:target>' });
    // The original's name applies whatever converter the route declares; the path shows what is registered.
    expect(buildRouteMap('app', [{ url: '/app/v1_0/user/followings/:target' }])).toEqual({
      'user.Following': '/v1_0/user/followings/<target>',
    });
  });
});
