/**
 * Tables added by the realtime feature (migration 0006-realtime). Kept in their own file so each
 * feature's schema changes stay in one place; `Database` in ../schema.ts extends this.
 */
import type { ColumnType } from 'kysely';

/**
 * What a signed-in user was told over Socket.IO (follows, likes, comments on their articles), kept
 * so that a user who was offline can list what they missed. Actor names, photos and article titles
 * are read at listing time, so a renamed actor shows their current name.
 */
export interface NotificationsTable {
  id: bigint;
  /** The recipient. */
  user_id: bigint;
  /** 'follow' | 'like' | 'comment'. */
  type: string;
  actor_id: bigint;
  /** The liked or commented article; null for follows. */
  article_id: bigint | null;
  /** The comment, for comment notifications. */
  comment_id: bigint | null;
  /**
   * One row per repeatable fact (`follow:<actor>`, `like:<actor>:<article>`, `comment:<comment>`):
   * following, unfollowing and following again refreshes the row instead of piling up copies.
   */
  dedupe_key: string;
  is_read: ColumnType<number, number | undefined, number>;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    notifications: NotificationsTable;
  }
}
