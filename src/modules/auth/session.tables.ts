/**
 * Sign-in sessions, one per refresh-token family (migration 0002-accounts).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { ColumnType, Selectable } from 'kysely';
import type { Flag } from '../../platform/db/schema.js';

export interface SessionsTable {
  id: bigint;
  user_id: bigint;
  /** 'app' or 'mp': which sign-in created it. */
  client: string;
  verified: Flag;
  /** 1 when the client asked for refresh-token rotation with reuse detection. */
  rotation: Flag;
  refresh_jti: string;
  previous_jti: ColumnType<string | null, string | null | undefined, string | null>;
  previous_valid_until: ColumnType<number | null, number | null | undefined, number | null>;
  /** ios | android | web | other, from the User-Agent at sign-in (follower device statistics). */
  platform: ColumnType<string, string | undefined, string>;
  user_agent: ColumnType<string, string | undefined, string>;
  ip: ColumnType<string, string | undefined, string>;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: ColumnType<number | null, number | null | undefined, number | null>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    sessions: SessionsTable;
  }
}

export type SessionRow = Selectable<SessionsTable>;
