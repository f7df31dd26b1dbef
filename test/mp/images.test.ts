/**
 * The media-platform image library over HTTP (M17–M20): multipart uploads of real images made with
 * sharp, content sniffing, de-duplication, thumbnails, collecting, ordering, soft delete, and that
 * an author only ever touches their own images.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mpAuthor, type Author } from '../helpers/mp-author.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { multipart, type Part } from '../helpers/http.js';

let t: TestApp;

const LIST = '/mp/v1_0/user/images';
const MEDIA_URL = /^http:\/\/inkstone\.test\/media\/library\/[0-9a-f]{2}\/[0-9a-f]{64}\.(jpg|png|webp)$/;
const THUMB_URL = /^http:\/\/inkstone\.test\/media\/library-thumbs\/[0-9a-f]{2}\/[0-9a-f]{64}\.(jpg|png|webp)$/;

const author = (): Promise<Author> => mpAuthor(t);

const auth = (token: string | undefined) => (token ? { authorization: `Bearer ${token}` } : {});

function upload(token: string | undefined, parts: Part[]) {
  const body = multipart(parts);
  return t.app.inject({
    method: 'POST',
    url: LIST,
    headers: { ...body.headers, ...auth(token) },
    payload: body.payload,
  });
}

const uploadImage = (token: string, data: Buffer, filename = 'picture.png') =>
  upload(token, [{ name: 'image', filename, type: 'image/png', data }]);

const list = (token: string | undefined, query = '') =>
  t.app.inject({ method: 'GET', url: `${LIST}${query}`, headers: auth(token) });
const collect = (token: string | undefined, id: unknown, payload: object) =>
  t.app.inject({ method: 'PUT', url: `${LIST}/${String(id)}`, headers: auth(token), payload });
const remove = (token: string | undefined, id: unknown) =>
  t.app.inject({ method: 'DELETE', url: `${LIST}/${String(id)}`, headers: auth(token) });

/** A distinct opaque picture per seed (so uploads do not de-duplicate by accident). */
function png(seed: number, width = 800, height = 600, alpha = false): Promise<Buffer> {
  const colour = { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 };
  return sharp({
    create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { ...colour, alpha: 0.5 } : colour },
  })
    .png()
    .toBuffer();
}

function jpeg(seed: number, width = 1200, height = 900): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: seed % 256, g: 90, b: 40 } } })
    .jpeg()
    .toBuffer();
}

/** GETs a URL this app serves (absolute, on the test origin). */
function fetchServed(url: string) {
  expect(url.startsWith('http://inkstone.test/media/')).toBe(true);
  return t.app.inject({ method: 'GET', url: new URL(url).pathname });
}

/** Uploads and returns the created entry (id as a digit string). */
async function added(token: string, data: Buffer): Promise<{ id: string; url: string; thumbnail: string }> {
  const res = await uploadImage(token, data);
  expect(res.statusCode, res.body).toBe(201);
  const body = parseBody(res.body).data;
  return { ...body, id: String(body.id) };
}

/** The ids of a list page, as digit strings. */
async function listedIds(token: string, query = ''): Promise<string[]> {
  const res = await list(token, query);
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data.results.map((item: { id: unknown }) => String(item.id));
}

describe(`MP image library (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs a verified MP token on every route: none 401, an app token 403', async () => {
    const me = await author();
    const data = await png(1);
    for (const token of [undefined, me.app]) {
      const responses = [
        await list(token),
        await uploadImage(token as string, data),
        await collect(token, 1, { collect: true }),
        await remove(token, 1),
      ];
      for (const res of responses) {
        expect(res.statusCode, res.body).toBe(token ? 403 : 401);
        expect(res.json().message).toBe(token ? 'User must be real info verified.' : 'User must be authorized.');
      }
    }
    // Nothing was stored by the refused upload.
    const rows = await t.platform.db.selectFrom('user_images').select('id').where('user_id', '=', me.id).execute();
    expect(rows).toEqual([]);
  });

  it('uploads real PNG and JPEG images (M18): 201 {id, url, thumbnail}, both served, the thumbnail smaller', async () => {
    const me = await author();
    const cases = [
      { data: await png(2, 800, 600), ext: 'jpg', type: 'image/jpeg', size: [800, 600], thumb: [300, 225] },
      { data: await jpeg(3, 1200, 900), ext: 'jpg', type: 'image/jpeg', size: [1200, 900], thumb: [300, 225] },
      { data: await png(4, 640, 480, true), ext: 'png', type: 'image/png', size: [640, 480], thumb: [300, 225] },
      // Very tall: the thumbnail keeps to 900 px high.
      { data: await png(5, 400, 2000), ext: 'jpg', type: 'image/jpeg', size: [400, 2000], thumb: [180, 900] },
    ];
    for (const c of cases) {
      const res = await uploadImage(me.mp, c.data);
      expect(res.statusCode, res.body).toBe(201);
      const body = parseBody(res.body);
      expect(body.message).toBe('OK');
      expect(Object.keys(body.data).sort()).toEqual(['id', 'thumbnail', 'url']);
      expect(body.data.url).toMatch(MEDIA_URL);
      expect(body.data.url.endsWith(`.${c.ext}`)).toBe(true);
      expect(body.data.thumbnail).toMatch(THUMB_URL);

      const full = await fetchServed(body.data.url);
      expect(full.statusCode).toBe(200);
      expect(full.headers['content-type']).toBe(c.type);
      const fullMeta = await sharp(full.rawPayload).metadata();
      expect([fullMeta.width, fullMeta.height]).toEqual(c.size);

      const thumb = await fetchServed(body.data.thumbnail);
      expect(thumb.statusCode).toBe(200);
      expect(thumb.headers['content-type']).toBe(c.type);
      const thumbMeta = await sharp(thumb.rawPayload).metadata();
      expect([thumbMeta.width, thumbMeta.height]).toEqual(c.thumb);
      expect(thumb.rawPayload.length).toBeLessThan(full.rawPayload.length);

      const row = await t.platform.db
        .selectFrom('user_images')
        .selectAll()
        .where('id', '=', BigInt(String(body.data.id)))
        .executeTakeFirstOrThrow();
      expect(row.user_id).toBe(me.id);
      expect(row.is_collected).toBe(0);
      expect(row.deleted_at).toBeNull();
    }
    const listed = parseBody((await list(me.mp)).body).data;
    expect(listed.total_count).toBe(cases.length);
  });

  it('uses the image itself as the thumbnail when it is already small', async () => {
    const me = await author();
    const small = await added(me.mp, await png(6, 120, 90));
    expect(small.thumbnail).toBe(small.url);
    expect((await fetchServed(small.url)).statusCode).toBe(200);
  });

  it('takes a blob part without a filename, and ignores other parts', async () => {
    const me = await author();
    const res = await upload(me.mp, [
      { name: 'note', data: 'stray text field' },
      { name: 'other', filename: 'other.png', type: 'image/png', data: await png(7) },
      { name: 'image', data: await png(8) },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    expect(parseBody(res.body).data.url).toMatch(MEDIA_URL);
    expect(parseBody((await list(me.mp)).body).data.total_count).toBe(1);
  });

  it('refuses what is not an image, whatever its name or type says (400), and bad requests', async () => {
    const me = await author();
    const fakes: Part[] = [
      { name: 'image', filename: 'photo.png', type: 'image/png', data: 'I am a text file, not a PNG\n' },
      {
        name: 'image',
        filename: 'x.png',
        type: 'image/png',
        data: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2000)]),
      },
      {
        name: 'image',
        filename: 'x.jpg',
        type: 'image/jpeg',
        data: Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(500)]),
      },
      {
        name: 'image',
        filename: 'x.svg',
        type: 'image/svg+xml',
        data: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      },
      { name: 'image', filename: 'empty.png', type: 'image/png', data: Buffer.alloc(0) },
    ];
    for (const part of fakes) {
      const res = await upload(me.mp, [part]);
      expect(res.statusCode, part.filename).toBe(400);
      expect(Object.keys(res.json().message)).toEqual(['image']);
    }

    const missing = await upload(me.mp, [{ name: 'photo', filename: 'a.png', data: await png(9) }]);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toHaveProperty('image');

    const twice = await upload(me.mp, [
      { name: 'image', filename: 'a.png', data: await png(10) },
      { name: 'image', filename: 'b.png', data: await png(11) },
    ]);
    expect(twice.statusCode).toBe(400);

    const json = await t.app.inject({ method: 'POST', url: LIST, headers: auth(me.mp), payload: { image: 'x' } });
    expect(json.statusCode).toBe(415);

    const huge = await uploadImage(me.mp, Buffer.concat([await png(12), Buffer.alloc(5 * 1024 * 1024)]));
    expect(huge.statusCode).toBe(413);

    // Nothing above reached the library.
    expect(parseBody((await list(me.mp)).body).data).toEqual({ total_count: 0, page: 1, per_page: 20, results: [] });
  });

  it('de-duplicates: the same bytes (or the same picture) again give the same entry; storage is shared across authors', async () => {
    const me = await author();
    const other = await author();
    const data = await png(20, 700, 500);
    const first = await added(me.mp, data);
    const again = await added(me.mp, data);
    expect(again).toEqual(first);

    // Other bytes of the same picture (encoded differently): re-encoded alike, so the same entry.
    const recoded = await sharp(data).png({ compressionLevel: 1 }).toBuffer();
    expect(recoded.equals(data)).toBe(false);
    expect((await added(me.mp, recoded)).id).toBe(first.id);
    expect(parseBody((await list(me.mp)).body).data.total_count).toBe(1);

    // Another author gets an entry of their own, pointing at the same stored object.
    const theirs = await added(other.mp, data);
    expect(theirs.id).not.toBe(first.id);
    expect(theirs.url).toBe(first.url);
    expect(theirs.thumbnail).toBe(first.thumbnail);

    // Concurrent identical uploads settle on one entry.
    const fresh = await png(21);
    const racing = await Promise.all([uploadImage(me.mp, fresh), uploadImage(me.mp, fresh), uploadImage(me.mp, fresh)]);
    const ids = new Set(
      racing.map((res) => (expect(res.statusCode, res.body).toBe(201), String(parseBody(res.body).data.id))),
    );
    expect(ids.size).toBe(1);
    expect(parseBody((await list(me.mp)).body).data.total_count).toBe(2);
  });

  it('collects and un-collects (M19), lists collected first then newest, and filters collect=true (M17)', async () => {
    const me = await author();
    const a = await added(me.mp, await png(30));
    const b = await added(me.mp, await png(31));
    const c = await added(me.mp, await png(32));
    expect(await listedIds(me.mp)).toEqual([c.id, b.id, a.id]);

    const res = await collect(me.mp, a.id, { collect: true });
    expect(res.statusCode, res.body).toBe(201);
    const body = parseBody(res.body);
    expect(body.message).toBe('OK');
    expect({ ...body.data, id: String(body.data.id) }).toEqual({ id: a.id, collect: true });
    // Idempotent.
    expect((await collect(me.mp, a.id, { collect: true })).statusCode).toBe(201);

    const page = parseBody((await list(me.mp)).body).data;
    expect(page.results.map((item: { id: unknown }) => String(item.id))).toEqual([a.id, c.id, b.id]);
    expect(page.results.map((item: { is_collected: boolean }) => item.is_collected)).toEqual([true, false, false]);
    expect(page.results[0]).toEqual({ id: page.results[0].id, url: a.url, thumbnail: a.thumbnail, is_collected: true });

    const collected = parseBody((await list(me.mp, '?collect=true')).body).data;
    expect(collected.total_count).toBe(1);
    expect(collected.results.map((item: { id: unknown }) => String(item.id))).toEqual([a.id]);
    // collect=false (what the admin sends for "all") lists everything.
    expect(await listedIds(me.mp, '?collect=false')).toEqual([a.id, c.id, b.id]);

    await collect(me.mp, b.id, { collect: 'true' });
    expect(await listedIds(me.mp)).toEqual([b.id, a.id, c.id]);

    const off = await collect(me.mp, a.id, { collect: false });
    expect(off.statusCode).toBe(201);
    expect(parseBody(off.body).data.collect).toBe(false);
    expect(await listedIds(me.mp)).toEqual([b.id, c.id, a.id]);
    expect(await listedIds(me.mp, '?collect=true')).toEqual([b.id]);

    // Bad requests.
    expect((await collect(me.mp, a.id, {})).statusCode).toBe(400);
    expect((await collect(me.mp, a.id, { collect: 'maybe' })).statusCode).toBe(400);
    expect((await collect(me.mp, 'abc', { collect: true })).statusCode).toBe(400);
    expect((await collect(me.mp, 0, { collect: true })).statusCode).toBe(400);
  });

  it('pages with per_page clamped to 1–50 (default 20)', async () => {
    const me = await author();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.unshift((await added(me.mp, await png(40 + i, 50, 50))).id);

    const second = parseBody((await list(me.mp, '?page=2&per_page=2')).body).data;
    expect(second).toMatchObject({ total_count: 3, page: 2, per_page: 2 });
    expect(second.results.map((item: { id: unknown }) => String(item.id))).toEqual([ids[2]]);

    const tiny = parseBody((await list(me.mp, '?per_page=0')).body).data;
    expect(tiny.per_page).toBe(1);
    expect(tiny.results).toHaveLength(1);
    expect(parseBody((await list(me.mp, '?per_page=100')).body).data.per_page).toBe(50);
    expect(parseBody((await list(me.mp, '?page=0')).body).data.page).toBe(1);

    const past = parseBody((await list(me.mp, '?page=9')).body).data;
    expect(past).toEqual({ total_count: 3, page: 9, per_page: 20, results: [] });
  });

  it('soft-deletes (M20): 204, hidden, un-collected, files kept; the same image again restores the entry', async () => {
    const me = await author();
    const keep = await added(me.mp, await png(50));
    const gone = await added(me.mp, await png(51));
    expect((await collect(me.mp, gone.id, { collect: true })).statusCode).toBe(201);

    const res = await remove(me.mp, gone.id);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await listedIds(me.mp)).toEqual([keep.id]);
    expect(await listedIds(me.mp, '?collect=true')).toEqual([]);
    const row = await t.platform.db
      .selectFrom('user_images')
      .selectAll()
      .where('id', '=', BigInt(gone.id))
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expect(row.is_collected).toBe(0);
    // Articles may still show it: the stored file stays.
    expect((await fetchServed(gone.url)).statusCode).toBe(200);

    // Deleting again is still 204; collecting a deleted image is 404.
    expect((await remove(me.mp, gone.id)).statusCode).toBe(204);
    expect((await collect(me.mp, gone.id, { collect: true })).statusCode).toBe(404);

    // Uploading it again brings the same entry back, newest and not collected.
    const back = await added(me.mp, await png(51));
    expect(back.id).toBe(gone.id);
    const page = parseBody((await list(me.mp)).body).data;
    expect(page.results.map((item: { id: unknown }) => String(item.id))).toEqual([gone.id, keep.id]);
    expect(page.results[0].is_collected).toBe(false);
  });

  it('lets an author touch only their own images (404 otherwise)', async () => {
    const owner = await author();
    const intruder = await author();
    const image = await added(owner.mp, await png(60));
    await collect(owner.mp, image.id, { collect: true });

    expect(await listedIds(intruder.mp)).toEqual([]);
    const steal = await collect(intruder.mp, image.id, { collect: false });
    expect(steal.statusCode).toBe(404);
    expect(steal.json()).toEqual({ message: 'Image does not exist.', code: 'not_found' });
    expect((await remove(intruder.mp, image.id)).statusCode).toBe(404);
    // Unknown ids alike.
    expect((await collect(owner.mp, '123456789', { collect: true })).statusCode).toBe(404);
    expect((await remove(owner.mp, '123456789')).statusCode).toBe(404);

    // The owner's image is untouched.
    const page = parseBody((await list(owner.mp)).body).data;
    expect(page.total_count).toBe(1);
    expect(page.results[0].is_collected).toBe(true);
  });

  it('rate limits uploads per author', async () => {
    const busy = await author();
    const calm = await author();
    // Refused uploads count too: the budget pays for reading and decoding.
    for (let i = 0; i < 30; i++) {
      const res = await upload(busy.mp, [{ name: 'image', filename: 'x.png', data: 'not an image' }]);
      expect(res.statusCode).toBe(400);
    }
    const limited = await uploadImage(busy.mp, await png(70));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await uploadImage(calm.mp, await png(70))).statusCode).toBe(201);
    // Reading the library is not limited by the upload budget.
    expect((await list(busy.mp)).statusCode).toBe(200);
  });
});
