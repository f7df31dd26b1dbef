/**
 * Table types for Kysely. Conventions that the dialect layer enforces on every result row:
 * columns named `id` or `*_id` are ids and arrive as bigint; every other integer arrives as a
 * JS number; times are integer milliseconds since the Unix epoch; flags are 0/1 integers (the one
 * boolean representation all three databases share).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ClusterTables } from './tables/cluster.js';
import type { MediaAssetTables } from './tables/media-assets.js';
import type { MediaPlatformTables } from './tables/media-platform.js';
import type { PaymentTables } from './tables/payments.js';
import type { RealtimeTables } from './tables/realtime.js';
import type { SearchTables } from './tables/search.js';

/** Counter columns: default 0 in the database, so optional on insert. */
type Counter = ColumnType<number, number | undefined, number>;
type Flag = ColumnType<number, number | undefined, number>;

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

export interface ChannelsTable {
  id: bigint;
  name: string;
  sequence: Counter;
  is_visible: Flag;
  is_default: Flag;
  created_at: number;
  updated_at: number;
}

/** Contract §4.3: 0 draft, 1 pending review, 2 approved (the only status the app shows), 3 rejected, 4 deleted; 5 banned is never returned to MP. */
export const ArticleStatus = {
  draft: 0,
  pending: 1,
  approved: 2,
  rejected: 3,
  deleted: 4,
  banned: 5,
} as const;

export interface ArticlesTable {
  id: bigint;
  user_id: bigint;
  channel_id: bigint;
  title: string;
  /** 0, 1 or 3 (contract §1.9); -1 (auto) is resolved before storing. */
  cover_type: number;
  /** JSON array of storage keys or absolute URLs, exactly cover_type long. */
  cover_images: string;
  status: number;
  is_top: Flag;
  allow_comment: ColumnType<number, number | undefined, number>;
  reject_reason: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
  deleted_at: number | null;
  read_count: Counter;
  like_count: Counter;
  dislike_count: Counter;
  comment_count: Counter;
  collect_count: Counter;
  share_count: Counter;
}

export interface ArticleContentsTable {
  article_id: bigint;
  content: string;
}

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

/** Rows that link two ids (who follows whom, who collected what…). */
type Pair<L extends string, R extends string> = { created_at: number } & { [K in L | R]: bigint };

export type FollowsTable = Pair<'user_id', 'target_user_id'>;
export type BlacklistsTable = Pair<'user_id', 'target_user_id'>;
export type CollectionsTable = Pair<'user_id', 'article_id'>;
export type CommentLikesTable = Pair<'user_id', 'comment_id'>;
export type AttitudesTable = Pair<'user_id', 'article_id'> & {
  /** 1 like, 0 dislike. */
  attitude: number;
  updated_at: number;
};
export type ReportsTable = Pair<'user_id', 'article_id'> & {
  type: number;
  remark: ColumnType<string, string | undefined, string>;
};
export type UserChannelsTable = Pair<'user_id', 'channel_id'> & { sequence: number; updated_at: number };
export type ReadingHistoryTable = Pair<'user_id', 'article_id'> & { read_at: number };

export interface CommentsTable {
  id: bigint;
  article_id: bigint;
  user_id: bigint;
  /** null: a comment on the article; else the top-level comment this replies to. */
  parent_id: bigint | null;
  content: string;
  like_count: Counter;
  reply_count: Counter;
  is_top: Flag;
  /** 1 visible, 0 deleted. */
  status: ColumnType<number, number | undefined, number>;
  created_at: number;
}

export interface ArticleReadsTable {
  id: bigint;
  article_id: bigint;
  user_id: bigint | null;
  /** recommend | channel | relation | search | other */
  source: ColumnType<string, string | undefined, string>;
  duration_seconds: Counter;
  created_at: number;
}

export interface AnnouncementsTable {
  id: bigint;
  title: string;
  content: string;
  published_at: number;
  created_at: number;
}

export interface Database
  extends ClusterTables, MediaPlatformTables, MediaAssetTables, SearchTables, RealtimeTables, PaymentTables {
  users: UsersTable;
  channels: ChannelsTable;
  articles: ArticlesTable;
  article_contents: ArticleContentsTable;
  sessions: SessionsTable;
  follows: FollowsTable;
  blacklists: BlacklistsTable;
  attitudes: AttitudesTable;
  collections: CollectionsTable;
  reports: ReportsTable;
  comments: CommentsTable;
  comment_likes: CommentLikesTable;
  user_channels: UserChannelsTable;
  reading_history: ReadingHistoryTable;
  article_reads: ArticleReadsTable;
  announcements: AnnouncementsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ChannelRow = Selectable<ChannelsTable>;
export type NewChannel = Insertable<ChannelsTable>;
export type ArticleRow = Selectable<ArticlesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type NewArticle = Insertable<ArticlesTable>;

// Generated is re-exported for later tables with database-generated keys.
export type { Generated };
