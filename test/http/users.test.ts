/**
 * Users over HTTP: own profile (A27, A23, A09, A21, A26), public profiles (A22) and the
 * media-platform profile (M06–M08), signed in through the real endpoints.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserRepository, violatedUserColumn } from '../../src/modules/users/user.repository.js';
import { idNumberCheck } from '../../src/modules/users/user.rules.js';
import { createUserService } from '../../src/modules/users/user.service.js';
import { isUniqueViolation } from '../../src/platform/db/dialect.js';
import { contentAddressedKey, reencodeImage } from '../../src/platform/images.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { multipart, type Part } from '../helpers/http.js';

let t: TestApp;
let ipCounter = 0;
let mobileCounter = 0;

const DEFAULT_AVATAR = 'http://inkstone.test/assets/default-avatar.svg';

/** A fresh mobile number per call, so every sign-in registers a new user. */
function nextMobile(): string {
  mobileCounter++;
  return `137${String(Date.now() % 10_000).padStart(4, '0')}${String(mobileCounter).padStart(4, '0')}`;
}

interface Account {
  id: bigint;
  mobile: string;
  token: string;
}

/** Registers (first sign-in) through POST /app/v1_0/authorizations with the demo code. */
async function signIn(mobile = nextMobile()): Promise<Account> {
  // Each sign-in from its own address: the sign-in route is rate limited per IP.
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810' },
    remoteAddress: `10.1.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  const token = res.json().data.token as string;
  const row = await t.platform.db
    .selectFrom('users')
    .select('id')
    .where('mobile', '=', mobile)
    .executeTakeFirstOrThrow();
  return { id: row.id, mobile, token };
}

/** Marks the user verified and signs in to the media platform. */
async function mpSignIn(account: Account): Promise<string> {
  await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', account.id).execute();
  const res = await t.app.inject({
    method: 'POST',
    url: '/mp/v1_0/authorizations',
    payload: { mobile: account.mobile, code: '246810' },
    remoteAddress: `10.2.0.${++ipCounter % 250}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.token as string;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function get(url: string, token?: string) {
  return t.app.inject({ method: 'GET', url, headers: token ? auth(token) : {} });
}

function patch(url: string, token: string | undefined, payload: object) {
  return t.app.inject({ method: 'PATCH', url, headers: token ? auth(token) : {}, payload });
}

function upload(url: string, token: string | undefined, parts: Part[]) {
  const body = multipart(parts);
  return t.app.inject({
    method: 'PATCH',
    url,
    headers: { ...body.headers, ...(token ? auth(token) : {}) },
    payload: body.payload,
  });
}

async function png(width = 64, height = 48, alpha = false): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: alpha ? 4 : 3,
      background: alpha ? { r: 10, g: 120, b: 200, alpha: 0.5 } : { r: 10, g: 120, b: 200 },
    },
  })
    .png()
    .toBuffer();
}

async function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 900, height: 700, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .withExif({ IFD0: { Artist: 'Secret Person', Copyright: 'GPS 31.2304N 121.4737E' } })
    .jpeg()
    .toBuffer();
}

/** GETs a URL this app serves (absolute, on the test origin) and returns the response. */
async function fetchServed(url: string) {
  expect(url).toMatch(/^http:\/\/inkstone\.test\/media\//);
  return t.app.inject({ method: 'GET', url: new URL(url).pathname });
}

/** GETs a signed link to a private object (ID cards), query string included, and returns the response. */
async function fetchSigned(url: string) {
  expect(url).toMatch(
    /^http:\/\/inkstone\.test\/media-private\/private\/id-cards\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg\?exp=\d+&sig=[\w-]+$/,
  );
  const { pathname, search } = new URL(url);
  return t.app.inject({ method: 'GET', url: pathname + search });
}

/** A valid 18-character ID number for a birth date, with the right check character. */
function idNumber(birth = '19900307', sequence = '123'): string {
  const first17 = `110105${birth}${sequence}`;
  return first17 + idNumberCheck(first17);
}

async function userRow(id: bigint) {
  return t.platform.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe(`users (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses every own-profile route without a token (401)', async () => {
    const png1 = await png();
    const cases = [
      get('/app/v1_0/user'),
      get('/app/v1_0/user/profile'),
      patch('/app/v1_0/user/profile', undefined, { intro: 'x' }),
      upload('/app/v1_0/user/photo', undefined, [{ name: 'photo', filename: 'a.png', type: 'image/png', data: png1 }]),
      get('/app/v1_0/user/figure'),
      get('/mp/v1_0/user/profile'),
      patch('/mp/v1_0/user/profile', undefined, { intro: 'x' }),
      upload('/mp/v1_0/user/photo', undefined, [{ name: 'photo', filename: 'a.png', type: 'image/png', data: png1 }]),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: 'User must be authorized.', code: 'unauthorized' });
    }
    const bad = await get('/app/v1_0/user', 'not-a-jwt');
    expect(bad.statusCode).toBe(401);
  });

  it('returns the signed-in user with counters from the users table (A27)', async () => {
    const me = await signIn();
    const fresh = await get('/app/v1_0/user', me.token);
    expect(fresh.statusCode).toBe(200);
    expect(parseBody(fresh.body)).toEqual({
      message: 'OK',
      data: {
        id: parseBody(fresh.body).data.id,
        name: `用户${me.mobile.slice(0, 3)}****${me.mobile.slice(-4)}`,
        photo: DEFAULT_AVATAR,
        is_media: false,
        intro: '',
        certi: '',
        art_count: 0,
        follow_count: 0,
        fans_count: 0,
        like_count: 0,
      },
    });
    expect(String(parseBody(fresh.body).data.id)).toBe(me.id.toString());

    await t.platform.db
      .updateTable('users')
      .set({
        art_count: 3,
        follow_count: 4,
        fans_count: 5,
        like_count: 6,
        read_count: 70,
        is_media: 1,
        certi: '认证作者',
      })
      .where('id', '=', me.id)
      .execute();
    const data = (await get('/app/v1_0/user', me.token)).json().data;
    expect(data).toMatchObject({
      is_media: true,
      certi: '认证作者',
      art_count: 3,
      follow_count: 4,
      fans_count: 5,
      like_count: 6,
    });
    expect(data).not.toHaveProperty('mobile');

    const figure = await get('/app/v1_0/user/figure', me.token);
    expect(figure.statusCode).toBe(200);
    expect(figure.json()).toEqual({ message: 'OK', data: { fans_count: 5, read_count: 70 } });
  });

  it('shows any user’s public profile without mobile, with or without a token (A22)', async () => {
    const viewer = await signIn();
    const target = await signIn();
    await t.platform.db
      .updateTable('users')
      .set({ name: '公开用户', fans_count: 9 })
      .where('id', '=', target.id)
      .execute();

    const anonymous = await get(`/app/v1_0/users/${target.id}`);
    expect(anonymous.statusCode).toBe(200);
    const data = parseBody(anonymous.body).data;
    expect(String(data.id)).toBe(target.id.toString());
    expect(data).toMatchObject({
      name: '公开用户',
      photo: DEFAULT_AVATAR,
      is_media: false,
      fans_count: 9,
      is_following: false,
      is_blacklist: false,
    });
    expect(Object.keys(data).sort()).toEqual(
      [
        'art_count',
        'certi',
        'fans_count',
        'follow_count',
        'id',
        'intro',
        'is_blacklist',
        'is_following',
        'is_media',
        'is_online',
        'like_count',
        'name',
        'photo',
      ].sort(),
    );
    expect(anonymous.body).not.toContain(target.mobile);

    const signedIn = await get(`/app/v1_0/users/${target.id}`, viewer.token);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().data).toMatchObject({ is_following: false, is_blacklist: false });
    expect(signedIn.body).not.toContain(target.mobile);

    // Public: a broken token is anonymous, not a 401.
    for (const header of ['Bearer garbage.token.here', 'Bearer', 'Basic abc']) {
      const res = await t.app.inject({ url: `/app/v1_0/users/${target.id}`, headers: { authorization: header } });
      expect(res.statusCode, header).toBe(200);
    }
    // Own profile through A22 also has no mobile field, and a user who never renamed is called by
    // a masked default name (the original backend used the mobile itself: public on every comment).
    const self = await get(`/app/v1_0/users/${viewer.id}`, viewer.token);
    expect(self.statusCode).toBe(200);
    expect(self.json().data).not.toHaveProperty('mobile');
    expect(self.body).not.toContain(viewer.mobile);
  });

  it('computes is_following and is_blacklist for a signed-in viewer (A22)', async () => {
    const viewer = await signIn();
    const target = await signIn();
    const follow = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/user/followings',
      headers: auth(viewer.token),
      payload: { target: target.id.toString() },
    });
    expect(follow.statusCode, follow.body).toBeLessThan(300);
    const block = await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/user/blacklists',
      headers: auth(viewer.token),
      payload: { target: target.id.toString() },
    });
    expect(block.statusCode, block.body).toBeLessThan(300);

    const seen = (await get(`/app/v1_0/users/${target.id}`, viewer.token)).json().data;
    expect(seen.is_blacklist).toBe(true);
    const anonymous = (await get(`/app/v1_0/users/${target.id}`)).json().data;
    expect(anonymous).toMatchObject({ is_following: false, is_blacklist: false });
    // Someone else's view is their own.
    const stranger = await signIn();
    expect((await get(`/app/v1_0/users/${target.id}`, stranger.token)).json().data).toMatchObject({
      is_following: false,
      is_blacklist: false,
    });

    const other = await signIn();
    await t.app.inject({
      method: 'POST',
      url: '/app/v1_0/user/followings',
      headers: auth(viewer.token),
      payload: { target: other.id.toString() },
    });
    expect((await get(`/app/v1_0/users/${other.id}`, viewer.token)).json().data).toMatchObject({
      is_following: true,
      is_blacklist: false,
    });
  });

  it('answers 400 "Invalid target user." for unknown users (A22)', async () => {
    for (const id of ['999999999999', '1']) {
      const res = await get(`/app/v1_0/users/${id}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid target user.', code: 'bad_request' });
    }
    expect((await get('/app/v1_0/users/0')).statusCode).toBe(400);
    expect((await get('/app/v1_0/users/abc')).statusCode).toBe(400);
  });

  it('returns the editable profile (A23)', async () => {
    const me = await signIn();
    const res = await get('/app/v1_0/user/profile', me.token);
    expect(res.statusCode).toBe(200);
    const data = parseBody(res.body).data;
    expect(String(data.id)).toBe(me.id.toString());
    expect(data).toEqual({
      id: data.id,
      name: `用户${me.mobile.slice(0, 3)}****${me.mobile.slice(-4)}`,
      photo: DEFAULT_AVATAR,
      mobile: me.mobile,
      gender: 0,
      birthday: '',
      intro: '',
    });
  });

  it('saves gender 1 and then 0, and birthdays (A09)', async () => {
    const me = await signIn();
    const female = await patch('/app/v1_0/user/profile', me.token, { gender: 1 });
    expect(female.statusCode).toBe(201);
    expect(parseBody(female.body).data).toEqual({ id: parseBody(female.body).data.id, gender: 1 });
    expect((await get('/app/v1_0/user/profile', me.token)).json().data.gender).toBe(1);

    // The original backend ignored gender 0 (`if args.gender:`); here it saves.
    const male = await patch('/app/v1_0/user/profile', me.token, { gender: 0 });
    expect(male.statusCode).toBe(201);
    expect(male.json().data.gender).toBe(0);
    expect((await get('/app/v1_0/user/profile', me.token)).json().data.gender).toBe(0);

    const birthday = await patch('/app/v1_0/user/profile', me.token, { birthday: '2018-12-20' });
    expect(birthday.statusCode).toBe(201);
    expect(birthday.json().data).toMatchObject({ birthday: '2018-12-20' });
    expect(Object.keys(birthday.json().data).sort()).toEqual(['birthday', 'id']);
    expect((await get('/app/v1_0/user/profile', me.token)).json().data.birthday).toBe('2018-12-20');

    for (const gender of [2, -1, 'x']) {
      const res = await patch('/app/v1_0/user/profile', me.token, { gender });
      expect(res.statusCode, String(gender)).toBe(400);
      expect(Object.keys(res.json().message)).toContain('gender');
    }
  });

  it('refuses malformed, impossible and future birthdays with a 400 naming the field', async () => {
    const me = await signIn();
    const nextYear = new Date().getUTCFullYear() + 1;
    for (const birthday of [
      '2018/12/20',
      '20181220',
      '2023-02-30',
      '2019-13-01',
      `${nextYear}-01-01`,
      '1850-01-01',
      'tomorrow',
    ]) {
      const res = await patch('/app/v1_0/user/profile', me.token, { birthday });
      expect(res.statusCode, birthday).toBe(400);
      expect(Object.keys(res.json().message), birthday).toEqual(['birthday']);
    }
    expect((await userRow(me.id)).birthday).toBeNull();
  });

  it('checks names: 1–7 characters after trimming, never only spaces, unique (A09)', async () => {
    const me = await signIn();
    const other = await signIn();

    const seven = await patch('/app/v1_0/user/profile', me.token, { name: '  黑马头条七个字  ' });
    expect(seven.statusCode).toBe(201);
    expect(seven.json().data.name).toBe('黑马头条七个字');
    expect((await userRow(me.id)).name).toBe('黑马头条七个字');

    for (const name of ['12345678', '八个字的名字太长了', '   ', '\t \n']) {
      const res = await patch('/app/v1_0/user/profile', me.token, { name });
      expect(res.statusCode, JSON.stringify(name)).toBe(400);
      expect(res.json().message).toHaveProperty('name');
    }

    const taken = await patch('/app/v1_0/user/profile', other.token, { name: '黑马头条七个字' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({ message: 'User name has existed.', code: 'conflict' });

    // Keeping one's own name is not a conflict.
    const same = await patch('/app/v1_0/user/profile', me.token, { name: '黑马头条七个字' });
    expect(same.statusCode).toBe(201);
  });

  it('lets exactly one of several concurrent renames to one name win', async () => {
    const accounts = await Promise.all(Array.from({ length: 6 }, () => signIn()));
    const name = `race${Date.now() % 1000}`;
    const results = await Promise.all(accounts.map((a) => patch('/app/v1_0/user/profile', a.token, { name })));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409))
      expect(r.json()).toEqual({ message: 'User name has existed.', code: 'conflict' });
    const holders = await t.platform.db.selectFrom('users').select('id').where('name', '=', name).execute();
    expect(holders).toHaveLength(1);
  });

  it('accepts an intro of 0–60 characters and refuses 61 (A09)', async () => {
    const me = await signIn();
    const sixty = '简'.repeat(60);
    const ok60 = await patch('/app/v1_0/user/profile', me.token, { intro: sixty });
    expect(ok60.statusCode).toBe(201);
    expect(ok60.json().data).toMatchObject({ intro: sixty });
    expect((await get('/app/v1_0/user/profile', me.token)).json().data.intro).toBe(sixty);

    const bad = await patch('/app/v1_0/user/profile', me.token, { intro: 'a'.repeat(61) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toHaveProperty('intro');

    // Whitespace alone empties it; "" is treated as absent (contract §1.8) and changes nothing.
    const absent = await patch('/app/v1_0/user/profile', me.token, { intro: '' });
    expect(absent.statusCode).toBe(201);
    expect(Object.keys(absent.json().data)).toEqual(['id']);
    expect((await userRow(me.id)).intro).toBe(sixty);
    const cleared = await patch('/app/v1_0/user/profile', me.token, { intro: '   ' });
    expect(cleared.json().data.intro).toBe('');
    expect((await userRow(me.id)).intro).toBe('');
  });

  it('checks real names and ID numbers, check digit included, and upper-cases the X (A09)', async () => {
    const me = await signIn();
    const withX = ['110105194912310021', '11010519491231002x']; // the second is the GB 11643 sample, X as check
    expect(idNumberCheck('11010519491231002')).toBe('X');
    const good = await patch('/app/v1_0/user/profile', me.token, { real_name: '张三', id_number: withX[1] });
    expect(good.statusCode).toBe(201);
    expect(good.json().data).toMatchObject({ real_name: '张三', id_number: '11010519491231002X' });
    const row = await userRow(me.id);
    expect(row.id_number).toBe('11010519491231002X');
    expect(row.real_name).toBe('张三');
    expect(row.verified).toBe(0);

    const valid = idNumber();
    expect((await patch('/app/v1_0/user/profile', me.token, { id_number: valid })).statusCode).toBe(201);

    const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0');
    const impossible = [
      withX[0]!,
      wrongCheck,
      '12345',
      idNumber('19900230'),
      idNumber('29900101'),
      '0'.repeat(18),
      `${valid.slice(0, 17)}Y`,
    ];
    for (const id_number of impossible) {
      const res = await patch('/app/v1_0/user/profile', me.token, { id_number });
      expect(res.statusCode, id_number).toBe(400);
      expect(Object.keys(res.json().message)).toEqual(['id_number']);
    }
    expect((await userRow(me.id)).id_number).toBe(valid);

    for (const real_name of ['   ', '一二三四五六七八']) {
      const res = await patch('/app/v1_0/user/profile', me.token, { real_name });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toHaveProperty('real_name');
    }
  });

  it('saves several fields in one request, or none of them', async () => {
    const me = await signIn();
    const other = await signIn();
    await patch('/app/v1_0/user/profile', other.token, { name: `占用${Date.now() % 1000}` });
    const takenName = (await userRow(other.id)).name;

    const both = await patch('/app/v1_0/user/profile', me.token, {
      intro: 'hello',
      gender: 1,
      birthday: '2000-02-29',
      extra: 'ignored',
    });
    expect(both.statusCode).toBe(201);
    expect(Object.keys(both.json().data).sort()).toEqual(['birthday', 'gender', 'id', 'intro']);

    const conflict = await patch('/app/v1_0/user/profile', me.token, {
      name: takenName,
      intro: 'changed',
      photo: (await png()).toString('base64'),
    });
    expect(conflict.statusCode).toBe(409);
    const invalid = await patch('/app/v1_0/user/profile', me.token, { intro: 'changed', birthday: '2000-02-30' });
    expect(invalid.statusCode).toBe(400);
    const row = await userRow(me.id);
    expect(row.intro).toBe('hello');
    expect(row.birthday).toBe('2000-02-29');
    expect(row.photo).toBeNull();
  });

  it('stores SQL and script payloads as plain data', async () => {
    const me = await signIn();
    const intro = `'); DROP TABLE users; -- <script>alert(1)</script> \\ %_`;
    const name = `'";--<>`;
    const res = await patch('/app/v1_0/user/profile', me.token, { name, intro });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toMatchObject({ name, intro });
    const profile = (await get('/app/v1_0/user/profile', me.token)).json().data;
    expect(profile.name).toBe(name);
    expect(profile.intro).toBe(intro);
    expect((await get(`/app/v1_0/users/${me.id}`)).json().data).toMatchObject({ name, intro });
    // The table is still there.
    expect((await get('/app/v1_0/user', me.token)).statusCode).toBe(200);

    const nul = await patch('/app/v1_0/user/profile', me.token, { intro: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    const lone = await t.app.inject({
      method: 'PATCH',
      url: '/app/v1_0/user/profile',
      headers: { ...auth(me.token), 'content-type': 'application/json' },
      payload: '{"intro":"\\ud800"}',
    });
    expect(lone.statusCode).toBe(400);
  });

  it('accepts a base64 photo, bare or as a data URL, and serves the re-encoded image (A09)', async () => {
    const me = await signIn();
    const dataUrl = `data:image/png;base64,${(await png(600, 300, true)).toString('base64')}`;
    const res = await patch('/app/v1_0/user/profile', me.token, { photo: dataUrl });
    expect(res.statusCode, res.body).toBe(201);
    const photo = res.json().data.photo as string;
    expect(photo).toMatch(/^http:\/\/inkstone\.test\/media\/avatars\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
    expect((await get('/app/v1_0/user', me.token)).json().data.photo).toBe(photo);
    const served = await fetchServed(photo);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toMatch(/^image\/png/);
    const meta = await sharp(served.rawPayload).metadata();
    expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(512);
    expect(meta.hasAlpha).toBe(true);

    const bare = await patch('/app/v1_0/user/profile', me.token, {
      id_card_front: (await jpegWithExif()).toString('base64'),
    });
    expect(bare.statusCode).toBe(201);
    // ID cards are private: a signed, expiring link, never a public /media/ URL.
    const card = await fetchSigned(bare.json().data.id_card_front);
    expect(card.statusCode).toBe(200);
    expect(card.headers['content-type']).toMatch(/^image\/jpeg/);
    expect((await sharp(card.rawPayload).metadata()).exif).toBeUndefined();
    expect((await userRow(me.id)).id_card_front).toMatch(/^private\/id-cards\//);
  });

  it('refuses garbage base64 and base64 of non-images with a 400 naming the field', async () => {
    const me = await signIn();
    const cases: [string, string][] = [
      ['photo', '!!!this is not base64!!!'],
      ['photo', Buffer.from('just some text, not an image').toString('base64')],
      [
        'id_card_back',
        `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(300)]).toString('base64')}`,
      ],
      ['id_card_handheld', 'abcde'],
    ];
    for (const [field, value] of cases) {
      const res = await patch('/app/v1_0/user/profile', me.token, { [field]: value });
      expect(res.statusCode, `${field}=${value.slice(0, 30)}`).toBe(400);
      expect(Object.keys(res.json().message)).toEqual([field]);
    }
    expect((await userRow(me.id)).photo).toBeNull();
  });

  it('uploads real PNG and JPEG images as multipart, stripping EXIF (A21)', async () => {
    const me = await signIn();
    const res = await upload('/app/v1_0/user/photo', me.token, [
      { name: 'photo', filename: 'avatar.png', type: 'image/png', data: await png(1024, 768) },
      { name: 'id_card_front', filename: 'front.jpg', type: 'image/jpeg', data: await jpegWithExif() },
      { name: 'note', data: 'a stray text field is ignored' },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const data = parseBody(res.body).data;
    expect(String(data.id)).toBe(me.id.toString());
    expect(Object.keys(data).sort()).toEqual(['id', 'id_card_front', 'photo']);
    // An opaque PNG is stored as JPEG, scaled to fit 512×512.
    expect(data.photo).toMatch(/^http:\/\/inkstone\.test\/media\/avatars\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg$/);
    const avatar = await fetchServed(data.photo);
    expect(avatar.statusCode).toBe(200);
    expect(avatar.headers['content-type']).toMatch(/^image\//);
    const avatarMeta = await sharp(avatar.rawPayload).metadata();
    expect([avatarMeta.width, avatarMeta.height]).toEqual([512, 384]);

    const front = await fetchSigned(data.id_card_front);
    expect(front.statusCode).toBe(200);
    const frontMeta = await sharp(front.rawPayload).metadata();
    expect(frontMeta.exif).toBeUndefined();
    expect(front.rawPayload.includes(Buffer.from('Secret Person'))).toBe(false);
    expect([frontMeta.width, frontMeta.height]).toEqual([900, 700]);

    const row = await userRow(me.id);
    expect(me.id).toBe(row.id);
    expect((await get('/app/v1_0/user/profile', me.token)).json().data.photo).toBe(data.photo);
  });

  it('accepts a blob part without a filename, as the app sends it (A21)', async () => {
    const me = await signIn();
    for (const part of [
      { name: 'photo', type: 'image/png', data: await png(40, 40, true) },
      { name: 'photo', data: await png(41, 41) },
      { name: 'photo', filename: 'blob', type: 'application/octet-stream', data: await png(42, 42) },
    ] satisfies Part[]) {
      const res = await upload('/app/v1_0/user/photo', me.token, [part]);
      expect(res.statusCode, res.body).toBe(201);
      expect((await fetchServed(res.json().data.photo)).statusCode).toBe(200);
    }
  });

  it('refuses parts that are not images, whatever their name or type says (A21)', async () => {
    const me = await signIn();
    const cases: Part[] = [
      { name: 'photo', filename: 'photo.png', type: 'image/png', data: 'I am a text file, not a PNG\n' },
      {
        name: 'id_card_back',
        filename: 'x.png',
        type: 'image/png',
        data: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2000)]),
      },
      {
        name: 'photo',
        filename: 'x.gif',
        type: 'image/gif',
        data: Buffer.concat([Buffer.from('GIF89a'), randomBytes(100)]),
      },
      {
        name: 'photo',
        filename: 'x.svg',
        type: 'image/svg+xml',
        data: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      },
      { name: 'photo', filename: 'empty.png', type: 'image/png', data: Buffer.alloc(0) },
    ];
    for (const part of cases) {
      const res = await upload('/app/v1_0/user/photo', me.token, [part]);
      expect(res.statusCode, part.filename).toBe(400);
      expect(Object.keys(res.json().message), part.filename).toEqual([part.name]);
    }
    // A valid image next to a bad one: nothing is saved.
    const mixed = await upload('/app/v1_0/user/photo', me.token, [
      { name: 'photo', filename: 'ok.png', type: 'image/png', data: await png() },
      { name: 'id_card_front', filename: 'bad.png', type: 'image/png', data: 'text' },
    ]);
    expect(mixed.statusCode).toBe(400);
    expect((await userRow(me.id)).photo).toBeNull();

    const none = await upload('/app/v1_0/user/photo', me.token, [{ name: 'other', data: 'x' }]);
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toHaveProperty('photo');

    const twice = await upload('/app/v1_0/user/photo', me.token, [
      { name: 'photo', filename: 'a.png', data: await png() },
      { name: 'photo', filename: 'b.png', data: await png() },
    ]);
    expect(twice.statusCode).toBe(400);

    const json = await patch('/app/v1_0/user/photo', me.token, { photo: 'x' });
    expect(json.statusCode).toBe(415);
  });

  it('refuses an oversized part with 413 naming it (A21)', async () => {
    const me = await signIn();
    const big = Buffer.concat([await png(), randomBytes(5 * 1024 * 1024)]);
    const res = await upload('/app/v1_0/user/photo', me.token, [
      { name: 'id_card_front', filename: 'big.png', type: 'image/png', data: big },
    ]);
    expect(res.statusCode).toBe(413);
    expect(Object.keys(res.json().message)).toEqual(['id_card_front']);
    expect((await userRow(me.id)).id_card_front).toBeNull();
  });

  it('stores identical images once, under one content-addressed key', async () => {
    const a = await signIn();
    const b = await signIn();
    const image = await png(100, 100);
    const first = await upload('/app/v1_0/user/photo', a.token, [{ name: 'photo', filename: 'a.png', data: image }]);
    const second = await upload('/app/v1_0/user/photo', b.token, [{ name: 'photo', filename: 'b.png', data: image }]);
    expect(first.json().data.photo).toBe(second.json().data.photo);
    // b fails to rename with a new photo: the shared object must survive the clean-up.
    await patch('/app/v1_0/user/profile', a.token, { name: `共享${Date.now() % 1000}` });
    const failed = await patch('/app/v1_0/user/profile', b.token, {
      name: (await userRow(a.id)).name,
      photo: image.toString('base64'),
    });
    expect(failed.statusCode).toBe(409);
    expect((await fetchServed(first.json().data.photo)).statusCode).toBe(200);
  });

  it('maps a unique violation from the database itself to 409, and removes what it uploaded', async () => {
    const a = await signIn();
    const b = await signIn();
    const repository = createUserRepository(t.platform.db);
    await repository.update(a.id, { name: `唯一${Date.now() % 1000}`, email: 'unique@example.com' });
    const aName = (await userRow(a.id)).name;

    // The driver errors name the violated index on every database.
    const emailError = await repository.update(b.id, { email: 'unique@example.com' }).catch((e: unknown) => e);
    expect(isUniqueViolation(emailError)).toBe(true);
    expect(violatedUserColumn(emailError)).toBe('email');
    const nameError = await repository.update(b.id, { name: aName }).catch((e: unknown) => e);
    expect(violatedUserColumn(nameError)).toBe('name');

    // A race lost after the pre-check passed: the UPDATE's violation becomes the 409.
    const blind = { ...repository, nameTaken: async () => false, emailTaken: async () => false };
    const service = createUserService({
      users: blind,
      storage: t.platform.storage,
      clock: t.platform.clock,
      time: t.platform.time,
    });
    const image = await sharp({
      create: { width: 30, height: 30, channels: 3, background: { r: Date.now() % 256, g: 7, b: 99 } },
    })
      .png()
      .toBuffer();
    const key = contentAddressedKey('avatars', await reencodeImage(image, { prefix: 'avatars', maxSide: 512 }));
    expect(await t.platform.storage.get(key)).toBeNull();
    await expect(
      service.updateAppProfile(b.id, { name: aName, photo: image.toString('base64') }),
    ).rejects.toMatchObject({
      statusCode: 409,
      body: 'User name has existed.',
    });
    expect(await t.platform.storage.get(key)).toBeNull();
    await expect(service.updateMpProfile(b.id, { email: 'UNIQUE@example.com', intro: 'x' })).rejects.toMatchObject({
      statusCode: 409,
      body: 'Email has existed.',
    });
    expect((await userRow(b.id)).intro).toBe('');
    expect((await userRow(b.id)).photo).toBeNull();
  });

  it('answers 507 and writes nothing when storage fails', async () => {
    const me = await signIn();
    const broken = {
      ...t.platform.storage,
      kind: t.platform.storage.kind,
      get: async () => null,
      put: async () => {
        throw new Error('disk full');
      },
      delete: async () => undefined,
      url: (key: string) => t.platform.storage.url(key),
    };
    const service = createUserService({
      users: createUserRepository(t.platform.db),
      storage: broken as typeof t.platform.storage,
      clock: t.platform.clock,
      time: t.platform.time,
    });
    await expect(
      service.updateAppProfile(me.id, { intro: 'not saved', photo: (await png()).toString('base64') }),
    ).rejects.toMatchObject({
      statusCode: 507,
      code: 'storage_failed',
      body: 'Uploading profile photo image failed.',
    });
    const row = await userRow(me.id);
    expect(row.intro).toBe('');
    expect(row.photo).toBeNull();
  });

  it('refuses app tokens on media-platform routes with 403 (M06–M08)', async () => {
    const me = await signIn();
    const cases = [
      get('/mp/v1_0/user/profile', me.token),
      patch('/mp/v1_0/user/profile', me.token, { intro: 'x' }),
      upload('/mp/v1_0/user/photo', me.token, [{ name: 'photo', filename: 'a.png', data: await png() }]),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: 'User must be real info verified.', code: 'verification_required' });
    }
  });

  it('shows and edits the media-platform profile (M06, M07)', async () => {
    const me = await signIn();
    const token = await mpSignIn(me);
    const profile = await get('/mp/v1_0/user/profile', token);
    expect(profile.statusCode).toBe(200);
    const data = parseBody(profile.body).data;
    expect(data).toEqual({
      id: data.id,
      name: `用户${me.mobile.slice(0, 3)}****${me.mobile.slice(-4)}`,
      intro: '',
      photo: DEFAULT_AVATAR,
      email: null,
      mobile: me.mobile,
    });
    expect(String(data.id)).toBe(me.id.toString());

    const saved = await patch('/mp/v1_0/user/profile', token, {
      name: '自媒体',
      intro: '写点东西',
      email: ' Writer@Example.COM ',
    });
    expect(saved.statusCode).toBe(201);
    expect(saved.json().data).toMatchObject({ name: '自媒体', intro: '写点东西', email: 'writer@example.com' });
    expect(Object.keys(saved.json().data).sort()).toEqual(['email', 'id', 'intro', 'name']);
    expect((await get('/mp/v1_0/user/profile', token)).json().data).toMatchObject({
      name: '自媒体',
      intro: '写点东西',
      email: 'writer@example.com',
    });

    // The settings page sends every field, "" included: absent, never a 400.
    const blanks = await patch('/mp/v1_0/user/profile', token, { name: '', intro: '', email: '' });
    expect(blanks.statusCode).toBe(201);
    expect(Object.keys(blanks.json().data)).toEqual(['id']);
    const nulls = await patch('/mp/v1_0/user/profile', token, { name: null, intro: 'new intro', email: null });
    expect(nulls.statusCode).toBe(201);
    expect((await userRow(me.id)).email).toBe('writer@example.com');
    expect((await userRow(me.id)).intro).toBe('new intro');

    // Whitespace clears the email.
    const cleared = await patch('/mp/v1_0/user/profile', token, { email: '  ' });
    expect(cleared.statusCode).toBe(201);
    expect(cleared.json().data.email).toBeNull();
    expect((await userRow(me.id)).email).toBeNull();

    for (const [body, field] of [
      [{ email: 'not-an-email' }, 'email'],
      [{ email: 'a@b' }, 'email'],
      [{ name: '12345678' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ intro: 'x'.repeat(61) }, 'intro'],
    ] as const) {
      const res = await patch('/mp/v1_0/user/profile', token, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.json().message)).toEqual([field]);
    }
  });

  it('answers 409 for a taken name or email on the media platform (M07)', async () => {
    const a = await signIn();
    const b = await signIn();
    const tokenA = await mpSignIn(a);
    const tokenB = await mpSignIn(b);
    const name = `mp${Date.now() % 10000}`;
    expect((await patch('/mp/v1_0/user/profile', tokenA, { name, email: 'taken@example.com' })).statusCode).toBe(201);

    const nameTaken = await patch('/mp/v1_0/user/profile', tokenB, { name });
    expect(nameTaken.statusCode).toBe(409);
    expect(nameTaken.json()).toEqual({ message: 'User name has existed.', code: 'conflict' });
    const emailTaken = await patch('/mp/v1_0/user/profile', tokenB, { email: 'TAKEN@example.com', intro: 'not saved' });
    expect(emailTaken.statusCode).toBe(409);
    expect(emailTaken.json()).toEqual({ message: 'Email has existed.', code: 'conflict' });
    expect((await userRow(b.id)).intro).toBe('');

    // Concurrent claims of one email: one wins.
    const c = await signIn();
    const tokenC = await mpSignIn(c);
    const results = await Promise.all(
      [tokenB, tokenC].map((tk) => patch('/mp/v1_0/user/profile', tk, { email: 'race@example.com' })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.statusCode === 409)!;
    expect(loser.json()).toEqual({ message: 'Email has existed.', code: 'conflict' });
  });

  it('uploads the media-platform avatar (M08)', async () => {
    const me = await signIn();
    const token = await mpSignIn(me);
    const res = await upload('/mp/v1_0/user/photo', token, [
      { name: 'photo', type: 'image/jpeg', data: await jpegWithExif() },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const data = parseBody(res.body).data;
    expect(Object.keys(data).sort()).toEqual(['id', 'photo']);
    expect(String(data.id)).toBe(me.id.toString());
    const served = await fetchServed(data.photo);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toMatch(/^image\/jpeg/);
    expect((await sharp(served.rawPayload).metadata()).exif).toBeUndefined();
    expect((await get('/mp/v1_0/user/profile', token)).json().data.photo).toBe(data.photo);

    // Only `photo` counts here.
    const other = await upload('/mp/v1_0/user/photo', token, [
      { name: 'id_card_front', filename: 'a.png', data: await png() },
    ]);
    expect(other.statusCode).toBe(400);
    const text = await upload('/mp/v1_0/user/photo', token, [
      { name: 'photo', filename: 'photo.png', type: 'image/png', data: 'text' },
    ]);
    expect(text.statusCode).toBe(400);
    expect(text.json().message).toHaveProperty('photo');
  });

  it('denies a disabled user with 403 "User denied." and hides them from A22', async () => {
    const me = await signIn();
    const viewer = await signIn();
    expect((await get('/app/v1_0/user', me.token)).statusCode).toBe(200);
    await t.platform.db.updateTable('users').set({ status: 0 }).where('id', '=', me.id).execute();
    await t.services.auth.sessions.userChanged(me.id);
    for (const res of [
      await get('/app/v1_0/user', me.token),
      await get('/app/v1_0/user/profile', me.token),
      await get('/app/v1_0/user/figure', me.token),
      await patch('/app/v1_0/user/profile', me.token, { intro: 'x' }),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: 'User denied.', code: 'account_disabled' });
    }
    expect((await get(`/app/v1_0/users/${me.id}`, viewer.token)).statusCode).toBe(400);
    // A disabled viewer's token on the public route is simply anonymous.
    const asDisabled = await get(`/app/v1_0/users/${viewer.id}`, me.token);
    expect(asDisabled.statusCode).toBe(200);
    expect(asDisabled.json().data.is_following).toBe(false);
  });

  it('documents every user route in OpenAPI', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = res.json().paths as Record<string, Record<string, unknown>>;
    for (const [path, method] of [
      ['/app/v1_0/user', 'get'],
      ['/app/v1_0/users/{target}', 'get'],
      ['/app/v1_0/user/profile', 'get'],
      ['/app/v1_0/user/profile', 'patch'],
      ['/app/v1_0/user/photo', 'patch'],
      ['/app/v1_0/user/figure', 'get'],
      ['/mp/v1_0/user/profile', 'get'],
      ['/mp/v1_0/user/profile', 'patch'],
      ['/mp/v1_0/user/photo', 'patch'],
    ] as const) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});
