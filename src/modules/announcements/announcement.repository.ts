import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore } from '../../platform/db/dialect.js';

export interface AnnouncementSummaryRow {
  id: bigint;
  title: string;
  published_at: number;
}

export interface AnnouncementRow extends AnnouncementSummaryRow {
  content: string;
}

export interface NewAnnouncement extends AnnouncementRow {
  created_at: number;
}

export function createAnnouncementRepository(db: Db) {
  return {
    /** Newest first; equal times by id, descending, so pages never overlap (A02). */
    page(offset: number, limit: number): Promise<AnnouncementSummaryRow[]> {
      return db
        .selectFrom('announcements')
        .select(['id', 'title', 'published_at'])
        .orderBy('published_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom('announcements')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    findById(id: bigint): Promise<AnnouncementRow | undefined> {
      return db
        .selectFrom('announcements')
        .select(['id', 'title', 'content', 'published_at'])
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async insert(row: NewAnnouncement): Promise<void> {
      await db.insertInto('announcements').values(row).execute();
    },

    /** Inserts the rows whose id is not taken yet; returns how many were new. */
    async insertMissing(rows: NewAnnouncement[]): Promise<number> {
      let inserted = 0;
      for (const row of rows) {
        const result = await onConflictIgnore(db, db.insertInto('announcements').values(row), [
          'id',
        ]).executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0n) > 0 ? 1 : 0;
      }
      return inserted;
    },
  };
}

export type AnnouncementRepository = ReturnType<typeof createAnnouncementRepository>;
