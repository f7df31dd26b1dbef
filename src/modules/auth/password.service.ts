/**
 * Password accounts beside SMS sign-in: register (bound to a mobile proven by an SMS code), sign
 * in with username or email, change the password. Hashes are argon2id (OWASP minimum parameters);
 * a hash made with other parameters is upgraded at the next successful sign-in.
 *
 * Brute force: failed attempts are counted per account (the user id; for an unknown login, the
 * lower-cased login itself) in a sliding window, `5/15minutes;20/day`. Each attempt takes a unit
 * of that budget atomically BEFORE its password is verified, so a locked account answers 429 even
 * to the right password, and a burst of parallel guesses cannot all be verified against one
 * remaining unit (a check-then-count would let N concurrent guesses through). A right password
 * then resets the account's count: only failures add up, and the owner's own typos do not linger.
 * (The price: an owner signing in clears an attacker's count too; the attacker still gets at most
 * 5 guesses per 15 minutes, and the per-IP limit on top.) Keying by user id means the username and
 * the email share one budget, and wrong old passwords on a password change count towards it too.
 *
 * No enumeration: an unknown login and a wrong password give the same 400, after the same work
 * (an unknown user is verified against a dummy hash), and a disabled account is only revealed
 * (403) after the right password. Passwords never leave this file except into argon2.
 */
import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';
import type { Clock } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import type { UserRow } from '../users/user.tables.js';
import { AppError, badRequest, conflict, invalidField } from '../../platform/http/errors.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import { assertAllowed, parseRule, RateLimiter } from '../../platform/rate-limit/index.js';
import { UserStatus, type UserAccounts } from '../users/user.accounts.js';
import { defaultDisplayName } from '../users/user.rules.js';
import type { Client, DeviceInfo, SessionService, TokenPair } from './session.service.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.schema.js';
import { constantTimeEqual, type SmsCodeService } from './sms-code.service.js';

/**
 * argon2id, m=19 MiB, t=2, p=1 (OWASP's minimum). `Algorithm` is an ambient const enum, which
 * isolatedModules cannot read, so its value (Argon2id = 2) is spelled out.
 */
export const ARGON2_OPTIONS: Options = {
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

/** Failed password attempts allowed per account. */
export const FAILURE_RULE = '5/15minutes;20/day';
const FAILURE_SCOPE = 'password-fail';

const INVALID_LOGIN = 'Invalid username or password.';

/**
 * A few of the most used passwords of at least 8 characters (shorter ones fail the length rule),
 * from public breach lists, Chinese sites' included. Not a breach check, just the obvious ones.
 */
const COMMON_PASSWORDS = new Set([
  '00000000',
  '11111111',
  '11223344',
  '12121212',
  '12341234',
  '12344321',
  '12345678',
  '123456789',
  '1234567890',
  '123123123',
  '123321123',
  '123456123',
  '1234qwer',
  '147258369',
  '1q2w3e4r',
  '1q2w3e4r5t',
  '1qaz2wsx',
  '5201314520',
  '66666666',
  '87654321',
  '88888888',
  '987654321',
  '99999999',
  'a1234567',
  'a12345678',
  'a123456789',
  'aa123456',
  'aaaaaaaa',
  'abc12345',
  'abc123456',
  'abcd1234',
  'abcdefgh',
  'admin123',
  'asdfghjk',
  'asdfghjkl',
  'baseball',
  'dragon123',
  'football',
  'iloveyou',
  'iloveyou1',
  'letmein1',
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'princess',
  'q1w2e3r4',
  'qazwsxedc',
  'qq123456',
  'qwe12345',
  'qwe123456',
  'qwer1234',
  'qwerty12',
  'qwerty123',
  'qwertyui',
  'qwertyuiop',
  'sunshine',
  'superman',
  'trustno1',
  'welcome1',
  'woaini1314',
  'woaini520',
  'zxcvbnm1',
  'zxcvbnm123',
  'zxcvbnmm',
]);

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  password_confirm: string;
  mobile: string;
  code: string;
}

export interface ChangePasswordInput {
  old_password?: string | undefined;
  new_password: string;
  new_password_confirm: string;
}

export interface PasswordServiceDeps {
  users: UserAccounts;
  sessions: SessionService;
  codes: SmsCodeService;
  kv: KeyValueStore;
  ids: IdGenerators;
  clock: Clock;
}

/** A hash made with other parameters (or another algorithm) than ARGON2_OPTIONS. */
function outdated(stored: string): boolean {
  try {
    const p = parseOptions(stored);
    return (
      p.algorithm !== ARGON2_OPTIONS.algorithm ||
      p.memoryCost !== ARGON2_OPTIONS.memoryCost ||
      p.timeCost !== ARGON2_OPTIONS.timeCost ||
      p.parallelism !== ARGON2_OPTIONS.parallelism
    );
  } catch {
    return true;
  }
}

/** argon2 verification (constant-time inside); a malformed stored hash is simply a mismatch. */
async function matches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** The rules of a new password beyond its length (checked by the schema); `field` names it in the 400. */
function checkNewPassword(
  field: string,
  password: string,
  confirm: string,
  confirmField: string,
  username: string | null,
): void {
  // Counted in code points, as the schema's minLength/maxLength are.
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX)
    throw invalidField(field, `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  if (password.trim() === '') throw invalidField(field, 'must not be only whitespace');
  if (username !== null && password.toLowerCase() === username.toLowerCase())
    throw invalidField(field, 'must differ from the username');
  if (COMMON_PASSWORDS.has(password.toLowerCase())) throw invalidField(field, 'is too common');
  if (!constantTimeEqual(password, confirm)) throw invalidField(confirmField, 'does not match');
}

export function createPasswordService(deps: PasswordServiceDeps) {
  const { users, sessions, codes, clock } = deps;
  const limiter = new RateLimiter(deps.kv, { now: () => clock.now() });
  const failureWindows = parseRule(FAILURE_RULE);

  // Verified against when the account is unknown or has no password, so both take as long as a
  // real check. The password is random and thrown away: nothing can ever match.
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hash(randomBytes(32).toString('base64'), ARGON2_OPTIONS));

  const hashPassword = (password: string) => hash(password, ARGON2_OPTIONS);

  const accountKey = (user: UserRow | undefined, login: string) => (user ? `user:${user.id}` : `login:${login}`);

  /**
   * Counts this attempt as a failure until it proves otherwise; 429 (with Retry-After, counting
   * nothing) when the account has no attempts left.
   */
  async function reserveAttempt(key: string): Promise<void> {
    assertAllowed(await limiter.hit(FAILURE_SCOPE, key, failureWindows));
  }

  /** The password was right: the account's failures (this attempt's reservation included) are forgotten. */
  function forgetFailures(key: string): Promise<void> {
    return limiter.reset(FAILURE_SCOPE, key, failureWindows);
  }

  function assertActive(user: UserRow): void {
    if (user.status !== UserStatus.active) throw new AppError('account_disabled', 'Invalid user.');
  }

  /**
   * A hash with old parameters is replaced while the password is at hand. Best effort: a failure
   * here must not fail the sign-in, and the next sign-in tries again.
   */
  async function upgradeHash(user: UserRow, stored: string, password: string): Promise<void> {
    if (!outdated(stored)) return;
    try {
      await users.setCredentials(user.id, stored, {
        password_hash: await hashPassword(password),
        updated_at: clock.now(),
      });
    } catch {
      // Left as it was.
    }
  }

  /** 409 for whichever of username and email belongs to a user other than `self`. */
  async function assertAvailable(username: string, email: string, self?: bigint): Promise<void> {
    const byUsername = await users.findByLogin(username);
    if (byUsername && byUsername.id !== self) throw conflict('Username has existed.');
    const byEmail = await users.findByLogin(email);
    if (byEmail && byEmail.id !== self) throw conflict('Email has existed.');
  }

  /**
   * Writes the account and returns the user. A unique violation means a concurrent request took the
   * username, the email or the mobile in between: the re-check names which, and a mobile taken by a
   * concurrent SMS sign-in is bound on the next round.
   */
  async function createOrBind(mobile: string, username: string, email: string, password: string): Promise<UserRow> {
    let passwordHash: string | undefined;
    for (let round = 0; round < 2; round++) {
      const existing = await users.findByMobile(mobile);
      if (existing && existing.password_hash !== null) throw conflict('Mobile already has an account.');
      if (existing) assertActive(existing);
      await assertAvailable(username, email, existing?.id);
      // Hashed only once the cheap checks passed.
      passwordHash ??= await hashPassword(password);
      const now = clock.now();
      try {
        if (existing) {
          const bound = await users.setCredentials(existing.id, null, {
            username,
            email,
            password_hash: passwordHash,
            updated_at: now,
          });
          if (!bound) throw conflict('Mobile already has an account.');
          return { ...existing, username, email, password_hash: passwordHash };
        }
        const id = deps.ids.user();
        await users.insertNamed(
          { id, mobile, username, email, password_hash: passwordHash, created_at: now, updated_at: now },
          (attempt) => defaultDisplayName(mobile, attempt),
        );
        const created = await users.findById(id);
        if (!created) throw new Error(`user ${id} vanished after registration`);
        return created;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await assertAvailable(username, email, existing?.id);
      }
    }
    throw conflict('Mobile already has an account.');
  }

  return {
    /**
     * Registers a password account for a mobile proven by its SMS code. The code is checked (and
     * used up) before any uniqueness check, so whether a username, email or mobile is taken can
     * only be learnt by someone who received a code; a 409 therefore needs a fresh code.
     */
    async register(input: RegisterInput, device: DeviceInfo, rotate: boolean): Promise<TokenPair> {
      const username = input.username.toLowerCase();
      const email = input.email.toLowerCase();
      checkNewPassword('password', input.password, input.password_confirm, 'password_confirm', username);
      if (!(await codes.consume(input.mobile, input.code))) throw badRequest('Invalid code.', 'invalid_sms_code');
      const user = await createOrBind(input.mobile, username, email, input.password);
      return sessions.open(user.id, 'app', false, device, rotate);
    },

    /** Sign-in with username or email; see the file comment for the limits and timing. */
    async signIn(
      login: string,
      password: string,
      device: DeviceInfo,
      rotate: boolean,
      client: Client = 'app',
    ): Promise<TokenPair> {
      const normalized = login.toLowerCase();
      const user = await users.findByLogin(normalized);
      const key = accountKey(user, normalized);
      await reserveAttempt(key);
      const stored = user?.password_hash ?? null;
      const ok = (await matches(stored ?? (await dummyHash()), password)) && stored !== null;
      if (!ok || !user) throw badRequest(INVALID_LOGIN, 'invalid_credentials');
      await forgetFailures(key);
      assertActive(user);
      await upgradeHash(user, stored!, password);
      return sessions.open(user.id, client, false, device, rotate);
    },

    /**
     * Changes the password of a user who has one (the old one is required and a wrong one counts
     * as a failed attempt), then ends every other session. A user without a password (SMS only)
     * gets one by registering, which also gives them a username and email to sign in with;
     * setting one here would let a stolen access token claim the account's password login.
     */
    async changePassword(userId: bigint, keepSessionId: bigint | undefined, input: ChangePasswordInput): Promise<void> {
      const user = await users.findById(userId);
      if (!user) throw new AppError('unauthorized', 'User must be authorized.');
      const stored = user.password_hash;
      if (stored === null) throw badRequest('No password is set: create one with POST /app/v1_0/accounts.');
      if (input.old_password === undefined) throw invalidField('old_password', 'is required');
      checkNewPassword(
        'new_password',
        input.new_password,
        input.new_password_confirm,
        'new_password_confirm',
        user.username,
      );

      const key = accountKey(user, '');
      await reserveAttempt(key);
      if (!(await matches(stored, input.old_password))) throw invalidField('old_password', 'is incorrect');
      await forgetFailures(key);
      if (constantTimeEqual(input.old_password, input.new_password))
        throw invalidField('new_password', 'must differ from the old password');

      const changed = await users.setCredentials(user.id, stored, {
        password_hash: await hashPassword(input.new_password),
        updated_at: clock.now(),
      });
      if (!changed) throw conflict('The password was changed meanwhile; try again.', 'version_conflict');
      await sessions.revokeOthers(user.id, keepSessionId);
    },
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
