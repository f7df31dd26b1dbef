import { Type } from 'typebox';
import { MessageSchema, okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';
import { MAX_BASE64_CHARS, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../../platform/images.js';
import { INTRO_MAX, NAME_MAX, REAL_NAME_MAX } from './user.rules.js';

const absoluteUrl = (description: string) => Type.String({ description: `${description} (absolute URL)` });
const MB = MAX_IMAGE_BYTES / (1024 * 1024);
const MP = MAX_IMAGE_PIXELS / 1_000_000;

export const IMAGE_RULES =
  `JPEG, PNG, GIF or WebP, recognised by content (not by file name or type), at most ${MB} MB and ${MP} megapixels. ` +
  'Every image is decoded and re-encoded: metadata (EXIF, GPS…) is removed, avatars are scaled to fit 512×512 and ' +
  'ID card images 2000×2000; opaque images are stored as JPEG, transparent ones as PNG (WebP stays WebP).';

/** Statuses beyond the shared ErrorResponses. */
export const UploadErrors = {
  413: MessageSchema,
  415: MessageSchema,
  507: MessageSchema,
} as const;

const UserCardFields = {
  id: IdOutput,
  name: Type.String(),
  photo: absoluteUrl('avatar; the default avatar when none is set'),
  is_media: Type.Boolean({ description: 'a certified media account' }),
  intro: Type.String(),
  certi: Type.String({ description: 'media certification text' }),
  art_count: Type.Integer({ description: 'published articles' }),
  follow_count: Type.Integer({ description: 'users this user follows' }),
  fans_count: Type.Integer({ description: 'followers' }),
  like_count: Type.Integer({ description: 'likes received' }),
};

/** A27. */
export const MeResponse = okSchema(Type.Object(UserCardFields));

/** A22. */
export const TargetParams = Type.Object({ target: IdPath });
export const PublicUserResponse = okSchema(
  Type.Object({
    ...UserCardFields,
    is_following: Type.Boolean({ description: 'the signed-in viewer follows this user; false when anonymous' }),
    is_blacklist: Type.Boolean({ description: 'the signed-in viewer has blacklisted this user; false when anonymous' }),
    is_online: Type.Boolean({ description: 'Inkstone extension: connected to the real-time server on any node' }),
  }),
);

/** A23. */
export const ProfileResponse = okSchema(
  Type.Object({
    id: IdOutput,
    name: Type.String(),
    photo: absoluteUrl('avatar'),
    mobile: Type.String(),
    gender: Type.Integer({ minimum: 0, maximum: 1, description: '0 male, 1 female' }),
    birthday: Type.String({ description: 'YYYY-MM-DD, or "" when not set' }),
    intro: Type.String(),
  }),
);

const base64Image = (what: string) =>
  Type.Optional(
    Type.String({
      maxLength: MAX_BASE64_CHARS,
      description: `${what}: base64, bare or as a data URL (data:image/png;base64,…). ${IMAGE_RULES}`,
    }),
  );

/** A09. Loose types here; the exact rules (after trimming) are checked by the service with a 400 naming the field. */
export const AppProfileBody = Type.Object({
  name: Type.Optional(
    Type.String({ description: `display name, 1–${NAME_MAX} characters after trimming, unique (409)` }),
  ),
  photo: base64Image('avatar'),
  gender: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: '0 male, 1 female' })),
  birthday: Type.Optional(Type.String({ description: 'YYYY-MM-DD, a real date, not in the future, not before 1900' })),
  intro: Type.Optional(Type.String({ description: `0–${INTRO_MAX} characters after trimming` })),
  real_name: Type.Optional(Type.String({ description: `real name, 1–${REAL_NAME_MAX} characters` })),
  id_number: Type.Optional(
    Type.String({
      description: '18-character PRC resident ID number with a valid check character; stored upper-cased',
    }),
  ),
  id_card_front: base64Image('ID card, front'),
  id_card_back: base64Image('ID card, back'),
  id_card_handheld: base64Image('holding the ID card'),
});

/** A09 and A21 reply: the id and every saved field. */
export const SavedProfileResponse = okSchema(
  Type.Object({
    id: IdOutput,
    name: Type.Optional(Type.String()),
    photo: Type.Optional(absoluteUrl('avatar')),
    gender: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    birthday: Type.Optional(Type.String()),
    intro: Type.Optional(Type.String()),
    real_name: Type.Optional(Type.String()),
    id_number: Type.Optional(Type.String()),
    id_card_front: Type.Optional(absoluteUrl('ID card, front')),
    id_card_back: Type.Optional(absoluteUrl('ID card, back')),
    id_card_handheld: Type.Optional(absoluteUrl('holding the ID card')),
  }),
);

/** A26. */
export const FigureResponse = okSchema(
  Type.Object({
    fans_count: Type.Integer(),
    read_count: Type.Integer({ description: 'reads of this user’s articles' }),
  }),
);

/** M06. */
export const MpProfileResponse = okSchema(
  Type.Object({
    id: IdOutput,
    name: Type.String(),
    intro: Type.String(),
    photo: absoluteUrl('avatar'),
    email: Type.Union([Type.String(), Type.Null()], { description: 'null when not set' }),
    mobile: Type.String(),
  }),
);

/** M07. "" (and null) never reach the handler: the HTTP layer treats them as absent (contract §1.8). */
export const MpProfileBody = Type.Object({
  name: Type.Optional(Type.String({ description: `1–${NAME_MAX} characters after trimming, unique (409)` })),
  intro: Type.Optional(
    Type.String({ description: `0–${INTRO_MAX} characters after trimming; whitespace alone sets it empty` }),
  ),
  email: Type.Optional(
    Type.String({ description: 'an email address, stored lower-cased, unique (409); whitespace alone clears it' }),
  ),
});

export const SavedMpProfileResponse = okSchema(
  Type.Object({
    id: IdOutput,
    name: Type.Optional(Type.String()),
    intro: Type.Optional(Type.String()),
    email: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'null when cleared' })),
  }),
);

/** M08. */
export const SavedPhotoResponse = okSchema(Type.Object({ id: IdOutput, photo: absoluteUrl('avatar') }));
