import { sendInJob } from '../../platform/sms/index.js';
import { defineModule } from '../module.js';
import { authRoutes } from './auth.routes.js';
import { createAuthService, type AuthService } from './auth.service.js';
import { passwordRoutes } from './password.routes.js';
import { createPasswordService, type PasswordService } from './password.service.js';
import { createSessionRepository } from './session.repository.js';
import { createSessionService, type SessionService } from './session.service.js';
import {
  CODE_TTL_MS,
  createSmsCodeService,
  SEND_SMS_JOB,
  type SendCodeJob,
  type SmsCodeService,
} from './sms-code.service.js';
import { createTokenService, type TokenService } from './token.service.js';

export interface AuthModule {
  /** Sign-in with SMS code (app and MP), refresh, sign-out. */
  signIn: AuthService;
  sessions: SessionService;
  tokens: TokenService;
  codes: SmsCodeService;
  passwords: PasswordService;
}

declare module '../module.js' {
  interface ModuleServices {
    auth: AuthModule;
  }
}

export const authModule = defineModule({
  name: 'auth',
  needs: ['users'],
  create({ platform, users }) {
    const { config, kv, ids, clock, logger, jobs, db } = platform;
    const tokens = createTokenService({
      secret: config.jwtSecret,
      accessTtlSeconds: config.auth.accessTtlSeconds,
      refreshTtlSeconds: config.auth.refreshTtlSeconds,
      clock,
    });
    const sessions = createSessionService({
      config: config.auth,
      tokens,
      sessions: createSessionRepository(db),
      users: users.accounts,
      kv,
      ids,
      clock,
      logger,
    });
    const codes = createSmsCodeService({ kv, jobs, demoCode: config.auth.demoSmsCode });
    return {
      signIn: createAuthService({ users: users.accounts, sessions, codes, ids, clock }),
      sessions,
      tokens,
      codes,
      passwords: createPasswordService({ users: users.accounts, sessions, codes, kv, ids, clock }),
    };
  },
  routes(app, auth, { present }) {
    authRoutes(app, auth.signIn, present);
    passwordRoutes(app, auth.passwords);
  },
  jobs(auth, { platform }) {
    const log = platform.logger.child({ job: SEND_SMS_JOB });
    platform.jobs.register<SendCodeJob>(SEND_SMS_JOB, async ({ mobile }) => {
      // Read the code now: if it was used or replaced meanwhile there is nothing (or something newer) to send.
      const code = await auth.codes.pending(mobile);
      if (code === null) return;
      await sendInJob(
        platform.sms,
        { mobile, template: 'verification-code', params: { code, minutes: CODE_TTL_MS / 60_000 } },
        log,
      );
    });
  },
});
