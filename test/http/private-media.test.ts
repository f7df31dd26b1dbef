/**
 * Private media: ID-card images are stored under `private/`, never served by the public /media/
 * route, and reachable only through signed links (`/media-private/<key>?exp=…&sig=…`) that expire
 * after an hour. Avatars stay public.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateMediaSigner } from '../../src/platform/storage/index.js';
import { buildTestApp, manualClock, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { bearer, multipart, randomIp, type Part } from '../helpers/http.js';

const clock = manualClock();
let t: TestApp;
let mobileCounter = 0;

const INVALID = { message: 'Invalid or expired link.', code: 'forbidden' };
const HOUR_MS = 60 * 60 * 1000;

async function signIn(): Promise<string> {
  const mobile = `138${String(Date.now() % 10_000).padStart(4, '0')}${String(++mobileCounter).padStart(4, '0')}`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810' },
    remoteAddress: randomIp(),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.token as string;
}

async function upload(token: string, parts: Part[]) {
  const body = multipart(parts);
  const res = await t.app.inject({
    method: 'PATCH',
    url: '/app/v1_0/user/photo',
    headers: { ...body.headers, ...bearer(token) },
    payload: body.payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data as Record<string, string>;
}

const jpeg = (r: number, g: number, b: number) =>
  sharp({ create: { width: 320, height: 200, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();

/** Path and query of a link on the test origin, as inject wants it. */
function local(url: string): string {
  const parsed = new URL(url);
  expect(parsed.origin).toBe('http://inkstone.test');
  return parsed.pathname + parsed.search;
}

const getUrl = (url: string) => t.app.inject({ method: 'GET', url });

describe(`private media (db=${testDb}, redis=${testRedis})`, () => {
  let front: URL;
  let back: URL;
  let photo: string;

  beforeAll(async () => {
    t = await buildTestApp({}, undefined, { clock });
    const token = await signIn();
    const data = await upload(token, [
      { name: 'photo', filename: 'me.jpg', type: 'image/jpeg', data: await jpeg(10, 120, 200) },
      { name: 'id_card_front', filename: 'front.jpg', type: 'image/jpeg', data: await jpeg(200, 30, 30) },
      { name: 'id_card_back', filename: 'back.jpg', type: 'image/jpeg', data: await jpeg(30, 200, 30) },
    ]);
    front = new URL(data.id_card_front!);
    back = new URL(data.id_card_back!);
    photo = data.photo!;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers ID cards with signed, expiring links and stores them under private/', async () => {
    for (const link of [front, back]) {
      expect(link.href).toMatch(
        /^http:\/\/inkstone\.test\/media-private\/private\/id-cards\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg\?exp=\d+&sig=[\w-]{43}$/,
      );
      const exp = Number(link.searchParams.get('exp'));
      expect(exp).toBe(Math.floor(clock.now() / 1000) + 3600);
    }
    const row = await t.platform.db
      .selectFrom('users')
      .select(['id_card_front', 'id_card_back'])
      .where('id_card_front', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(row.id_card_front).toBe(front.pathname.replace('/media-private/', ''));
    expect(row.id_card_back).toMatch(/^private\/id-cards\//);
  });

  it('serves a signed link: the image bytes, private caching, nosniff and the sandbox CSP', async () => {
    const res = await getUrl(local(front.href));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/jpeg/);
    expect(res.headers['cache-control']).toBe('private, max-age=3600');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 200]);
    // The bytes are exactly the stored object.
    const key = front.pathname.replace('/media-private/', '');
    expect(res.rawPayload.equals((await t.platform.storage.get(key))!.body)).toBe(true);
  });

  it('refuses links without, or with a wrong, signature (403)', async () => {
    const exp = front.searchParams.get('exp')!;
    const sig = front.searchParams.get('sig')!;
    const tampered = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const cases = [
      front.pathname,
      `${front.pathname}?exp=${exp}`,
      `${front.pathname}?sig=${sig}`,
      `${front.pathname}?exp=${exp}&sig=`,
      `${front.pathname}?exp=${exp}&sig=${tampered}`,
      `${front.pathname}?exp=${exp}&sig=${sig.slice(0, -2)}`,
      `${front.pathname}?exp=${exp}&sig=${sig}${sig}`,
      `${front.pathname}?exp=${exp}&sig=${sig}&sig=${sig}`,
      // Moving the expiry breaks the signature.
      `${front.pathname}?exp=${Number(exp) + 3600}&sig=${sig}`,
      `${front.pathname}?exp=0${exp}&sig=${sig}`,
      // A valid signature, but for another key.
      `${front.pathname}?exp=${back.searchParams.get('exp')}&sig=${back.searchParams.get('sig')}`,
      `${back.pathname}?exp=${exp}&sig=${sig}`,
    ];
    for (const url of cases) {
      const res = await getUrl(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json(), url).toEqual(INVALID);
    }
  });

  it('refuses links signed with another secret (403)', async () => {
    const other = createPrivateMediaSigner({
      secret: 'not-the-jwt-secret',
      publicUrl: t.config.publicUrl,
      now: clock.now,
    });
    const key = front.pathname.replace('/media-private/', '');
    const res = await getUrl(local(other.url(key)));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(INVALID);
  });

  it('answers 404 for keys outside private/, invalid keys and missing objects', async () => {
    const signer = createPrivateMediaSigner({
      secret: t.config.jwtSecret,
      publicUrl: t.config.publicUrl,
      now: clock.now,
    });
    // Even a correctly signed link cannot reach public or invalid keys through this route.
    const avatarKey = new URL(photo).pathname.replace('/media/', '');
    for (const url of [
      signer.url(avatarKey),
      signer.url('private/../avatars/x.jpg'),
      signer.url('private/id-cards/x.exe'),
    ]) {
      const res = await getUrl(local(url));
      expect(res.statusCode, url).toBe(404);
    }
    const missing = await getUrl(local(signer.url('private/id-cards/00/missing.jpg')));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ message: 'Not found.', code: 'not_found' });
  });

  it('never serves private/ through the public /media/ route (404)', async () => {
    const path = front.pathname.replace('/media-private/', '/media/');
    expect(path).toMatch(/^\/media\/private\/id-cards\//);
    for (const url of [
      path,
      `${path}${front.search}`,
      path.replace('/private/', '/PRIVATE/'),
      path.replace('/media/private/', '/media/%70rivate/'),
    ]) {
      const res = await getUrl(url);
      expect(res.statusCode, url).not.toBe(200);
      expect([403, 404], url).toContain(res.statusCode);
    }
    expect((await getUrl(path)).statusCode).toBe(404);
  });

  it('keeps avatars on public /media/avatars/ URLs, and legacy id-cards/ keys public', async () => {
    expect(photo).toMatch(/^http:\/\/inkstone\.test\/media\/avatars\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg$/);
    const avatar = await getUrl(new URL(photo).pathname);
    expect(avatar.statusCode).toBe(200);
    expect(avatar.headers['cache-control']).toMatch(/^public, max-age=31536000/);

    // Rows from before private storage keep working as they were.
    const legacy = 'id-cards/ab/legacy.jpg';
    await t.platform.storage.put(legacy, await jpeg(1, 2, 3), 'image/jpeg');
    expect((await getUrl(`/media/${legacy}`)).statusCode).toBe(200);
  });

  it('keeps the route out of the OpenAPI document', async () => {
    const doc = (await getUrl('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/media-private'))).toEqual([]);
  });

  it('expires links after an hour; a fresh upload gets a fresh link', async () => {
    const link = local(front.href);
    clock.advance(HOUR_MS - 60_000);
    const late = await getUrl(link);
    expect(late.statusCode).toBe(200);
    expect(late.headers['cache-control']).toBe('private, max-age=60');

    clock.advance(60_000);
    const expired = await getUrl(link);
    expect(expired.statusCode).toBe(403);
    expect(expired.json()).toEqual(INVALID);
    clock.advance(HOUR_MS);
    expect((await getUrl(link)).statusCode).toBe(403);

    const token = await signIn();
    const again = await upload(token, [
      { name: 'id_card_front', filename: 'front.jpg', type: 'image/jpeg', data: await jpeg(200, 30, 30) },
    ]);
    // Same bytes, same content-addressed key, a new expiry.
    expect(new URL(again.id_card_front!).pathname).toBe(front.pathname);
    expect((await getUrl(local(again.id_card_front!))).statusCode).toBe(200);
  });
});
