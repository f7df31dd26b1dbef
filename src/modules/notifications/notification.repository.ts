/**
 * Stored notifications (table from migration 0006-realtime) and the few reads the notifier needs
 * to describe an actor and an article.
 */
import type { Insertable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { onConflictUpdateFromRow } from '../../platform/db/dialect.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import type { NotificationsTable } from './notification.tables.js';

import type { NotificationType } from './notification.types.js';

export type { NotificationType };

export interface NotificationListRow {
  id: bigint;
  type: NotificationType;
  actor_id: bigint;
  actor_name: string | null;
  actor_photo: string | null;
  article_id: bigint | null;
  article_title: string | null;
  is_read: number;
  created_at: number;
}

export interface Actor {
  id: bigint;
  name: string;
  photo: string | null;
}

export function createNotificationRepository(db: Db) {
  const mine = (userId: bigint) => db.selectFrom('notifications as n').where('n.user_id', '=', userId);

  return {
    /**
     * Inserts each row, or refreshes the row of the same fact (unread again, newest again), in one
     * statement. Each (user_id, dedupe_key) at most once.
     */
    async upsertMany(rows: Insertable<NotificationsTable>[]): Promise<void> {
      if (rows.length === 0) return;
      const values = rows.map((row) => ({
        ...row,
        article_id: row.article_id ?? null,
        comment_id: row.comment_id ?? null,
        is_read: 0,
      }));
      await onConflictUpdateFromRow(
        db,
        db.insertInto('notifications').values(values),
        ['user_id', 'dedupe_key'],
        ['actor_id', 'article_id', 'comment_id', 'is_read', 'created_at'],
      ).execute();
    },

    async list(userId: bigint, offset: number, limit: number): Promise<NotificationListRow[]> {
      const rows = await mine(userId)
        .leftJoin('users as u', 'u.id', 'n.actor_id')
        .leftJoin('articles as a', 'a.id', 'n.article_id')
        .select([
          'n.id',
          'n.type',
          'n.actor_id',
          'u.name as actor_name',
          'u.photo as actor_photo',
          'n.article_id',
          'a.title as article_title',
          'n.is_read',
          'n.created_at',
        ])
        .orderBy('n.created_at', 'desc')
        .orderBy('n.id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows as NotificationListRow[];
    },

    async counts(userId: bigint): Promise<{ total: number; unread: number }> {
      const row = await mine(userId)
        .select((eb) => [eb.fn.countAll().as('total'), eb.fn.sum<number | string | null>('n.is_read').as('read')])
        .executeTakeFirstOrThrow();
      const total = Number(row.total);
      return { total, unread: total - Number(row.read ?? 0) };
    },

    async unread(userId: bigint): Promise<number> {
      const row = await mine(userId)
        .where('n.is_read', '=', 0)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Marks the user's unread notifications (all, or those of `ids`) read; returns how many changed. */
    async markRead(userId: bigint, ids?: bigint[]): Promise<number> {
      if (ids && ids.length === 0) return 0;
      let query = db
        .updateTable('notifications')
        .set({ is_read: 1 })
        .where('user_id', '=', userId)
        .where('is_read', '=', 0);
      if (ids) query = query.where('id', 'in', ids);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async actor(id: bigint): Promise<Actor | undefined> {
      return db.selectFrom('users').select(['id', 'name', 'photo']).where('id', '=', id).executeTakeFirst();
    },

    async actors(ids: bigint[]): Promise<Actor[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('users').select(['id', 'name', 'photo']).where('id', 'in', ids).execute();
    },

    async articleTitles(ids: bigint[]): Promise<{ id: bigint; title: string }[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('articles').select(['id', 'title']).where('id', 'in', ids).execute();
    },

    /**
     * Which of `userIds` blacklisted which of `actorIds` (their actions are not announced to them):
     * every such pair among the two lists, so callers keep the pairs they asked about.
     */
    async blockedPairs(userIds: bigint[], actorIds: bigint[]): Promise<{ user_id: bigint; target_user_id: bigint }[]> {
      if (userIds.length === 0 || actorIds.length === 0) return [];
      return db
        .selectFrom('blacklists')
        .select(['user_id', 'target_user_id'])
        .where('user_id', 'in', userIds)
        .where('target_user_id', 'in', actorIds)
        .execute();
    },

    /** Any visible article, newest first (the A08 test events need one to describe). */
    async someArticle(authorId?: bigint): Promise<{ id: bigint; title: string } | undefined> {
      let query = db
        .selectFrom('articles')
        .select(['id', 'title'])
        .where('status', '=', ArticleStatus.approved)
        .where('deleted_at', 'is', null);
      if (authorId !== undefined) query = query.where('user_id', '=', authorId);
      return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
    },
  };
}

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
