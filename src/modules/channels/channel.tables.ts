/**
 * Channels and each reader's channel list (migrations 0001-foundation, 0003-community).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Counter, Flag, Pair } from '../../platform/db/schema.js';

export interface ChannelsTable {
  id: bigint;
  name: string;
  sequence: Counter;
  is_visible: Flag;
  is_default: Flag;
  created_at: number;
  updated_at: number;
}

export type UserChannelsTable = Pair<'user_id', 'channel_id'> & { sequence: number; updated_at: number };

declare module '../../platform/db/schema.js' {
  interface Database {
    channels: ChannelsTable;
    user_channels: UserChannelsTable;
  }
}

export type ChannelRow = Selectable<ChannelsTable>;
export type NewChannel = Insertable<ChannelsTable>;
