import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmsMessage, SmsProvider } from '../../src/platform/sms/index.js';
import { buildTestApp, manualClock, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { randomIp, bearer } from '../helpers/http.js';
import { until } from '../helpers/wait.js';

const clock = manualClock();
let t: TestApp;
const sent: SmsMessage[] = [];
let mobileCounter = 0;
/** A fresh number per test, so per-mobile limits never leak between tests. */
const newMobile = () => `137${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter).padStart(2, '0')}`;

/** The outside world: records what would be sent instead of calling a vendor. */
const recordingSms: SmsProvider = {
  kind: 'console',
  async send(message) {
    sent.push(message);
  },
};

function decode(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

function hs256(payload: object, secret: string, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part(header)}.${part(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

async function signIn(mobile = newMobile(), extra: Record<string, unknown> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810', ...extra },
  });
  expect(res.statusCode).toBe(201);
  return res.json().data as { token: string; refresh_token: string; refresh_token_next?: string };
}

const me = (token: string) => t.app.inject({ url: '/app/v1_0/user/sessions', headers: bearer(token) });
const refresh = (token?: string) =>
  t.app.inject({ method: 'PUT', url: '/app/v1_0/authorizations', headers: token === undefined ? {} : bearer(token) });

describe(`accounts: SMS codes, sign-in and tokens (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp({}, undefined, { clock });
    t.platform.sms = recordingSms;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('SMS codes (A29)', () => {
    it('issues a 6-digit code, delivers it through the jobs port, and limits resends to 1 a minute', async () => {
      const mobile = newMobile();
      const res = await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ message: 'OK', data: { mobile } });
      await t.platform.jobs.drain(10_000);
      const delivered = sent.filter((m) => m.mobile === mobile);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]!.params.code).toMatch(/^\d{6}$/);
      expect(delivered[0]!.params.minutes).toBe(5);
      expect(await t.services.auth.codes.pending(mobile)).toBe(delivered[0]!.params.code);

      const again = await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` });
      expect(again.statusCode).toBe(429);
      expect(again.json()).toEqual({ message: 'Too many requests.', code: 'rate_limited' });
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
      // Another number from the same client is not held back by the first number's limit.
      expect((await t.app.inject({ url: `/app/v1_0/sms/codes/${newMobile()}` })).statusCode).toBe(200);
    });

    it('answers 404 for a malformed number, as the original route did', async () => {
      for (const bad of ['12345678901', '1361111111', 'abcdefghijk', '136111111112']) {
        expect((await t.app.inject({ url: `/app/v1_0/sms/codes/${bad}` })).statusCode).toBe(404);
      }
    });

    it('signs in with the real code once: the code is used up on success', async () => {
      const mobile = newMobile();
      await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` });
      const code = (await t.services.auth.codes.pending(mobile))!;
      const first = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        payload: { mobile, code },
      });
      expect(first.statusCode).toBe(201);
      const replay = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        payload: { mobile, code },
      });
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual({ message: 'Invalid code.', code: 'invalid_sms_code' });
    });

    it('voids a code after 5 wrong tries', async () => {
      const mobile = newMobile();
      await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` });
      const code = (await t.services.auth.codes.pending(mobile))!;
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({
          method: 'POST',
          remoteAddress: randomIp(),
          url: '/app/v1_0/authorizations',
          payload: { mobile, code: wrong },
        });
        expect(res.statusCode).toBe(400);
      }
      const right = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        payload: { mobile, code },
      });
      expect(right.statusCode).toBe(400);
    });

    it('rejects an expired code', async () => {
      const mobile = newMobile();
      await t.platform.kv.set(t.services.auth.codes.codeKey(mobile), '135790', { ttlMs: 30 });
      await until(
        'the code expired',
        async () => (await t.platform.kv.get(t.services.auth.codes.codeKey(mobile))) === null,
      );
      const res = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        payload: { mobile, code: '135790' },
      });
      expect(res.statusCode).toBe(400);
    });

    it('lets only one of two concurrent sign-ins use the same code', async () => {
      const mobile = newMobile();
      await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}` });
      const code = (await t.services.auth.codes.pending(mobile))!;
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.app.inject({
            method: 'POST',
            remoteAddress: randomIp(),
            url: '/app/v1_0/authorizations',
            payload: { mobile, code },
          }),
        ),
      );
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    });
  });

  describe('sign-in (A19) and tokens', () => {
    it('registers on first sign-in and issues the contract’s tokens', async () => {
      const mobile = newMobile();
      const { token, refresh_token } = await signIn(mobile);
      const access = decode(token);
      const user = await t.platform.db
        .selectFrom('users')
        .selectAll()
        .where('mobile', '=', mobile)
        .executeTakeFirstOrThrow();
      // Never the mobile: the name is public (comments, A22).
      expect(user.name).toBe(`用户${mobile.slice(0, 3)}****${mobile.slice(-4)}`);
      expect(access.user_id).toBe(Number(user.id));
      expect(access.refresh).toBe(false);
      expect(access.verified).toBeUndefined();
      expect((access.exp as number) - (access.iat as number)).toBe(7200);
      const r = decode(refresh_token);
      expect(r.refresh).toBe(true);
      expect((r.exp as number) - (r.iat as number)).toBe(14 * 86400);
      // Signing in again reuses the account.
      const again = decode((await signIn(mobile)).token);
      expect(again.user_id).toBe(access.user_id);
    });

    it('rejects bad input with a 400 naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ code: '246810' }, 'mobile'],
        [{ mobile: '12345', code: '246810' }, 'mobile'],
        [{ mobile: newMobile() }, 'code'],
        [{ mobile: newMobile(), code: '12345' }, 'code'],
        [{ mobile: newMobile(), code: "1' OR '1'='1" }, 'code'],
        [{ mobile: '<script>alert(1)</script>', code: '246810' }, 'mobile'],
      ];
      for (const [payload, field] of cases) {
        const res = await t.app.inject({
          method: 'POST',
          remoteAddress: randomIp(),
          url: '/app/v1_0/authorizations',
          payload,
        });
        expect(res.statusCode).toBe(400);
        expect(Object.keys(res.json().message)).toEqual([field]);
      }
    });

    it('refuses a disabled account', async () => {
      const mobile = newMobile();
      const { token } = await signIn(mobile);
      const userId = BigInt(decode(token).user_id as number);
      await t.platform.db.updateTable('users').set({ status: 0 }).where('id', '=', userId).execute();
      await t.services.auth.sessions.userChanged(userId);
      const res = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        payload: { mobile, code: '246810' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: 'Invalid user.', code: 'account_disabled' });
      const used = await me(token);
      expect(used.statusCode).toBe(403);
      expect(used.json()).toEqual({ message: 'User denied.', code: 'account_disabled' });
    });
  });

  describe('auth modes (§1.2)', () => {
    it('answers required routes with 401 for missing, malformed, tampered, expired and alg-none tokens', async () => {
      const { token } = await signIn();
      const [header, payload] = token.split('.');
      const forged = decode(token);
      const noneToken = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...forged, user_id: 1 })).toString('base64url')}.${token.split('.')[2]}`;
      const otherAlg = hs256(forged, t.config.jwtSecret, { alg: 'HS512', typ: 'JWT' });
      for (const headers of [
        {},
        { authorization: 'Bearer' },
        { authorization: `Bearer  ${token}` },
        { authorization: `Token ${token}` },
        bearer('abc.def.ghi'),
        bearer(noneToken),
        bearer(tampered),
        bearer(otherAlg),
      ]) {
        const res = await t.app.inject({ url: '/app/v1_0/user/sessions', headers });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: 'User must be authorized.', code: 'unauthorized' });
      }
      expect((await me(token)).statusCode).toBe(200);
    });

    it('answers 403 when a refresh token is used as an access token', async () => {
      const { refresh_token } = await signIn();
      const res = await me(refresh_token);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: 'Do not use refresh token.', code: 'wrong_token_type' });
    });

    it('lets optional routes through anonymously, with Anony, and with a valid token, but 401s a bad one', async () => {
      const url = `/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1`;
      expect((await t.app.inject({ url })).statusCode).toBe(200);
      expect((await t.app.inject({ url, headers: { authorization: 'Anony device-123' } })).statusCode).toBe(200);
      expect((await t.app.inject({ url, headers: bearer((await signIn()).token) })).statusCode).toBe(200);
      const bad = await t.app.inject({ url, headers: bearer('not-a-token') });
      expect(bad.statusCode).toBe(401);
      expect(bad.json()).toEqual({ message: 'Token has some errors.', code: 'unauthorized' });
    });

    it('interoperates with standard JWT libraries in both directions', async () => {
      const { token } = await signIn();
      // Ours verifies with a plain HS256 check given the secret.
      const [h, p, s] = token.split('.');
      expect(createHmac('sha256', t.config.jwtSecret).update(`${h}.${p}`).digest('base64url')).toBe(s);
      expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
      // A token minted elsewhere with the secret (the original backend's claims) is accepted.
      const userId = decode(token).user_id as number;
      const foreign = hs256(
        { user_id: userId, refresh: false, exp: Math.floor(clock.now() / 1000) + 600 },
        t.config.jwtSecret,
      );
      expect((await me(foreign)).statusCode).toBe(200);
      const foreignRefresh = hs256(
        { user_id: userId, refresh: true, exp: Math.floor(clock.now() / 1000) + 600 },
        t.config.jwtSecret,
      );
      expect((await refresh(foreignRefresh)).statusCode).toBe(201);
    });
  });

  describe('refresh (A12) as the app does it', () => {
    it('401 → two parallel refreshes with one refresh token → retry succeeds, and again two hours later', async () => {
      const session = await signIn();
      clock.advance(2 * 3600_000 + 1000);
      const expired = await me(session.token);
      expect(expired.statusCode).toBe(401);

      const [a, b] = await Promise.all([refresh(session.refresh_token), refresh(session.refresh_token)]);
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(Object.keys(a.json().data)).toEqual(['token']);
      expect((await me(a.json().data.token)).statusCode).toBe(200);
      expect((await me(b.json().data.token)).statusCode).toBe(200);

      clock.advance(2 * 3600_000 + 1000);
      expect((await me(a.json().data.token)).statusCode).toBe(401);
      const later = await refresh(session.refresh_token);
      expect(later.statusCode).toBe(201);
      expect((await me(later.json().data.token)).statusCode).toBe(200);
    });

    it('answers 403 for a missing, malformed, access-type or expired refresh token', async () => {
      const session = await signIn();
      for (const res of [await refresh(), await refresh('garbage'), await refresh(session.token)]) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ message: 'Wrong refresh token.', code: 'invalid_refresh_token' });
      }
      clock.advance(14 * 86400_000 + 1000);
      expect((await refresh(session.refresh_token)).statusCode).toBe(403);
    });

    it('serves the MP refresh path too (M05)', async () => {
      const session = await signIn();
      const res = await t.app.inject({
        method: 'PUT',
        url: '/mp/v1_0/authorizations',
        headers: bearer(session.refresh_token),
      });
      expect(res.statusCode).toBe(201);
    });
  });

  describe('sessions and sign-out', () => {
    it('signs out: the session’s access and refresh tokens stop working at once', async () => {
      const session = await signIn();
      const out = await t.app.inject({
        method: 'DELETE',
        url: '/app/v1_0/authorizations',
        headers: bearer(session.token),
      });
      expect(out.statusCode).toBe(204);
      expect(out.body).toBe('');
      expect((await me(session.token)).statusCode).toBe(401);
      expect((await refresh(session.refresh_token)).statusCode).toBe(403);
    });

    it('lists a user’s devices and revokes one', async () => {
      const mobile = newMobile();
      const phone = await signIn(mobile);
      const laptop = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' },
        payload: { mobile, code: '246810' },
      });
      const second = laptop.json().data;
      const list = await me(phone.token);
      const sessions = list.json().data.sessions as { id: number; current: boolean; platform: string }[];
      expect(sessions).toHaveLength(2);
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      expect(sessions.map((s) => s.platform).sort()).toEqual(['ios', 'other']);

      const otherId = list.body.match(/"id":(\d+),"client":"app","platform":"ios"/)![1];
      const revoke = await t.app.inject({
        method: 'DELETE',
        url: `/app/v1_0/user/sessions/${otherId}`,
        headers: bearer(phone.token),
      });
      expect(revoke.statusCode).toBe(204);
      expect((await me(second.token)).statusCode).toBe(401);
      expect((await me(phone.token)).statusCode).toBe(200);
      // Someone else's session is not found, not revoked.
      const stranger = await signIn();
      const foreign = await t.app.inject({
        method: 'DELETE',
        url: `/app/v1_0/user/sessions/${otherId}`,
        headers: bearer(stranger.token),
      });
      expect(foreign.statusCode).toBe(404);
    });
  });

  describe('refresh-token rotation (opt-in)', () => {
    it('rotates, tolerates parallel refreshes in the grace window, and revokes the session on reuse after it', async () => {
      const session = await signIn(newMobile(), { rotate_refresh_token: true });
      const parallel = await Promise.all([
        refresh(session.refresh_token),
        refresh(session.refresh_token),
        refresh(session.refresh_token),
      ]);
      for (const res of parallel) expect(res.statusCode).toBe(201);
      const next = parallel.map((r) => r.json().data.refresh_token as string);
      expect(new Set(next.map((r) => decode(r).jti)).size).toBe(1);
      expect(decode(next[0]!).jti).not.toBe(decode(session.refresh_token).jti);

      const rotated = await refresh(next[0]!);
      expect(rotated.statusCode).toBe(201);
      const current = rotated.json().data;

      clock.advance(31_000);
      const reuse = await refresh(session.refresh_token);
      expect(reuse.statusCode).toBe(403);
      // The whole session is gone: the newest tokens die with it.
      expect((await refresh(current.refresh_token)).statusCode).toBe(403);
      expect((await me(current.token)).statusCode).toBe(401);
    });
  });

  describe('media platform sign-in (M04)', () => {
    it('admits only existing, verified users and marks their tokens verified', async () => {
      const stranger = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/mp/v1_0/authorizations',
        payload: { mobile: newMobile(), code: '246810', agree: true },
      });
      expect(stranger.statusCode).toBe(403);
      expect(stranger.json()).toEqual({
        message: 'Please verify your real information in app.',
        code: 'verification_required',
      });

      const mobile = newMobile();
      await signIn(mobile);
      const unverified = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/mp/v1_0/authorizations',
        payload: { mobile, code: '246810' },
      });
      expect(unverified.statusCode).toBe(403);

      await t.platform.db
        .updateTable('users')
        .set({ verified: 1, name: '作者' + mobile.slice(-4) })
        .where('mobile', '=', mobile)
        .execute();
      const res = await t.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/mp/v1_0/authorizations',
        payload: { mobile, code: '246810', agree: true },
      });
      expect(res.statusCode).toBe(201);
      const data = res.json().data;
      expect(Object.keys(data).sort()).toEqual(['id', 'name', 'photo', 'refresh_token', 'token']);
      expect(data.name).toBe('作者' + mobile.slice(-4));
      expect(data.photo).toMatch(/^http:\/\/inkstone\.test\//);
      expect(decode(data.token).verified).toBe(true);
      expect(decode(data.refresh_token).verified).toBe(true);
      expect(decode(data.token).user_id).toBe(data.id);
    });
  });
});

describe('demo code switched off', () => {
  it('refuses the universal code when SMS_DEMO_CODE=off', async () => {
    const app = await buildTestApp({ SMS_DEMO_CODE: 'off' });
    try {
      const res = await app.app.inject({
        method: 'POST',
        remoteAddress: randomIp(),
        url: '/app/v1_0/authorizations',
        payload: { mobile: newMobile(), code: '246810' },
      });
      expect(res.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
