/**
 * Object storage port: local disk under ./data (served by this app with cache headers) or any
 * S3-compatible service (AWS S3, Aliyun OSS, Qiniu, MinIO). Keys are relative paths such as
 * `avatars/ab/abcdef.jpg`; `url(key)` gives the absolute URL a client should load (it also takes
 * keys without an extension, which only migrated data holds: `put` never writes one).
 */
export interface StoredObject {
  body: Buffer;
  contentType: string;
}

export interface ObjectStorage {
  readonly kind: 'disk' | 's3';
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  delete(key: string): Promise<void>;
  /** Absolute public URL of the object. */
  url(key: string): string;
  /** Round trip to the backing service (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
