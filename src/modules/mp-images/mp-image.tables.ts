/**
 * Tables added by the media platform's image library and statistics (migration 0008-media-assets).
 * Kept in their own file so each feature's schema changes stay in one place; `Database` in
 * ../schema.ts extends this. The statistics read existing tables (article_reads, follows, users,
 * sessions, comments); the migration only adds an index for them.
 */
import type { ColumnType } from 'kysely';

/**
 * An author's image library (M17–M20). One row per user and image content: uploading the same
 * picture again returns the row that exists. The bytes live in object storage under
 * content-addressed keys, so an image stored by several users (or also used as a cover) is kept
 * once; a row only refers to it.
 */
export interface UserImagesTable {
  id: bigint;
  user_id: bigint;
  /** Storage key of the re-encoded image (`library/<sha[0..2]>/<sha>.<ext>`). */
  image_key: string;
  /** Storage key of the list thumbnail; equal to image_key when the image is already that small. */
  thumbnail_key: string;
  /** Hex SHA-256 of the stored (re-encoded) bytes; unique per user. */
  content_sha256: string;
  /** Hex SHA-256 of the bytes as uploaded, so an identical re-upload skips decoding. */
  upload_sha256: string;
  is_collected: ColumnType<number, number | undefined, number>;
  /** When it (last) entered the library: the upload, or the re-upload that restored a deleted entry. */
  created_at: number;
  updated_at: number;
  /** Soft delete (M20); null while in the library. */
  deleted_at: ColumnType<number | null, number | null | undefined, number | null>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    user_images: UserImagesTable;
  }
}
