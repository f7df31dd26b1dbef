/**
 * The accounts table (migrations 0001-foundation, 0002-accounts).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { Counter, Flag } from '../../platform/db/schema.js';

export interface UsersTable {
  id: bigint;
  mobile: string;
  name: string;
  photo: string | null;
  intro: ColumnType<string, string | undefined, string>;
  certi: ColumnType<string, string | undefined, string>;
  gender: Flag;
  birthday: string | null;
  is_media: Flag;
  verified: Flag;
  /** 1 active, 0 disabled. */
  status: ColumnType<number, number | undefined, number>;
  role: ColumnType<
    'user' | 'moderator' | 'admin',
    'user' | 'moderator' | 'admin' | undefined,
    'user' | 'moderator' | 'admin'
  >;
  username: string | null;
  email: string | null;
  password_hash: string | null;
  real_name: ColumnType<string | null, string | null | undefined, string | null>;
  id_number: ColumnType<string | null, string | null | undefined, string | null>;
  id_card_front: ColumnType<string | null, string | null | undefined, string | null>;
  id_card_back: ColumnType<string | null, string | null | undefined, string | null>;
  id_card_handheld: ColumnType<string | null, string | null | undefined, string | null>;
  art_count: Counter;
  follow_count: Counter;
  fans_count: Counter;
  like_count: Counter;
  read_count: Counter;
  created_at: number;
  updated_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    users: UsersTable;
  }
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
