import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { assertPutAllowed, assertUrlKey, assertValidKey, contentTypeForKey, joinUrl } from './keys.js';
import type { ObjectStorage, StoredObject } from './storage.js';

export interface DiskStorageOptions {
  /** Absolute directory holding the objects, e.g. `<data>/media`. Created on first write. */
  root: string;
  /** Where registerDiskMedia serves `root`, e.g. `http://localhost:3000/media`. */
  publicBaseUrl: string;
}

/** Error codes that mean "no object under this key" when reading or deleting. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/**
 * Objects as plain files under `root`, key = relative path. The content type is not stored: it is
 * derived from the key's extension (see keys.ts for why), which is also what the static route
 * sends.
 */
export class DiskStorage implements ObjectStorage {
  readonly kind = 'disk' as const;
  readonly root: string;
  private readonly publicBaseUrl: string;

  constructor(options: DiskStorageOptions) {
    if (!isAbsolute(options.root)) throw new Error(`DiskStorage root must be absolute: ${options.root}`);
    this.root = resolve(options.root);
    this.publicBaseUrl = options.publicBaseUrl;
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    assertPutAllowed(key, contentType);
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write a temp file in the same directory, then rename: rename within one filesystem is
    // atomic, so readers (and the static route) see the old bytes or the new, never a torn file.
    // The temp name is a dotfile, which no valid key can name and the media route will not serve.
    const temp = join(dirname(path), `.tmp-${randomUUID()}`);
    try {
      // flush: fsync before rename, so a crash cannot leave a renamed but empty file behind.
      await writeFile(temp, body, { flush: true });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const contentType = contentTypeForKey(key);
    try {
      const body = await readFile(this.pathOf(key));
      return { body, contentType };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      // Deleting what is not there is success: callers retry deletes after partial failures.
      if (!isMissing(err)) throw err;
    }
    // Empty shard directories are left in place: they are cheap and removing them would race
    // with a concurrent put into the same directory.
  }

  url(key: string): string {
    assertUrlKey(key);
    return joinUrl(this.publicBaseUrl, key);
  }

  /** Proves the root is writable by actually writing (access(W_OK) passes for root on a read-only mount). */
  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = join(this.root, `.ping-${randomUUID()}`);
    try {
      await writeFile(probe, '');
    } finally {
      await rm(probe, { force: true });
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const path = join(this.root, ...key.split('/'));
    // Defence in depth: key validation already rules out escaping the root.
    const prefix = this.root.endsWith(sep) ? this.root : this.root + sep;
    if (!path.startsWith(prefix)) throw new Error(`key escapes storage root: ${key}`);
    return path;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && MISSING.has(code);
}
