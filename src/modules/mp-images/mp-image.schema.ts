import { Type } from 'typebox';
import { MessageSchema, okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';
import { PageQuery, type PageBounds } from '../../platform/http/paging.js';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../../platform/images.js';
import { THUMBNAIL_MAX_HEIGHT, THUMBNAIL_WIDTH } from './mp-image.thumbnail.js';

/** M17: 1–50 per page, 20 by default (contract §1.6); out-of-range values are clamped. */
export const MP_IMAGES_LIST: PageBounds = { min: 1, max: 50, fallback: 20 };

export const LIBRARY_IMAGE_RULES =
  `JPEG, PNG, GIF or WebP, recognised by content (not by file name or declared type), at most ` +
  `${MAX_IMAGE_BYTES / (1024 * 1024)} MB and ${MAX_IMAGE_PIXELS / 1_000_000} megapixels. The image is decoded and ` +
  're-encoded (metadata such as EXIF/GPS removed, scaled to fit 2000×2000; opaque images become JPEG, transparent ' +
  `ones PNG, WebP stays WebP), and a thumbnail ${THUMBNAIL_WIDTH} px wide (at most ${THUMBNAIL_MAX_HEIGHT} px high) ` +
  'is made for list views.';

export const ImageListQuery = Type.Object({
  collect: Type.Optional(Type.Boolean({ description: 'true: only collected images; false or absent: all images' })),
  ...PageQuery,
});

const imageFields = {
  id: IdOutput,
  url: Type.String({ description: 'the full image (absolute URL)' }),
  thumbnail: Type.String({
    description:
      `Inkstone extra: a list-view thumbnail (absolute URL), ${THUMBNAIL_WIDTH} px wide at most; ` +
      'the same as url when the image is already that small',
  }),
};

export const ImageListResponse = okSchema(
  Type.Object({
    total_count: Type.Integer({ description: 'all images matching the filter' }),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(Type.Object({ ...imageFields, is_collected: Type.Boolean() })),
  }),
);

export const UploadedImageResponse = okSchema(Type.Object(imageFields));

export const ImageParams = Type.Object({ target: IdPath });

export const CollectBody = Type.Object({
  collect: Type.Boolean({ description: 'true collects the image, false un-collects it' }),
});

export const CollectResponse = okSchema(Type.Object({ id: IdOutput, collect: Type.Boolean() }));

/** Statuses of the upload route beyond the shared ErrorResponses. */
export const UploadErrors = {
  413: MessageSchema,
  415: MessageSchema,
  429: MessageSchema,
  507: MessageSchema,
} as const;
