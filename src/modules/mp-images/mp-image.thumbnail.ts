/**
 * List-view thumbnails for the image library (M17). Made from the already re-encoded image (so
 * from bytes this app produced, never from the raw upload), in the same format, and stored under
 * their own content-addressed key like every other image.
 */
import { createHash } from 'node:crypto';
import { sharp, type ProcessedImage } from '../../platform/images.js';

/** Thumbnails are this wide (2× the admin's grid cells)… */
export const THUMBNAIL_WIDTH = 300;
/** …and at most this high, so a very tall image does not make a huge "thumbnail". */
export const THUMBNAIL_MAX_HEIGHT = 900;

/** The thumbnail, or null when the image already fits (then the image is its own thumbnail). */
export async function makeThumbnail(image: ProcessedImage): Promise<ProcessedImage | null> {
  if (image.width <= THUMBNAIL_WIDTH && image.height <= THUMBNAIL_MAX_HEIGHT) return null;
  const pipeline = sharp(image.body).resize({
    width: THUMBNAIL_WIDTH,
    height: THUMBNAIL_MAX_HEIGHT,
    fit: 'inside',
    withoutEnlargement: true,
  });
  if (image.extension === 'jpg') pipeline.jpeg({ quality: 80, mozjpeg: true });
  else if (image.extension === 'png') pipeline.png({ compressionLevel: 9 });
  else pipeline.webp({ quality: 80, alphaQuality: 100 });
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return {
    body: data,
    contentType: image.contentType,
    extension: image.extension,
    width: info.width,
    height: info.height,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}
