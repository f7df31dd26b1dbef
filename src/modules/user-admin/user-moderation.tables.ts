/**
 * Table added by account moderation (migration 0011-user-moderation): every ban, unban, verify and
 * un-verify of a user, with who did it, when and why. Declared by augmenting `Database`, so
 * ../schema.ts stays untouched.
 */
export type UserModerationAction = 'ban' | 'unban' | 'verify' | 'unverify';

export interface UserModerationActionsTable {
  id: bigint;
  user_id: bigint;
  moderator_id: bigint;
  action: UserModerationAction;
  reason: string | null;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    user_moderation_actions: UserModerationActionsTable;
  }
}
