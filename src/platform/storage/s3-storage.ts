import type * as S3 from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { optionalPackage } from '../optional-package.js';
import { assertPutAllowed, assertUrlKey, assertValidKey, joinUrl } from './keys.js';
import { PRIVATE_PREFIX } from './signed-urls.js';
import type { ObjectStorage, StoredObject } from './storage.js';

export interface S3Options {
  /** For S3-compatible services (OSS, Qiniu, MinIO, ...); omit for AWS S3. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` addressing instead of `bucket.endpoint/key` (MinIO needs it). */
  forcePathStyle?: boolean;
  /** CDN or custom domain in front of the bucket, e.g. `https://cdn.example.com`. */
  publicBaseUrl?: string;
}

/**
 * Keys are content-addressed by callers (a changed file gets a new key), so the object never
 * changes under its URL and browsers/CDNs may cache it for a year without revalidating.
 */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';

export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly publicBase: string;

  private readonly s3: typeof S3;

  constructor(options: S3Options) {
    this.bucket = options.bucket;
    this.s3 = optionalPackage<typeof S3>('@aws-sdk/client-s3');
    this.client = new this.s3.S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Since 2025 the SDK adds CRC32 "flexible checksum" headers/trailers to every upload by
      // default; several S3-compatible services reject or mishandle them. Only send them where
      // the API requires it. Integrity is still covered: SigV4 signs the body's SHA-256.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.publicBase = options.publicBaseUrl ?? defaultPublicBase(options);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    assertPutAllowed(key, contentType);
    await this.client.send(
      new this.s3.PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        // Private objects reach clients only through /media-private, which sets its own header.
        CacheControl: key.startsWith(PRIVATE_PREFIX) ? 'private, no-store' : CACHE_CONTROL,
      }),
    );
  }

  async get(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    try {
      const res = await this.client.send(new this.s3.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) return null;
      const bytes = await res.Body.transformToByteArray();
      return {
        body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        contentType: res.ContentType ?? 'application/octet-stream',
      };
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw err;
    }
  }

  /** S3 DeleteObject already succeeds for a missing key, matching the port's contract. */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new this.s3.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  url(key: string): string {
    assertUrlKey(key);
    return joinUrl(this.publicBase, key);
  }

  /** Checks endpoint, credentials and bucket in one cheap call. */
  async ping(): Promise<void> {
    await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.bucket }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** The bucket's own URL when no CDN is configured, addressed the same way the SDK addresses it. */
function defaultPublicBase(o: S3Options): string {
  if (o.endpoint === undefined) return `https://${o.bucket}.s3.${o.region}.amazonaws.com`;
  const endpoint = new URL(o.endpoint);
  if (o.forcePathStyle) return joinUrl(endpoint.origin + endpoint.pathname, o.bucket);
  // Virtual-hosted style (what OSS and Qiniu require): the bucket becomes a subdomain.
  endpoint.hostname = `${o.bucket}.${endpoint.hostname}`;
  return endpoint.origin + endpoint.pathname.replace(/\/+$/, '');
}

/** NoSuchKey, or a bare 404 (HEAD-like responses carry no error code); a missing bucket is a config error. */
function isMissingObject(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (e?.name === 'NoSuchKey') return true;
  return e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket';
}
