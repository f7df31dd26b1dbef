import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/platform/events/events.js';
import { buildTestApp, manualClock, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { randomIp, bearer } from '../helpers/http.js';

const clock = manualClock();
let t: TestApp;
const followed: DomainEvents['user.followed'][] = [];

const DEFAULT_AVATAR = 'http://inkstone.test/assets/default-avatar.svg';

interface Account {
  id: bigint;
  name: string;
  token: string;
}

/** A user row from the factory, signed in through the real endpoint with the demo code. */
async function account(values: { name?: string; photo?: string | null } = {}): Promise<Account> {
  const user = await newUser(t.platform, values);
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile: user.mobile, code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  return { id: user.id, name: user.name, token: res.json().data.token };
}

const follow = (who: Account, target: unknown) =>
  t.app.inject({ method: 'POST', url: '/app/v1_0/user/followings', headers: bearer(who.token), payload: { target } });
const unfollow = (who: Account, target: unknown) =>
  t.app.inject({ method: 'DELETE', url: `/app/v1_0/user/followings/${String(target)}`, headers: bearer(who.token) });
const blacklist = (who: Account, target: unknown) =>
  t.app.inject({ method: 'POST', url: '/app/v1_0/user/blacklists', headers: bearer(who.token), payload: { target } });
const unblacklist = (who: Account, target: unknown) =>
  t.app.inject({ method: 'DELETE', url: `/app/v1_0/user/blacklists/${String(target)}`, headers: bearer(who.token) });
const list = async (who: Account, kind: 'followings' | 'followers', query = '') => {
  const res = await t.app.inject({ url: `/app/v1_0/user/${kind}${query}`, headers: bearer(who.token) });
  expect(res.statusCode).toBe(200);
  return parseBody(res.body).data as {
    total_count: number;
    page: number;
    per_page: number;
    results: { id: string | number; name: string; photo: string; fans_count: number; mutual_follow: boolean }[];
  };
};
const ids = (results: { id: string | number }[]) => results.map((r) => String(r.id));

/** follow_count / fans_count as stored (after a flush) and as the follows table says they should be. */
async function counts(user: Account) {
  const row = await t.platform.db
    .selectFrom('users')
    .select(['follow_count', 'fans_count'])
    .where('id', '=', user.id)
    .executeTakeFirstOrThrow();
  const real = async (column: 'user_id' | 'target_user_id') =>
    Number(
      (
        await t.platform.db
          .selectFrom('follows')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(column, '=', user.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    follow_count: row.follow_count,
    fans_count: row.fans_count,
    real_follows: await real('user_id'),
    real_fans: await real('target_user_id'),
  };
}

async function expectCountersMatchRows(...users: Account[]) {
  await t.services.counters.flush();
  for (const user of users) {
    const c = await counts(user);
    expect(c.follow_count).toBe(c.real_follows);
    expect(c.fans_count).toBe(c.real_fans);
  }
}

async function eventsFrom(actor: Account) {
  await t.platform.events.settle();
  return followed.filter((e) => e.actorId === actor.id);
}

describe(`relations: follows and blacklists (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp({}, undefined, { clock });
    t.platform.events.subscribe('user.followed', (event) => {
      followed.push(event);
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 without a token on every route', async () => {
    const routes: [string, string][] = [
      ['POST', '/app/v1_0/user/followings'],
      ['DELETE', '/app/v1_0/user/followings/1'],
      ['GET', '/app/v1_0/user/followings'],
      ['GET', '/app/v1_0/user/followers'],
      ['POST', '/app/v1_0/user/blacklists'],
      ['DELETE', '/app/v1_0/user/blacklists/1'],
      ['GET', '/mp/v1_0/followers'],
    ];
    for (const [method, url] of routes) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        payload: method === 'POST' ? { target: 1 } : undefined,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json()).toEqual({ message: 'User must be authorized.', code: 'unauthorized' });
    }
  });

  describe('follow (A20) and unfollow (A13)', () => {
    it('follows by number or digit string, idempotently, moving counters and publishing once per real follow', async () => {
      const [me, a, b] = [await account(), await account(), await account()];

      const first = await follow(me, Number(a.id));
      expect(first.statusCode).toBe(201);
      // The id goes back as an exact JSON integer, whichever form it came in.
      expect(first.body).toBe(`{"message":"OK","data":{"target":${a.id}}}`);
      const second = await follow(me, String(b.id));
      expect(second.statusCode).toBe(201);
      expect(second.body).toBe(`{"message":"OK","data":{"target":${b.id}}}`);

      // Duplicates: still 201, nothing moves, no event.
      expect((await follow(me, String(a.id))).statusCode).toBe(201);
      expect((await follow(me, Number(a.id))).statusCode).toBe(201);

      const events = await eventsFrom(me);
      expect(events.map((e) => e.targetUserId)).toEqual([a.id, b.id]);
      expect(events[0]!.at).toBe(clock.now());

      // Before a flush the list shows base + delta; after it the columns equal the rows.
      const mine = await list(me, 'followings');
      expect(mine.total_count).toBe(2);
      expect(mine.results.every((r) => r.fans_count === 1)).toBe(true);
      await expectCountersMatchRows(me, a, b);
      expect(await counts(me)).toMatchObject({ follow_count: 2, fans_count: 0 });
      expect(await counts(a)).toMatchObject({ follow_count: 0, fans_count: 1 });
    });

    it('refuses to follow yourself, unknown, disabled and malformed targets with 400', async () => {
      const me = await account();
      const self = await follow(me, String(me.id));
      expect(self.statusCode).toBe(400);
      expect(self.json()).toEqual({ message: 'User cannot follow self.', code: 'bad_request' });
      expect((await follow(me, Number(me.id))).json()).toEqual({
        message: 'User cannot follow self.',
        code: 'bad_request',
      });

      for (const unknown of [String(me.id + 987654321n), 999999999, '9223372036854775807']) {
        const res = await follow(me, unknown);
        expect(res.statusCode, String(unknown)).toBe(400);
        expect(res.json()).toEqual({ message: 'Invalid target user.', code: 'bad_request' });
      }
      const disabled = await account();
      await t.platform.db.updateTable('users').set({ status: 0 }).where('id', '=', disabled.id).execute();
      expect((await follow(me, String(disabled.id))).json()).toEqual({
        message: 'Invalid target user.',
        code: 'bad_request',
      });

      for (const bad of [0, '0', -1, 'abc', '12a', 1.5, '99999999999999999999', true, [1], {}]) {
        const res = await follow(me, bad);
        expect(res.statusCode, JSON.stringify(bad)).toBe(400);
        expect(res.json().message).toBeTruthy();
      }
      const missing = await t.app.inject({
        method: 'POST',
        url: '/app/v1_0/user/followings',
        headers: bearer(me.token),
        payload: {},
      });
      expect(missing.statusCode).toBe(400);
      const empty = await t.app.inject({ method: 'POST', url: '/app/v1_0/user/followings', headers: bearer(me.token) });
      expect(empty.statusCode).toBe(400);

      expect(await eventsFrom(me)).toHaveLength(0);
      await expectCountersMatchRows(me);
      expect((await counts(me)).follow_count).toBe(0);
    });

    it('unfollows with 204 whether or not following; counters drop only for a real unfollow; re-follow revives', async () => {
      const [me, a] = [await account(), await account()];
      expect((await follow(me, a.id.toString())).statusCode).toBe(201);

      const gone = await unfollow(me, a.id);
      expect(gone.statusCode).toBe(204);
      expect(gone.body).toBe('');
      expect((await unfollow(me, a.id)).statusCode).toBe(204);
      expect((await unfollow(me, me.id + 123456789n)).statusCode).toBe(204);
      expect((await list(me, 'followings')).total_count).toBe(0);
      await expectCountersMatchRows(me, a);
      expect((await counts(a)).fans_count).toBe(0);

      clock.advance(1000);
      expect((await follow(me, Number(a.id))).statusCode).toBe(201);
      expect((await list(me, 'followings')).results.map((r) => String(r.id))).toEqual([String(a.id)]);
      expect((await eventsFrom(me)).map((e) => e.targetUserId)).toEqual([a.id, a.id]);
      await expectCountersMatchRows(me, a);
      expect((await counts(a)).fans_count).toBe(1);
    });

    it('answers 404 for a path that is not a user id', async () => {
      const me = await account();
      for (const bad of ['abc', '0', '-5', '1.5', '99999999999999999999', '9223372036854775808']) {
        const res = await unfollow(me, bad);
        expect(res.statusCode, bad).toBe(404);
        expect(res.json().message).toBeTruthy();
        expect((await unblacklist(me, bad)).statusCode, bad).toBe(404);
      }
    });

    it('50 concurrent follows of one target leave one row, matching counters and one event', async () => {
      const [me, target] = [await account(), await account()];
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => follow(me, i % 2 === 0 ? String(target.id) : Number(target.id))),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(201));

      const rows = await t.platform.db.selectFrom('follows').selectAll().where('user_id', '=', me.id).execute();
      expect(rows).toHaveLength(1);
      expect(await eventsFrom(me)).toHaveLength(1);

      // Unflushed: the list overlays the pending delta.
      const before = await list(me, 'followings');
      expect(before.total_count).toBe(1);
      expect(before.results[0]!.fans_count).toBe(1);

      await expectCountersMatchRows(me, target);
      expect(await counts(me)).toMatchObject({ follow_count: 1 });
      expect(await counts(target)).toMatchObject({ fans_count: 1 });
      expect((await list(me, 'followings')).results[0]!.fans_count).toBe(1);

      // And 50 concurrent unfollows take it away exactly once.
      const gone = await Promise.all(Array.from({ length: 50 }, () => unfollow(me, target.id)));
      expect(gone.every((r) => r.statusCode === 204)).toBe(true);
      expect((await list(me, 'followings')).total_count).toBe(0);
      await expectCountersMatchRows(me, target);
      expect((await counts(target)).fans_count).toBe(0);
    });

    it('a throwing subscriber neither fails nor delays the follow', async () => {
      const [me, a] = [await account(), await account()];
      let called = 0;
      const off = t.platform.events.subscribe('user.followed', () => {
        called++;
        throw new Error('subscriber exploded');
      });
      const offAsync = t.platform.events.subscribe('user.followed', async () => {
        throw new Error('async subscriber exploded');
      });
      try {
        const res = await follow(me, String(a.id));
        expect(res.statusCode).toBe(201);
        await t.platform.events.settle();
        expect(called).toBe(1);
        expect(await eventsFrom(me)).toHaveLength(1);
      } finally {
        off();
        offAsync();
      }
    });
  });

  describe('lists (A24, A25)', () => {
    it('lists followings and followers newest first with mutual_follow, photos and fans_count', async () => {
      const me = await account();
      const friend = await account({ photo: 'avatars/friend.png' });
      const idol = await account();
      const fan = await account();

      clock.advance(1000);
      await follow(me, String(friend.id));
      clock.advance(1000);
      await follow(me, String(idol.id));
      clock.advance(1000);
      await follow(friend, String(me.id));
      clock.advance(1000);
      await follow(fan, String(me.id));
      await follow(fan, String(idol.id));

      const followings = await list(me, 'followings');
      expect(followings).toMatchObject({ total_count: 2, page: 1, per_page: 10 });
      expect(ids(followings.results)).toEqual([String(idol.id), String(friend.id)]);
      const [idolItem, friendItem] = followings.results;
      expect(Object.keys(idolItem!).sort()).toEqual(['fans_count', 'id', 'mutual_follow', 'name', 'photo']);
      expect(idolItem).toMatchObject({ name: idol.name, photo: DEFAULT_AVATAR, fans_count: 2, mutual_follow: false });
      expect(friendItem).toMatchObject({ name: friend.name, fans_count: 1, mutual_follow: true });
      expect(friendItem!.photo).toMatch(/^https?:\/\/.+avatars\/friend\.png$/);

      const followers = await list(me, 'followers');
      expect(followers.total_count).toBe(2);
      expect(ids(followers.results)).toEqual([String(fan.id), String(friend.id)]);
      expect(followers.results.map((r) => r.mutual_follow)).toEqual([false, true]);
      expect(followers.results[1]!.fans_count).toBe(1);

      // The idol's view: both are fans, neither is followed back.
      const idolFans = await list(idol, 'followers');
      expect(ids(idolFans.results)).toEqual([String(fan.id), String(me.id)]);
      expect(idolFans.results.every((r) => !r.mutual_follow)).toBe(true);
      expect(idolFans.results.find((r) => String(r.id) === String(me.id))!.fans_count).toBe(2);
    });

    it('pages 10–50 (default 10), clamps out-of-range sizes and ignores perPage and a GET body target', async () => {
      const me = await account();
      const targets: Account[] = [];
      for (let i = 0; i < 12; i++) {
        const u = await account();
        targets.push(u);
        clock.advance(10);
        expect((await follow(me, String(u.id))).statusCode).toBe(201);
      }
      const newestFirst = targets.map((u) => String(u.id)).reverse();

      const first = await list(me, 'followings', '?perPage=5');
      expect(first).toMatchObject({ total_count: 12, page: 1, per_page: 10 });
      expect(ids(first.results)).toEqual(newestFirst.slice(0, 10));
      const second = await list(me, 'followings', '?page=2&per_page=10');
      expect(ids(second.results)).toEqual(newestFirst.slice(10));
      expect(await list(me, 'followings', '?page=3')).toMatchObject({ total_count: 12, page: 3, results: [] });
      expect(await list(me, 'followings', '?per_page=1')).toMatchObject({ per_page: 10 });
      const big = await list(me, 'followings', '?per_page=100&page=0');
      expect(big).toMatchObject({ page: 1, per_page: 50 });
      expect(big.results).toHaveLength(12);

      const other = await account();
      const withBody = await t.app.inject({
        method: 'GET',
        url: '/app/v1_0/user/followings',
        headers: bearer(me.token),
        payload: { target: String(other.id) },
      });
      expect(withBody.statusCode).toBe(200);
      expect(parseBody(withBody.body).data.total_count).toBe(12);

      const fanView = await list(targets[0]!, 'followers', '?per_page=10');
      expect(ids(fanView.results)).toEqual([String(me.id)]);
    });
  });

  describe('blacklist (A18) and un-blacklist (A14)', () => {
    it('replaces the follows in both directions and adjusts counters', async () => {
      const [me, other] = [await account(), await account()];
      await follow(me, String(other.id));
      await follow(other, String(me.id));
      expect((await list(me, 'followings')).results[0]!.mutual_follow).toBe(true);

      const res = await blacklist(me, Number(other.id));
      expect(res.statusCode).toBe(201);
      expect(String(parseBody(res.body).data.target)).toBe(String(other.id));
      expect((await blacklist(me, String(other.id))).statusCode).toBe(201);

      expect((await list(me, 'followings')).total_count).toBe(0);
      expect((await list(me, 'followers')).total_count).toBe(0);
      expect((await t.services.relations.between(me.id, other.id)).isBlacklist).toBe(true);
      await expectCountersMatchRows(me, other);
      expect(await counts(me)).toMatchObject({ follow_count: 0, fans_count: 0 });
      expect(await counts(other)).toMatchObject({ follow_count: 0, fans_count: 0 });
    });

    it('keeps a blacklisted user from following; the blacklister may follow (which lifts the blacklist)', async () => {
      const [me, pest] = [await account(), await account()];
      await blacklist(me, String(pest.id));

      const denied = await follow(pest, String(me.id));
      expect(denied.statusCode).toBe(400);
      expect(denied.json()).toEqual({ message: 'Target user has blacklisted you.', code: 'bad_request' });
      expect(await eventsFrom(pest)).toHaveLength(0);

      expect((await unblacklist(me, pest.id)).statusCode).toBe(204);
      expect((await unblacklist(me, pest.id)).statusCode).toBe(204);
      expect((await follow(pest, String(me.id))).statusCode).toBe(201);
      expect(await eventsFrom(pest)).toHaveLength(1);

      // Following someone you blacklisted lifts your own blacklist.
      const [other] = [await account()];
      await blacklist(me, String(other.id));
      expect((await follow(me, String(other.id))).statusCode).toBe(201);
      expect((await t.services.relations.between(me.id, other.id)).isBlacklist).toBe(false);
      expect(await t.services.relations.isFollowing(me.id, other.id)).toBe(true);
      await expectCountersMatchRows(me, pest, other);
    });

    it('refuses to blacklist yourself, unknown and malformed targets with 400', async () => {
      const me = await account();
      const self = await blacklist(me, String(me.id));
      expect(self.statusCode).toBe(400);
      expect(self.json()).toEqual({ message: 'User cannot blacklist self.', code: 'bad_request' });
      const unknown = await blacklist(me, String(me.id + 55555555n));
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toEqual({ message: 'Invalid target user.', code: 'bad_request' });
      for (const bad of [0, 'x', -3, '99999999999999999999']) {
        expect((await blacklist(me, bad)).statusCode, String(bad)).toBe(400);
      }
      expect(await t.services.relations.blacklistedAuthors(me.id)).toEqual([]);
    });

    it('a follow racing a blacklist never survives next to it, and counters still match', async () => {
      for (let round = 0; round < 5; round++) {
        const [me, other] = [await account(), await account()];
        await Promise.all([
          ...Array.from({ length: 5 }, () => follow(other, String(me.id))),
          blacklist(me, String(other.id)),
          ...Array.from({ length: 5 }, () => follow(other, String(me.id))),
        ]);
        expect(await t.services.relations.isFollowing(other.id, me.id)).toBe(false);
        await expectCountersMatchRows(me, other);
      }
    });
  });

  describe('functions for other modules', () => {
    it('isFollowing, followedAuthors, blacklistedAuthors, between', async () => {
      const [me, a, b, c] = [await account(), await account(), await account(), await account()];
      await follow(me, String(a.id));
      await follow(me, String(b.id));
      clock.advance(1000);
      await blacklist(me, String(c.id));
      const r = t.services.relations;

      expect(await r.isFollowing(me.id, a.id)).toBe(true);
      expect(await r.isFollowing(a.id, me.id)).toBe(false);
      expect([...(await r.followedAuthors(me.id, 10))].sort()).toEqual([a.id, b.id].sort());
      expect(await r.followedAuthors(me.id, 1)).toHaveLength(1);
      expect(await r.followedAuthors(c.id, 10)).toEqual([]);
      expect(await r.blacklistedAuthors(me.id)).toEqual([c.id]);
      expect(await r.blacklistedAuthors(c.id)).toEqual([]);
      expect(await r.between(me.id, a.id)).toEqual({ isFollowing: true, isBlacklist: false });
      expect(await r.between(me.id, c.id)).toEqual({ isFollowing: false, isBlacklist: true });
    });
  });

  describe('media-platform fans (M09)', () => {
    it('lists fans newest first for an MP token, 20–50 per page; 403 for an app token', async () => {
      const author = await account({ photo: 'avatars/author.png' });
      await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', author.id).execute();
      const { mobile } = await t.platform.db
        .selectFrom('users')
        .select('mobile')
        .where('id', '=', author.id)
        .executeTakeFirstOrThrow();
      const signIn = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/mp/v1_0/authorizations',
        payload: { mobile, code: '246810', agree: true },
      });
      expect(signIn.statusCode).toBe(201);
      const mpToken = signIn.json().data.token as string;

      const fans: Account[] = [];
      for (let i = 0; i < 3; i++) {
        const fan = await account(i === 0 ? { photo: 'avatars/fan.png' } : {});
        fans.push(fan);
        clock.advance(10);
        await follow(fan, String(author.id));
      }

      const res = await t.app.inject({ url: '/mp/v1_0/followers', headers: bearer(mpToken) });
      expect(res.statusCode).toBe(200);
      const data = parseBody(res.body).data;
      expect(data).toMatchObject({ total_count: 3, page: 1, per_page: 20 });
      expect(ids(data.results)).toEqual(fans.map((f) => String(f.id)).reverse());
      expect(Object.keys(data.results[0]).sort()).toEqual(['id', 'name', 'photo']);
      expect(data.results[0].photo).toBe(DEFAULT_AVATAR);
      expect(data.results[2].photo).toMatch(/^https?:\/\/.+avatars\/fan\.png$/);
      expect(data.results[2].name).toBe(fans[0]!.name);

      const clamped = await t.app.inject({ url: '/mp/v1_0/followers?per_page=10&page=2', headers: bearer(mpToken) });
      expect(parseBody(clamped.body).data).toMatchObject({ total_count: 3, page: 2, per_page: 20, results: [] });
      const max = await t.app.inject({ url: '/mp/v1_0/followers?per_page=80', headers: bearer(mpToken) });
      expect(parseBody(max.body).data.per_page).toBe(50);

      const app = await t.app.inject({ url: '/mp/v1_0/followers', headers: bearer(author.token) });
      expect(app.statusCode).toBe(403);
      expect(app.json()).toEqual({ message: 'User must be real info verified.', code: 'verification_required' });
    });
  });
});
