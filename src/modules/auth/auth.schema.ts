import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';

/** Mainland mobile numbers (contract A29). */
export const MOBILE_PATTERN = '^1[3-9][0-9]{9}$';
export const MOBILE = new RegExp(MOBILE_PATTERN);

export const MobileParams = Type.Object({
  mobile: Type.String({ description: 'mobile number, ^1[3-9]\\d{9}$ (404 otherwise)' }),
});

export const SmsSentResponse = okSchema(Type.Object({ mobile: Type.String() }));

export const SignInBody = Type.Object({
  mobile: Type.String({ pattern: MOBILE_PATTERN }),
  code: Type.String({ pattern: '^[0-9]{6}$' }),
  rotate_refresh_token: Type.Optional(
    Type.Boolean({
      description: 'Inkstone extension: rotate the refresh token on every refresh, with reuse detection',
    }),
  ),
});

export const TokenPairResponse = okSchema(Type.Object({ token: Type.String(), refresh_token: Type.String() }));

export const MpSignInResponse = okSchema(
  Type.Object({
    token: Type.String(),
    refresh_token: Type.String(),
    id: IdOutput,
    name: Type.String(),
    photo: Type.String(),
  }),
);

export const RefreshResponse = okSchema(
  Type.Object({
    token: Type.String(),
    refresh_token: Type.Optional(Type.String({ description: 'only in rotation mode: the refresh token to use next' })),
  }),
);

export const SessionListResponse = okSchema(
  Type.Object({
    sessions: Type.Array(
      Type.Object({
        id: IdOutput,
        client: Type.String({ description: 'app or mp' }),
        platform: Type.String({ description: 'ios, android, web or other' }),
        user_agent: Type.String(),
        ip: Type.String(),
        created_at: Type.String(),
        last_used_at: Type.String(),
        current: Type.Boolean({ description: 'the session of the token making this request' }),
      }),
    ),
  }),
);

export const SessionParams = Type.Object({ session_id: IdPath });
