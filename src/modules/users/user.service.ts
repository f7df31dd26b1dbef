/**
 * The user's own profile (A27, A23, A09, A21, A26), other users' public profiles (A22) and the
 * media-platform profile (M06–M08).
 *
 * Writes are all-or-nothing: every field is validated and every image decoded and re-encoded
 * first, then the images are stored, then one UPDATE writes every change. If that UPDATE fails
 * (a name taken in the meantime, the database down), the objects this request stored are deleted
 * again, so a failed request leaves neither a half-changed row nor orphaned uploads.
 */
import type { Clock } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import type { UserRow, UserUpdate } from './user.tables.js';
import { AppError, badRequest, conflict, invalidField, unauthorized } from '../../platform/http/errors.js';
import {
  contentAddressedKey,
  decodeBase64Image,
  ImageRejectedError,
  MAX_IMAGE_BYTES,
  reencodeImage,
  type ImageProfile,
  type ProcessedImage,
} from '../../platform/images.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import type { TimeFormat } from '../../platform/time.js';
import { UserStatus, violatedUserColumn, type UserRepository } from './user.repository.js';
import {
  normalizeBirthday,
  normalizeEmail,
  normalizeIdNumber,
  normalizeIntro,
  normalizeName,
  normalizeRealName,
} from './user.rules.js';

export const NAME_TAKEN = 'User name has existed.';
export const EMAIL_TAKEN = 'Email has existed.';
export const INVALID_TARGET = 'Invalid target user.';

/** The image columns of a user, which are also the multipart part names of A21. */
export const IMAGE_FIELDS = ['photo', 'id_card_front', 'id_card_back', 'id_card_handheld'] as const;
export type ImageField = (typeof IMAGE_FIELDS)[number];

/**
 * ID cards are personal data: stored under `private/` (never served by the public /media route)
 * and presented as signed, expiring links. Rows from before keep their `id-cards/...` keys.
 */
export const IMAGE_PROFILES: Record<ImageField, ImageProfile> = {
  photo: { prefix: 'avatars', maxSide: 512 },
  id_card_front: { prefix: 'private/id-cards', maxSide: 2000 },
  id_card_back: { prefix: 'private/id-cards', maxSide: 2000 },
  id_card_handheld: { prefix: 'private/id-cards', maxSide: 2000 },
};

/**
 * What the viewer of a profile has to do with its owner. The relations module (follows,
 * blacklists) provides the real implementation; until it exists every answer is "nothing".
 */
export interface UserRelations {
  between(viewerId: bigint, targetId: bigint): Promise<{ isFollowing: boolean; isBlacklist: boolean }>;
}

export const NO_RELATIONS: UserRelations = {
  async between() {
    return { isFollowing: false, isBlacklist: false };
  },
};

export interface PublicProfile {
  user: UserRow;
  isFollowing: boolean;
  isBlacklist: boolean;
  /** Connected to the real-time server on any node right now (seed 003's online flag). */
  isOnline: boolean;
}

/** A09 body after the route's type checks; every field optional ("send what you change"). */
export interface AppProfileInput {
  name?: string;
  photo?: string;
  gender?: number;
  birthday?: string;
  intro?: string;
  real_name?: string;
  id_number?: string;
  id_card_front?: string;
  id_card_back?: string;
  id_card_handheld?: string;
}

export interface MpProfileInput {
  name?: string;
  intro?: string;
  email?: string;
}

/** An uploaded image not yet checked: the bytes and the field (or part) it came in. */
export interface ImageUpload {
  field: ImageField;
  bytes: Buffer;
}

/** The saved values, one per field that was sent; image fields hold storage keys. */
export type SavedFields = Partial<{
  name: string;
  gender: number;
  birthday: string;
  intro: string;
  real_name: string;
  id_number: string;
  email: string | null;
}> &
  Partial<Record<ImageField, string>>;

export interface UserServiceDeps {
  users: UserRepository;
  storage: ObjectStorage;
  clock: Clock;
  time: TimeFormat;
  /** Follow and blacklist lookups for A22; NO_RELATIONS until the relations module exists. */
  relations?: UserRelations;
  /**
   * Adds the counters' pending deltas (read_count) to a user row; the row counters (follows,
   * fans, articles, likes) are exact in the row. Absent = rows as stored.
   */
  counters?: {
    overlay(
      entity: 'user',
      rows: UserRow[],
      fields: ('art_count' | 'follow_count' | 'fans_count' | 'like_count' | 'read_count')[],
    ): Promise<UserRow[]>;
  };
  /** Presence from the real-time module; absent = nobody is shown online. */
  presence?: { isOnline(userId: bigint): Promise<boolean> };
  /** Where failures of best-effort clean-up are reported. */
  logger?: { warn(details: object, message: string): void; error(details: object, message: string): void };
}

type Mutable = { -readonly [K in keyof UserUpdate]: UserUpdate[K] };

export function createUserService(deps: UserServiceDeps) {
  const { users, storage, clock } = deps;
  let relations = deps.relations ?? NO_RELATIONS;

  const today = () => deps.time.date(clock.now());

  /** The row with live counters, for every response that shows them. */
  async function withCounts(user: UserRow): Promise<UserRow> {
    if (!deps.counters) return user;
    const [live] = await deps.counters.overlay(
      'user',
      [user],
      ['art_count', 'follow_count', 'fans_count', 'like_count', 'read_count'],
    );
    return live ?? user;
  }

  /** The signed-in user; the auth hook has checked the session, so a missing row is a gone account. */
  async function self(userId: bigint): Promise<UserRow> {
    const user = await users.findById(userId);
    if (!user) throw unauthorized();
    return user;
  }

  async function reencode(upload: ImageUpload): Promise<ProcessedImage> {
    try {
      return await reencodeImage(upload.bytes, IMAGE_PROFILES[upload.field]);
    } catch (error) {
      if (!(error instanceof ImageRejectedError)) throw error;
      if (error.problem === 'too-large') throw new AppError('payload_too_large', { [upload.field]: error.message });
      throw invalidField(upload.field, error.message);
    }
  }

  async function removeQuietly(keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await storage.delete(key);
      } catch (error) {
        deps.logger?.warn({ err: error, key }, 'could not delete an upload after a failed profile update');
      }
    }
  }

  /**
   * Stores the images (skipping objects that already exist: keys are content addressed), then
   * writes `update` in one statement. Returns `saved` with the image keys added.
   */
  async function commit(
    userId: bigint,
    update: Mutable,
    saved: SavedFields,
    images: ImageUpload[],
  ): Promise<SavedFields> {
    // Every 400 before any 409: images are decoded (and so validated) before uniqueness is asked.
    const processed: { field: ImageField; image: ProcessedImage }[] = [];
    for (const upload of images) processed.push({ field: upload.field, image: await reencode(upload) });

    if (update.name !== undefined && (await users.nameTaken(update.name, userId))) throw conflict(NAME_TAKEN);
    if (typeof update.email === 'string' && (await users.emailTaken(update.email, userId))) throw conflict(EMAIL_TAKEN);

    const stored: string[] = [];
    try {
      for (const { field, image } of processed) {
        const key = contentAddressedKey(IMAGE_PROFILES[field].prefix, image);
        // Objects under a key never change, so one that exists already holds these very bytes;
        // it may belong to someone else too, so it is never ours to delete on failure.
        if ((await storage.get(key)) === null) {
          await storage.put(key, image.body, image.contentType);
          stored.push(key);
        }
        update[field] = key;
        saved[field] = key;
      }
    } catch (error) {
      deps.logger?.error({ err: error, userId: userId.toString() }, 'storing a profile image failed');
      await removeQuietly(stored);
      throw new AppError(
        'storage_failed',
        processed.some((p) => p.field === 'photo')
          ? 'Uploading profile photo image failed.'
          : 'Uploading image failed.',
      );
    }

    if (Object.keys(update).length === 0) return saved;
    try {
      await users.update(userId, { ...update, updated_at: clock.now() });
    } catch (error) {
      await removeQuietly(stored);
      if (isUniqueViolation(error)) {
        throw conflict(violatedUserColumn(error) === 'email' ? EMAIL_TAKEN : NAME_TAKEN);
      }
      throw error;
    }
    return saved;
  }

  return {
    /** A27, A23, A26, M06: the signed-in user's row, with live counters. */
    async me(userId: bigint): Promise<UserRow> {
      return withCounts(await self(userId));
    },

    /** A22. Disabled accounts are not shown, as if they did not exist. */
    async publicProfile(targetId: bigint, viewerId: bigint | undefined): Promise<PublicProfile> {
      const stored = await users.findById(targetId);
      if (!stored || stored.status !== UserStatus.active) throw badRequest(INVALID_TARGET);
      const user = await withCounts(stored);
      const isOnline = (await deps.presence?.isOnline(targetId)) ?? false;
      if (viewerId === undefined || viewerId === targetId)
        return { user, isFollowing: false, isBlacklist: false, isOnline };
      return { user, isOnline, ...(await relations.between(viewerId, targetId)) };
    },

    /** Wires the relations module in once it is built (it may need this service's repository first). */
    useRelations(implementation: UserRelations): void {
      relations = implementation;
    },

    /** A09: validates every field, then stores images and writes the row in one update. */
    async updateAppProfile(userId: bigint, input: AppProfileInput): Promise<SavedFields> {
      const update: Mutable = {};
      const saved: SavedFields = {};
      if (input.name !== undefined) update.name = saved.name = normalizeName(input.name);
      if (input.gender !== undefined) {
        if (input.gender !== 0 && input.gender !== 1) throw invalidField('gender', 'must be 0 (male) or 1 (female)');
        update.gender = saved.gender = input.gender;
      }
      if (input.birthday !== undefined) update.birthday = saved.birthday = normalizeBirthday(input.birthday, today());
      if (input.intro !== undefined) update.intro = saved.intro = normalizeIntro(input.intro);
      if (input.real_name !== undefined) update.real_name = saved.real_name = normalizeRealName(input.real_name);
      if (input.id_number !== undefined)
        update.id_number = saved.id_number = normalizeIdNumber(input.id_number, today());

      const images: ImageUpload[] = [];
      for (const field of IMAGE_FIELDS) {
        const text = input[field];
        if (text === undefined) continue;
        const bytes = decodeBase64Image(text);
        if (bytes === null) throw invalidField(field, 'is not base64 (optionally a data:image/…;base64, URL)');
        if (bytes.length > MAX_IMAGE_BYTES)
          throw new AppError('payload_too_large', { [field]: `is larger than ${MAX_IMAGE_BYTES / (1024 * 1024)} MB` });
        images.push({ field, bytes });
      }
      await self(userId);
      return commit(userId, update, saved, images);
    },

    /** A21 and M08: multipart images, already split into parts by the route. */
    async saveImages(userId: bigint, images: ImageUpload[]): Promise<SavedFields> {
      await self(userId);
      return commit(userId, {}, {}, images);
    },

    /** M07. Whitespace-only intro sets it empty; whitespace-only email clears it (null). */
    async updateMpProfile(userId: bigint, input: MpProfileInput): Promise<SavedFields> {
      const update: Mutable = {};
      const saved: SavedFields = {};
      if (input.name !== undefined) update.name = saved.name = normalizeName(input.name);
      if (input.intro !== undefined) update.intro = saved.intro = normalizeIntro(input.intro);
      if (input.email !== undefined) update.email = saved.email = normalizeEmail(input.email);
      await self(userId);
      return commit(userId, update, saved, []);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
