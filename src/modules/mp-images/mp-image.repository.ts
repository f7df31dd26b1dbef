/**
 * The image library rows (table user_images, migration 0008). A row is live while deleted_at is
 * null; soft-deleted rows stay so that the same content uploaded again finds (and restores) them.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { UserImagesTable } from './mp-image.tables.js';

export type LibraryImageRow = Selectable<UserImagesTable>;

export interface NewLibraryImage {
  id: bigint;
  userId: bigint;
  imageKey: string;
  thumbnailKey: string;
  contentSha256: string;
  uploadSha256: string;
  at: number;
}

export interface LibraryWindow {
  collectedOnly: boolean;
  offset: number;
  limit: number;
}

export function createImageLibraryRepository(db: Db) {
  const live = (userId: bigint, collectedOnly = false) => {
    let query = db.selectFrom('user_images').where('user_id', '=', userId).where('deleted_at', 'is', null);
    if (collectedOnly) query = query.where('is_collected', '=', 1);
    return query;
  };

  return {
    /** One of the user's rows (live or deleted); another user's id finds nothing. */
    async findOwn(userId: bigint, id: bigint): Promise<LibraryImageRow | undefined> {
      return db
        .selectFrom('user_images')
        .selectAll()
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
    },

    /** The user's row for these uploaded bytes, newest first if several uploads re-encoded alike. */
    async findByUpload(userId: bigint, uploadSha256: string): Promise<LibraryImageRow | undefined> {
      return db
        .selectFrom('user_images')
        .selectAll()
        .where('user_id', '=', userId)
        .where('upload_sha256', '=', uploadSha256)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** The user's row for this stored content (at most one: unique per user). */
    async findByContent(userId: bigint, contentSha256: string): Promise<LibraryImageRow | undefined> {
      return db
        .selectFrom('user_images')
        .selectAll()
        .where('user_id', '=', userId)
        .where('content_sha256', '=', contentSha256)
        .executeTakeFirst();
    },

    /** Throws a unique violation when the user already has this content (a concurrent upload won). */
    async insert(image: NewLibraryImage): Promise<void> {
      await db
        .insertInto('user_images')
        .values({
          id: image.id,
          user_id: image.userId,
          image_key: image.imageKey,
          thumbnail_key: image.thumbnailKey,
          content_sha256: image.contentSha256,
          upload_sha256: image.uploadSha256,
          is_collected: 0,
          created_at: image.at,
          updated_at: image.at,
          deleted_at: null,
        })
        .execute();
    },

    /** Brings a soft-deleted row back as a fresh, uncollected upload; no-op on a live row. */
    async restore(id: bigint, at: number): Promise<void> {
      await db
        .updateTable('user_images')
        .set({ deleted_at: null, is_collected: 0, created_at: at, updated_at: at })
        .where('id', '=', id)
        .where('deleted_at', 'is not', null)
        .execute();
    },

    async setCollected(id: bigint, collected: boolean, at: number): Promise<void> {
      await db
        .updateTable('user_images')
        .set({ is_collected: collected ? 1 : 0, updated_at: at })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .execute();
    },

    /** Soft delete; also un-collects (contract M20). */
    async softDelete(id: bigint, at: number): Promise<void> {
      await db
        .updateTable('user_images')
        .set({ deleted_at: at, is_collected: 0, updated_at: at })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .execute();
    },

    async count(userId: bigint, collectedOnly: boolean): Promise<number> {
      const row = await live(userId, collectedOnly)
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    /** One page of live images: collected first, then newest. */
    async page(userId: bigint, window: LibraryWindow): Promise<LibraryImageRow[]> {
      return live(userId, window.collectedOnly)
        .selectAll()
        .orderBy('is_collected', 'desc')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(window.limit)
        .offset(window.offset)
        .execute();
    },
  };
}

export type ImageLibraryRepository = ReturnType<typeof createImageLibraryRepository>;
