import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/wait.js';

const DEMO_CODE = '246810';
const REGISTER = '/app/v1_0/accounts';
const SIGN_IN = '/app/v1_0/authorizations/password';
const CHANGE = '/app/v1_0/user/password';

let t: TestApp;
let logFile: string;
let n = 0;
/** Every response body, to prove that no password ever comes back. */
const bodies: string[] = [];
/** Every password sent, right or wrong. */
const passwordsSent = new Set<string>();

const nextMobile = () => `13${100_000_000 + ++n}`;
const nextName = (prefix = 'user') => `${prefix}${Date.now() % 100_000}_${++n}`;
// Each test gets addresses of its own, so the per-IP limits of one test never leak into another.
const nextIp = () => `10.${(++n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

interface Call {
  method?: 'POST' | 'PUT' | 'GET';
  body?: Record<string, unknown>;
  token?: string;
  ip?: string;
}

async function call(url: string, { method = 'POST', body, token, ip = nextIp() }: Call = {}) {
  for (const key of ['password', 'password_confirm', 'old_password', 'new_password', 'new_password_confirm']) {
    // Only real-looking ones: 'x' or 'short' occur in any text.
    const value = body?.[key];
    if (typeof value === 'string' && value.length >= 8 && value.trim() !== '') passwordsSent.add(value);
  }
  const res = await t.app.inject({
    method,
    url,
    remoteAddress: ip,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body ? { payload: body } : {}),
  });
  bodies.push(res.body);
  return res;
}

function claims(token: string): { user_id: number; refresh: boolean } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

function account(overrides: Record<string, unknown> = {}) {
  const username = nextName();
  return {
    username,
    email: `${username}@example.com`,
    password: 'correct horse battery',
    password_confirm: 'correct horse battery',
    mobile: nextMobile(),
    code: DEMO_CODE,
    ...overrides,
  };
}

/** Registers an account; returns its input and tokens. */
async function register(overrides: Record<string, unknown> = {}) {
  const input = account(overrides);
  const res = await call(REGISTER, { body: input });
  expect(res.statusCode, res.body).toBe(201);
  const { token, refresh_token } = res.json().data as { token: string; refresh_token: string };
  return { input, token, refresh_token };
}

const signIn = (login: string, password: string, ip?: string) =>
  call(SIGN_IN, { body: { login, password }, ...(ip ? { ip } : {}) });
const sessions = (token: string) => call('/app/v1_0/user/sessions', { method: 'GET', token });
const userRow = (username: string) =>
  t.platform.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username.toLowerCase())
    .executeTakeFirstOrThrow();

describe(`password accounts (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-pwlog-')), 'app.log');
    t = await buildTestApp({ LOG_LEVEL: 'trace', LOG_FILE: logFile });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
  });

  it('registers with a proven mobile and returns working tokens', async () => {
    const { input, token, refresh_token } = await register({
      username: nextName('MixedCase'),
      email: `Some.One+${++n}@Example.COM`,
    });
    expect(claims(token).refresh).toBe(false);
    expect(claims(refresh_token).refresh).toBe(true);
    const res = await sessions(token);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.sessions).toHaveLength(1);

    const row = await userRow(input.username);
    expect(String(row.id)).toBe(String(claims(token).user_id));
    expect(row.username).toBe(input.username.toLowerCase());
    expect(row.email).toBe(input.email.toLowerCase());
    expect(row.mobile).toBe(input.mobile);
    expect(row.name).toBe(`用户${input.mobile.slice(0, 3)}****${input.mobile.slice(-4)}`);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('rejects each invalid field with a 400 naming it', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ username: 'ab' }, 'username'],
      [{ username: `a${'b'.repeat(32)}` }, 'username'],
      [{ username: '1abc' }, 'username'],
      [{ username: 'bad name' }, 'username'],
      [{ username: "admin'--" }, 'username'],
      [{ username: "x' OR '1'='1" }, 'username'],
      [{ username: '<script>alert(1)</script>' }, 'username'],
      [{ username: 'robert"); DROP TABLE users;--' }, 'username'],
      [{ username: undefined }, 'username'],
      [{ email: 'not-an-email' }, 'email'],
      [{ email: 'a@localhost' }, 'email'],
      [{ email: "a@b.com' OR '1'='1" }, 'email'],
      [{ email: '<script>@x.com' }, 'email'],
      [{ email: `${'a'.repeat(250)}@x.com` }, 'email'],
      [{ email: '' }, 'email'],
      [{ password: 'short', password_confirm: 'short' }, 'password'],
      [{ password: 'p'.repeat(129), password_confirm: 'p'.repeat(129) }, 'password'],
      [{ password: '          ', password_confirm: '          ' }, 'password'],
      [{ password: 'Password123', password_confirm: 'Password123' }, 'password'],
      [{ username: 'samename99', password: 'SameName99', password_confirm: 'SameName99' }, 'password'],
      [{ password_confirm: undefined }, 'password_confirm'],
      [{ mobile: '12345678901' }, 'mobile'],
      [{ mobile: '1380013800' }, 'mobile'],
      [{ mobile: "13800138000' OR 1=1" }, 'mobile'],
      [{ code: '12345' }, 'code'],
      [{ code: 'abcdef' }, 'code'],
    ];
    for (const [overrides, field] of cases) {
      const res = await call(REGISTER, { body: account(overrides) });
      const label = JSON.stringify(overrides);
      expect(res.statusCode, label).toBe(400);
      expect(Object.keys(res.json().message), label).toEqual([field]);
    }

    const mismatch = await call(REGISTER, { body: account({ password_confirm: 'correct horse battery!' }) });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json()).toEqual({ message: { password_confirm: 'does not match' }, code: 'invalid_field' });

    const wrongCode = await call(REGISTER, { body: account({ code: '000000' }) });
    expect(wrongCode.statusCode).toBe(400);
    expect(wrongCode.json()).toEqual({ message: 'Invalid code.', code: 'invalid_sms_code' });
  });

  it('answers 409 for a taken username, email or mobile', async () => {
    const { input } = await register();
    const username = await call(REGISTER, { body: account({ username: input.username.toUpperCase() }) });
    expect(username.statusCode).toBe(409);
    expect(username.json()).toEqual({ message: 'Username has existed.', code: 'conflict' });

    const email = await call(REGISTER, { body: account({ email: input.email.toUpperCase() }) });
    expect(email.statusCode).toBe(409);
    expect(email.json()).toEqual({ message: 'Email has existed.', code: 'conflict' });

    const mobile = await call(REGISTER, { body: account({ mobile: input.mobile }) });
    expect(mobile.statusCode).toBe(409);
    expect(mobile.json()).toEqual({ message: 'Mobile already has an account.', code: 'conflict' });
  });

  it('settles concurrent registrations of one username, email or mobile with a 409, not a 500', async () => {
    const username = nextName('race');
    const mobile = nextMobile();
    const cases = [
      [account({ username }), account({ username: username.toUpperCase() }), 'Username has existed.'],
      [
        account({ email: `${username}@race.example` }),
        account({ email: `${username}@race.example` }),
        'Email has existed.',
      ],
      [account({ mobile }), account({ mobile }), 'Mobile already has an account.'],
    ] as const;
    for (const [a, b, message] of cases) {
      const results = await Promise.all([call(REGISTER, { body: a }), call(REGISTER, { body: b })]);
      expect(results.map((r) => r.statusCode).sort(), message).toEqual([201, 409]);
      expect(results.find((r) => r.statusCode === 409)!.json()).toEqual({ message, code: 'conflict' });
    }
  });

  it('binds a password account to a user who signed in by SMS before', async () => {
    const mobile = nextMobile();
    const sms = await call('/app/v1_0/authorizations', { body: { mobile, code: DEMO_CODE } });
    expect(sms.statusCode).toBe(201);
    const userId = claims(sms.json().data.token).user_id;

    const { input, token } = await register({ mobile });
    expect(claims(token).user_id).toBe(userId);
    const users = await t.platform.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('mobile', '=', mobile)
      .execute();
    expect(users).toHaveLength(1);
    expect(users[0]!.username).toBe(input.username.toLowerCase());

    // SMS sign-in still reaches the same user, and the password now works too.
    const again = await call('/app/v1_0/authorizations', { body: { mobile, code: DEMO_CODE } });
    expect(claims(again.json().data.token).user_id).toBe(userId);
    const byPassword = await signIn(input.username, input.password);
    expect(byPassword.statusCode).toBe(201);
    expect(claims(byPassword.json().data.token).user_id).toBe(userId);

    const twice = await call(REGISTER, { body: account({ mobile }) });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toEqual({ message: 'Mobile already has an account.', code: 'conflict' });
  });

  it('signs in by username or email, case-insensitively, without telling unknown logins from wrong passwords', async () => {
    const { input, token } = await register({ username: nextName('Carol') });
    const userId = claims(token).user_id;
    for (const login of [input.username, input.username.toUpperCase(), input.email, input.email.toUpperCase()]) {
      const res = await signIn(login, input.password);
      expect(res.statusCode, login).toBe(201);
      const data = res.json().data;
      expect(Object.keys(data).sort()).toEqual(['refresh_token', 'token']);
      expect(claims(data.token).user_id).toBe(userId);
      expect((await sessions(data.token)).statusCode).toBe(200);
    }

    const wrong = await signIn(input.username, 'not the password');
    const unknown = await signIn('nobody_here', input.password);
    const unknownEmail = await signIn('nobody@example.com', input.password);
    for (const res of [wrong, unknown, unknownEmail]) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid username or password.', code: 'invalid_credentials' });
    }

    // A user who only ever signed in by SMS has no password: the same answer.
    const smsOnly = await call('/app/v1_0/authorizations', { body: { mobile: nextMobile(), code: DEMO_CODE } });
    const smsUser = await t.platform.db
      .selectFrom('users')
      .select('mobile')
      .where('id', '=', BigInt(claims(smsOnly.json().data.token).user_id))
      .executeTakeFirstOrThrow();
    expect((await signIn(smsUser.mobile, 'whatever123')).statusCode).toBe(400); // a mobile is not a login

    for (const [body, field] of [
      [{ login: "' OR 1=1 --", password: 'x' }, 'login'],
      [{ login: '<script>alert(1)</script>', password: 'x' }, 'login'],
      [{ login: input.username }, 'password'],
      [{ password: 'x' }, 'login'],
    ] as const) {
      const res = await call(SIGN_IN, { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.json().message)).toEqual([field]);
    }
  });

  it('locks an account after 5 failed attempts, even for the right password, and no other account', async () => {
    const victim = await register();
    const other = await register();
    const ip = nextIp();
    for (let i = 0; i < 5; i++) {
      const res = await signIn(victim.input.username, `wrong password ${i}`, ip);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid username or password.', code: 'invalid_credentials' });
    }
    for (const login of [victim.input.username, victim.input.email.toUpperCase()]) {
      const locked = await signIn(login, victim.input.password, ip);
      expect(locked.statusCode, login).toBe(429);
      expect(locked.json()).toEqual({ message: 'Too many requests.', code: 'rate_limited' });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    }
    // From another address too: the limit is the account's.
    expect((await signIn(victim.input.username, victim.input.password)).statusCode).toBe(429);

    const fine = await signIn(other.input.username, other.input.password, ip);
    expect(fine.statusCode).toBe(201);

    // Unknown logins are limited the same way, so lockouts reveal nothing either.
    const ghost = nextName('ghost');
    for (let i = 0; i < 5; i++) expect((await signIn(ghost, `guess ${i}`)).statusCode).toBe(400);
    expect((await signIn(ghost, 'guess 6')).statusCode).toBe(429);
  });

  it('lets no more than 5 of a burst of parallel guesses be verified', async () => {
    const { input } = await register();
    const guesses = Array.from({ length: 12 }, (_, i) => signIn(input.username, `parallel guess ${i}`));
    const statuses = (await Promise.all(guesses)).map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect((await signIn(input.username, input.password)).statusCode).toBe(429);
  });

  it('does not count successful sign-ins as failures', async () => {
    const { input } = await register();
    for (let i = 0; i < 4; i++) expect((await signIn(input.username, `wrong ${i}`)).statusCode).toBe(400);
    for (let i = 0; i < 6; i++) expect((await signIn(input.username, input.password)).statusCode).toBe(201);
    // The success cleared the count: four more typos are still not a lockout.
    for (let i = 0; i < 4; i++) expect((await signIn(input.username, `typo ${i}`)).statusCode).toBe(400);
    expect((await signIn(input.username, input.password)).statusCode).toBe(201);
  });

  it('limits password sign-ins per IP', async () => {
    const ip = nextIp();
    for (let i = 0; i < 20; i++) expect((await signIn(nextName('probe'), 'some password', ip)).statusCode).toBe(400);
    const limited = await signIn(nextName('probe'), 'some password', ip);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signIn(nextName('probe'), 'some password')).statusCode).toBe(400);
  });

  it('limits registrations per IP', async () => {
    const ip = nextIp();
    for (let i = 0; i < 10; i++)
      expect((await call(REGISTER, { body: account({ code: '000000' }), ip })).statusCode).toBe(400);
    const limited = await call(REGISTER, { body: account(), ip });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('answers 403 for a disabled account only after the right password', async () => {
    const { input } = await register();
    await t.platform.db
      .updateTable('users')
      .set({ status: 0 })
      .where('username', '=', input.username.toLowerCase())
      .execute();
    expect((await signIn(input.username, 'wrong password')).statusCode).toBe(400);
    const res = await signIn(input.username, input.password);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ message: 'Invalid user.', code: 'account_disabled' });
  });

  it('changes the password, ending every other session', async () => {
    const { input, token: current } = await register();
    const other = (await signIn(input.email, input.password)).json().data as { token: string; refresh_token: string };
    const before = (await userRow(input.username)).password_hash;

    const change = (body: Record<string, unknown>, token = current) => call(CHANGE, { method: 'PUT', token, body });
    const newPassword = 'a much better passphrase';

    const wrongOld = await change({
      old_password: 'not it at all',
      new_password: newPassword,
      new_password_confirm: newPassword,
    });
    expect(wrongOld.statusCode).toBe(400);
    expect(wrongOld.json()).toEqual({ message: { old_password: 'is incorrect' }, code: 'invalid_field' });
    const noOld = await change({ new_password: newPassword, new_password_confirm: newPassword });
    expect(noOld.json()).toEqual({ message: { old_password: 'is required' }, code: 'invalid_field' });
    const mismatch = await change({
      old_password: input.password,
      new_password: newPassword,
      new_password_confirm: `${newPassword}.`,
    });
    expect(mismatch.json()).toEqual({ message: { new_password_confirm: 'does not match' }, code: 'invalid_field' });
    const short = await change({ old_password: input.password, new_password: 'short', new_password_confirm: 'short' });
    expect(Object.keys(short.json().message)).toEqual(['new_password']);
    const same = await change({
      old_password: input.password,
      new_password: input.password,
      new_password_confirm: input.password,
    });
    expect(same.json()).toEqual({
      message: { new_password: 'must differ from the old password' },
      code: 'invalid_field',
    });
    expect(
      (
        await call(CHANGE, {
          method: 'PUT',
          body: { old_password: input.password, new_password: newPassword, new_password_confirm: newPassword },
        })
      ).statusCode,
    ).toBe(401);
    // Nothing changed so far.
    expect((await userRow(input.username)).password_hash).toBe(before);
    expect((await sessions(other.token)).statusCode).toBe(200);

    const ok = await change({
      old_password: input.password,
      new_password: newPassword,
      new_password_confirm: newPassword,
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ message: 'OK', data: {} });

    expect((await sessions(other.token)).statusCode).toBe(401);
    const refresh = await call('/app/v1_0/authorizations', { method: 'PUT', token: other.refresh_token });
    expect(refresh.statusCode).toBe(403);
    const mine = await sessions(current);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().data.sessions).toHaveLength(1);

    const after = (await userRow(input.username)).password_hash!;
    expect(after).toMatch(/^\$argon2id\$/);
    expect(after).not.toBe(before);
    expect((await signIn(input.username, input.password)).statusCode).toBe(400);
    expect((await signIn(input.username, newPassword)).statusCode).toBe(201);
  });

  it('counts wrong old passwords towards the account lockout', async () => {
    const { input, token } = await register();
    const body = {
      old_password: 'wrong old password',
      new_password: 'next passphrase 1',
      new_password_confirm: 'next passphrase 1',
    };
    for (let i = 0; i < 5; i++) expect((await call(CHANGE, { method: 'PUT', token, body })).statusCode).toBe(400);
    const locked = await call(CHANGE, { method: 'PUT', token, body: { ...body, old_password: input.password } });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await signIn(input.email, input.password)).statusCode).toBe(429);
  });

  it('refuses a password change for a user without a password', async () => {
    const sms = await call('/app/v1_0/authorizations', { body: { mobile: nextMobile(), code: DEMO_CODE } });
    const res = await call(CHANGE, {
      method: 'PUT',
      token: sms.json().data.token,
      body: { new_password: 'brand new passphrase', new_password_confirm: 'brand new passphrase' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/No password is set/);
  });

  it('upgrades a hash made with weaker parameters at the next sign-in', async () => {
    const { input } = await register();
    const weak = await hash(input.password, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await t.platform.db
      .updateTable('users')
      .set({ password_hash: weak })
      .where('username', '=', input.username.toLowerCase())
      .execute();
    expect((await signIn(input.username, input.password)).statusCode).toBe(201);
    const upgraded = (await userRow(input.username)).password_hash!;
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await signIn(input.username, input.password)).statusCode).toBe(201);
  });

  it('documents the paths in OpenAPI under the auth tag', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(spec.paths['/app/v1_0/accounts'].post.tags).toEqual(['auth']);
    expect(spec.paths['/app/v1_0/authorizations/password'].post.tags).toEqual(['auth']);
    expect(spec.paths['/app/v1_0/user/password'].put.tags).toEqual(['auth']);
    expect(
      spec.paths['/app/v1_0/accounts'].post.requestBody.content['application/json'].schema.properties.username.pattern,
    ).toBeTruthy();
  });

  it('never returns or logs a password', async () => {
    expect(passwordsSent.size).toBeGreaterThan(10);
    const all = bodies.join('\n');
    for (const password of passwordsSent) expect(all.includes(password), password).toBe(false);

    // The log file is written by a worker thread: wait until this run's request lines are in.
    const log = await until('the request lines logged', () => {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      return text.includes('/app/v1_0/user/password') && text;
    });
    expect(log).toContain('/app/v1_0/accounts');
    for (const password of passwordsSent) expect(log.includes(password), password).toBe(false);
  });
});
