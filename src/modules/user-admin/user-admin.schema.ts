import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput } from '../../platform/http/ids.js';
import { REASON_MAX } from './user-admin.service.js';

export const ActionBody = Type.Object({
  action: Type.Union([Type.Literal('ban'), Type.Literal('unban'), Type.Literal('verify'), Type.Literal('unverify')]),
  reason: Type.Optional(
    Type.String({ maxLength: 1000, description: `required to ban and to unverify; at most ${REASON_MAX} characters` }),
  ),
});

const Account = {
  id: IdOutput,
  name: Type.String(),
  role: Type.String({ description: 'user | moderator | admin' }),
  status: Type.Integer({ description: '1 active, 0 banned' }),
  verified: Type.Boolean({ description: 'real-name verified: may use the media platform' }),
};

const HistoryItem = Type.Object({
  id: IdOutput,
  moderator_id: IdOutput,
  moderator_name: Type.Union([Type.String(), Type.Null()]),
  action: Type.String({ description: 'ban | unban | verify | unverify' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss' }),
});

export const AccountResponse = okSchema(
  Type.Object({
    ...Account,
    created_at: Type.String(),
    actions: Type.Array(HistoryItem, { description: 'newest first, at most 50' }),
  }),
);

export const ActionResponse = okSchema(
  Type.Object({
    id: IdOutput,
    user_id: IdOutput,
    action: Type.String(),
    reason: Type.Union([Type.String(), Type.Null()]),
    user: Type.Object(Account),
    revoked_sessions: Type.Integer({ description: 'sessions ended by this action (signed out on every device)' }),
    created_at: Type.String(),
  }),
);

export const RoleBody = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]),
});

export const RoleResponse = okSchema(Type.Object(Account));
