import { DiskStorage } from './disk-storage.js';
import { S3Storage, type S3Options } from './s3-storage.js';
import type { ObjectStorage } from './storage.js';

export type ObjectStorageConfig = { kind: 'disk'; root: string; publicBaseUrl: string } | ({ kind: 's3' } & S3Options);

export function createObjectStorage(config: ObjectStorageConfig): ObjectStorage {
  switch (config.kind) {
    case 'disk':
      return new DiskStorage({ root: config.root, publicBaseUrl: config.publicBaseUrl });
    case 's3': {
      const { kind: _kind, ...options } = config;
      return new S3Storage(options);
    }
  }
}

export type { ObjectStorage, StoredObject } from './storage.js';
export { DiskStorage, type DiskStorageOptions } from './disk-storage.js';
export { S3Storage, type S3Options } from './s3-storage.js';
export { registerDiskMedia } from './static-route.js';
export { registerPrivateMedia } from './private-route.js';
export {
  createPrivateMediaSigner,
  DEFAULT_PRIVATE_TTL_SECONDS,
  PRIVATE_PREFIX,
  type PrivateMediaSigner,
  type PrivateMediaSignerOptions,
} from './signed-urls.js';
export { InvalidKeyError, assertValidKey, contentTypeForKey } from './keys.js';
