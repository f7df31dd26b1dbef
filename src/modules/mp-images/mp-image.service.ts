/**
 * The media platform's image library (M17–M20): an author's uploaded pictures, used as covers and
 * in article bodies.
 *
 * Rules:
 * - An upload is recognised by its content (magic bytes), decoded and re-encoded (platform/images),
 *   then stored with a list thumbnail under content-addressed keys: the same bytes are stored once,
 *   whoever uploads them.
 * - De-duplication per user: uploading bytes the user uploaded before, or bytes that re-encode to
 *   an image the user already has, returns that entry. An entry the user deleted comes back as a
 *   fresh upload (newest, not collected). Two identical uploads racing end on the same entry (the
 *   unique key decides; the loser reads the winner's row).
 * - Only the owner sees or changes an entry; another user's id is "not found", never "forbidden",
 *   so ids of other people's images cannot be probed.
 * - Delete is soft and keeps the stored objects: articles may show the URL (covers, bodies), and
 *   the same content may belong to other users' libraries.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import { AppError, invalidField, notFound } from '../../platform/http/errors.js';
import type { IdGenerators } from '../../platform/ids.js';
import {
  contentAddressedKey,
  ImageRejectedError,
  reencodeImage,
  type ImageProfile,
  type ProcessedImage,
} from '../../platform/images.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import type { ImageLibraryRepository, LibraryImageRow, LibraryWindow } from './mp-image.repository.js';
import { makeThumbnail } from './mp-image.thumbnail.js';

export const IMAGE_NOT_FOUND = 'Image does not exist.';
export const UPLOAD_FAILED = 'Uploading image failed.';

/** Library images fit in 2000×2000 (article bodies and covers); thumbnails have their own prefix. */
export const LIBRARY_PROFILE: ImageProfile = { prefix: 'library', maxSide: 2000 };
export const THUMBNAIL_PREFIX = 'library-thumbs';

export interface ImageLibraryDeps {
  images: ImageLibraryRepository;
  storage: ObjectStorage;
  ids: IdGenerators;
  clock: Clock;
  logger?: { error(details: object, message: string): void };
}

export interface LibraryPage {
  total: number;
  rows: LibraryImageRow[];
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function createImageLibraryService(deps: ImageLibraryDeps) {
  const { images, storage, ids, clock } = deps;

  /** A live entry of this user, else 404 (unknown, someone else's, or deleted). */
  async function ownLive(userId: bigint, id: bigint): Promise<LibraryImageRow> {
    const row = await images.findOwn(userId, id);
    if (!row || row.deleted_at !== null) throw notFound(IMAGE_NOT_FOUND);
    return row;
  }

  /** The entry as the user sees it now: restored first when it had been deleted. */
  async function reuse(row: LibraryImageRow): Promise<LibraryImageRow> {
    if (row.deleted_at === null) return row;
    const at = clock.now();
    await images.restore(row.id, at);
    return { ...row, deleted_at: null, is_collected: 0, created_at: at, updated_at: at };
  }

  async function reencode(bytes: Buffer): Promise<ProcessedImage> {
    try {
      return await reencodeImage(bytes, LIBRARY_PROFILE);
    } catch (error) {
      if (!(error instanceof ImageRejectedError)) throw error;
      if (error.problem === 'too-large') throw new AppError('payload_too_large', { image: error.message });
      throw invalidField('image', error.message);
    }
  }

  /**
   * Puts each object unless its key already holds it (keys are content addressed, so an existing
   * object has these very bytes). Nothing is deleted on failure: an object stored here may already
   * be shared by another upload that found it in the meantime; an orphan costs only space.
   */
  async function store(objects: { key: string; image: ProcessedImage }[]): Promise<void> {
    try {
      for (const { key, image } of objects) {
        if ((await storage.get(key)) === null) await storage.put(key, image.body, image.contentType);
      }
    } catch (error) {
      deps.logger?.error({ err: error, keys: objects.map((o) => o.key) }, 'storing a library image failed');
      throw new AppError('storage_failed', UPLOAD_FAILED);
    }
  }

  return {
    /** M17: collected first, then newest. */
    async list(userId: bigint, window: LibraryWindow): Promise<LibraryPage> {
      const [total, rows] = await Promise.all([
        images.count(userId, window.collectedOnly),
        images.page(userId, window),
      ]);
      return { total, rows };
    },

    /** M18: the library entry for these bytes, new or existing. */
    async upload(userId: bigint, bytes: Buffer): Promise<LibraryImageRow> {
      const uploadSha256 = sha256(bytes);
      // The very same bytes again: no need to decode them a second time.
      const known = await images.findByUpload(userId, uploadSha256);
      if (known) return reuse(known);

      const image = await reencode(bytes);
      const same = await images.findByContent(userId, image.sha256);
      if (same) return reuse(same);

      const thumbnail = await makeThumbnail(image);
      const imageKey = contentAddressedKey(LIBRARY_PROFILE.prefix, image);
      const thumbnailKey = thumbnail ? contentAddressedKey(THUMBNAIL_PREFIX, thumbnail) : imageKey;
      await store(
        thumbnail
          ? [
              { key: imageKey, image },
              { key: thumbnailKey, image: thumbnail },
            ]
          : [{ key: imageKey, image }],
      );

      const at = clock.now();
      const id = ids.content();
      try {
        await images.insert({ id, userId, imageKey, thumbnailKey, contentSha256: image.sha256, uploadSha256, at });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same content was added by a concurrent request of this user.
        const winner = await images.findByContent(userId, image.sha256);
        if (!winner) throw error;
        return reuse(winner);
      }
      return {
        id,
        user_id: userId,
        image_key: imageKey,
        thumbnail_key: thumbnailKey,
        content_sha256: image.sha256,
        upload_sha256: uploadSha256,
        is_collected: 0,
        created_at: at,
        updated_at: at,
        deleted_at: null,
      };
    },

    /** M19. Idempotent; only the owner's live images. */
    async collect(userId: bigint, id: bigint, collected: boolean): Promise<void> {
      const row = await ownLive(userId, id);
      if ((row.is_collected === 1) !== collected) await images.setCollected(row.id, collected, clock.now());
    },

    /** M20. Soft delete; deleting an image that is already deleted is a no-op (still 204). */
    async remove(userId: bigint, id: bigint): Promise<void> {
      const row = await images.findOwn(userId, id);
      if (!row) throw notFound(IMAGE_NOT_FOUND);
      if (row.deleted_at === null) await images.softDelete(row.id, clock.now());
    },
  };
}

export type ImageLibraryService = ReturnType<typeof createImageLibraryService>;
