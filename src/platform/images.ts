/**
 * Untrusted uploaded images: recognised by their magic bytes (never by file name or declared
 * type), fully decoded and re-encoded with sharp. Re-encoding proves the bytes are a real image,
 * drops every piece of metadata (EXIF with GPS, XMP, comments, ICC) and anything appended after
 * the image data, applies the EXIF orientation first so nothing looks rotated afterwards, and
 * bounds the stored size. The result is stored under a key derived from its own hash.
 */
import { createHash } from 'node:crypto';
import type Sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import { optionalPackage } from './optional-package.js';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** Largest upload accepted, in bytes (multipart part or decoded base64). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Largest decoded image accepted (width × height); bounds the memory a decode can take. */
export const MAX_IMAGE_PIXELS = 40_000_000;

let loadedSharp: typeof Sharp | undefined;

/**
 * sharp, loaded with the first image rather than with the app: libvips adds ~18 MB to the
 * resident set of every process, and most processes never see an upload.
 */
export function sharp(...args: Parameters<typeof Sharp>): ReturnType<typeof Sharp> {
  loadedSharp ??= optionalPackage<typeof Sharp>('sharp');
  return loadedSharp(...args);
}

/** The format given by the leading bytes, or null when they are not JPEG, PNG, GIF or WebP. */
export function sniffImage(bytes: Uint8Array): ImageFormat | null {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 4 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (
    b.length >= 12 &&
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 && // RIFF
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50 // WEBP
  ) {
    return 'webp';
  }
  return null;
}

export type ImageProblem = 'not-image' | 'too-large' | 'too-many-pixels';

/** The input is not an acceptable image; `message` is safe to show to the client. */
export class ImageRejectedError extends Error {
  constructor(
    readonly problem: ImageProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejectedError';
  }
}

export interface ImageProfile {
  /** Storage key prefix, e.g. `avatars`. */
  prefix: string;
  /** The longer side is scaled down to this (never up). */
  maxSide: number;
}

export interface ProcessedImage {
  body: Buffer;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  extension: 'jpg' | 'png' | 'webp';
  width: number;
  height: number;
  /** Hex SHA-256 of `body`. */
  sha256: string;
}

const OUTPUT = {
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
  webp: { contentType: 'image/webp', extension: 'webp' },
} as const;

const NOT_IMAGE = 'is not a JPEG, PNG, GIF or WebP image';

/**
 * Decodes and re-encodes `input`. Opaque images become JPEG; images with an alpha channel keep
 * it (WebP stays WebP, PNG and GIF become PNG). Only the first frame of an animation is kept.
 * Throws ImageRejectedError for anything that is not a decodable image within the limits.
 */
export async function reencodeImage(input: Buffer, profile: ImageProfile): Promise<ProcessedImage> {
  if (input.length > MAX_IMAGE_BYTES) {
    throw new ImageRejectedError('too-large', `is larger than ${MAX_IMAGE_BYTES / (1024 * 1024)} MB`);
  }
  const sniffed = sniffImage(input);
  if (sniffed === null) throw new ImageRejectedError('not-image', NOT_IMAGE);

  // failOn 'warning' (sharp's advice for untrusted input): a corrupt or truncated image is refused
  // rather than silently stored half grey.
  const options = { failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS, animated: false } as const;
  let metadata: Metadata;
  try {
    // Header only; the pixel limit is checked below to say why, then enforced again by the decode.
    metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
  } catch {
    throw new ImageRejectedError('not-image', NOT_IMAGE);
  }
  // Magic bytes of one format wrapped around another's header is not an image we take.
  if (metadata.format !== sniffed) throw new ImageRejectedError('not-image', NOT_IMAGE);
  if (!metadata.width || !metadata.height) throw new ImageRejectedError('not-image', NOT_IMAGE);
  if (metadata.width * metadata.height > MAX_IMAGE_PIXELS) {
    throw new ImageRejectedError('too-many-pixels', `is larger than ${MAX_IMAGE_PIXELS / 1_000_000} megapixels`);
  }

  const output = metadata.hasAlpha ? (sniffed === 'webp' ? 'webp' : 'png') : 'jpeg';
  const pipeline = sharp(input, { ...options, autoOrient: true }).resize({
    width: profile.maxSide,
    height: profile.maxSide,
    fit: 'inside',
    withoutEnlargement: true,
  });
  if (output === 'jpeg') pipeline.jpeg({ quality: 85, mozjpeg: true });
  else if (output === 'png') pipeline.png({ compressionLevel: 9 });
  else pipeline.webp({ quality: 85, alphaQuality: 100 });

  let result: { data: Buffer; info: OutputInfo };
  try {
    // No keepMetadata()/withMetadata(): sharp writes none of the input's metadata.
    result = await pipeline.toBuffer({ resolveWithObject: true });
  } catch {
    throw new ImageRejectedError('not-image', NOT_IMAGE);
  }
  return {
    body: result.data,
    ...OUTPUT[output],
    width: result.info.width,
    height: result.info.height,
    sha256: createHash('sha256').update(result.data).digest('hex'),
  };
}

/** `<prefix>/<first two hex digits>/<sha256>.<ext>`: the same bytes always get the same key. */
export function contentAddressedKey(prefix: string, image: ProcessedImage): string {
  return `${prefix}/${image.sha256.slice(0, 2)}/${image.sha256}.${image.extension}`;
}

const DATA_URL_PREFIX = /^data:[\w.+-]+\/[\w.+-]+(?:;[\w-]+=[\w.-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Bytes of a base64 image as the clients send it in JSON: bare, or as a data URL
 * (`data:image/png;base64,…`); standard or URL-safe alphabet; line breaks allowed.
 * Null when the text is not base64. The content itself is checked by reencodeImage.
 */
export function decodeBase64Image(text: string): Buffer | null {
  const compact = text.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) return null;
  const digits = compact.replace(/=+$/, '');
  // A length of 4n+1 digits cannot come from any byte string.
  if (digits.length % 4 === 1) return null;
  if (compact.length !== digits.length && compact.length % 4 !== 0) return null;
  return Buffer.from(compact, 'base64');
}

/** Longest base64 text that can decode to at most MAX_IMAGE_BYTES (plus a generous data-URL prefix and line breaks). */
export const MAX_BASE64_CHARS = Math.ceil((Math.ceil(MAX_IMAGE_BYTES / 3) * 4 * 105) / 100) + 256;
