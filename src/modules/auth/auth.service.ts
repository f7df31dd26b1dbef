/**
 * Sign-in by mobile and SMS code for the app (registering on first sign-in, A19) and for the
 * media platform (existing verified users only, M04), refresh and sign-out.
 */
import type { IdGenerators } from '../../platform/ids.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import type { UserRow } from '../users/user.tables.js';
import { AppError, badRequest } from '../../platform/http/errors.js';
import type { Clock } from '../../platform/clock.js';
import { UserStatus, type UserAccounts } from '../users/user.accounts.js';
import { defaultDisplayName } from '../users/user.rules.js';
import type { Client, DeviceInfo, SessionService, TokenPair } from './session.service.js';
import type { SmsCodeService } from './sms-code.service.js';

export interface AuthServiceDeps {
  users: UserAccounts;
  sessions: SessionService;
  codes: SmsCodeService;
  ids: IdGenerators;
  clock: Clock;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { users, sessions, codes } = deps;

  async function proveCode(mobile: string, code: string): Promise<void> {
    if (!(await codes.consume(mobile, code))) throw badRequest('Invalid code.', 'invalid_sms_code');
  }

  /** The user with this mobile, created on first sign-in (a masked default name, default photo). */
  async function findOrRegister(mobile: string): Promise<UserRow> {
    const existing = await users.findByMobile(mobile);
    if (existing) return existing;
    const now = deps.clock.now();
    try {
      await users.insertNamed({ id: deps.ids.user(), mobile, created_at: now, updated_at: now }, (attempt) =>
        defaultDisplayName(mobile, attempt),
      );
    } catch (error) {
      // Two first sign-ins racing: the other one created the user.
      if (!isUniqueViolation(error)) throw error;
    }
    const created = await users.findByMobile(mobile);
    if (!created) throw new Error(`user ${mobile} vanished after registration`);
    return created;
  }

  function assertActive(user: UserRow): void {
    if (user.status !== UserStatus.active) throw new AppError('account_disabled', 'Invalid user.');
  }

  return {
    sendCode: (mobile: string) => codes.issue(mobile),

    async signInApp(
      mobile: string,
      code: string,
      device: DeviceInfo,
      rotate: boolean,
      client: Client = 'app',
    ): Promise<TokenPair> {
      await proveCode(mobile, code);
      const user = await findOrRegister(mobile);
      assertActive(user);
      return sessions.open(user.id, client, false, device, rotate);
    },

    async signInMp(
      mobile: string,
      code: string,
      device: DeviceInfo,
      rotate: boolean,
    ): Promise<{ user: UserRow; pair: TokenPair }> {
      await proveCode(mobile, code);
      const user = await users.findByMobile(mobile);
      if (!user || user.verified !== 1)
        throw new AppError('verification_required', 'Please verify your real information in app.');
      assertActive(user);
      return { user, pair: await sessions.open(user.id, 'mp', true, device, rotate) };
    },

    refresh: sessions.refresh,
    signOut: sessions.signOut,
    sessions: sessions.list,
    revokeSession: sessions.revoke,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
