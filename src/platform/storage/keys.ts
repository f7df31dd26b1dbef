/**
 * Key rules shared by every adapter, so a key that works on disk also works on S3 (and the other
 * way round): switching `storage.kind` must never strand objects behind keys one side rejects.
 */

/**
 * Content type by extension. Both adapters require keys to end in one of these.
 *
 * Why derive instead of storing the caller's content type (e.g. in a sidecar file): on disk the
 * bytes are served by @fastify/static, which picks Content-Type from the extension alone, so a
 * sidecar could disagree with what browsers actually receive; deriving keeps `get()` and HTTP in
 * agreement, needs no second file to keep atomic with the first, and the allow-list keeps
 * uploads to media types (no .html/.js that would run on our origin).
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  bin: 'application/octet-stream',
};

const MAX_KEY_LENGTH = 200;
// Only URL-safe characters: keys go into URLs unescaped and into file paths unchanged.
const KEY_CHARS = /^[A-Za-z0-9._/-]+$/;

export class InvalidKeyError extends Error {
  constructor(key: string, reason: string) {
    super(`invalid storage key ${JSON.stringify(key.slice(0, MAX_KEY_LENGTH + 1))}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/** Throws InvalidKeyError unless `key` is a safe relative path with a known extension. */
export function assertValidKey(key: string): void {
  assertSafePath(key);
  extensionType(key);
}

/**
 * What `url(key)` needs: a safe relative path, with or without an extension. Stored references
 * are read as well as written: data migrated from other systems holds object-storage hash keys
 * without extensions (Qiniu's `FtZqk2…`), and one such row must never fail a whole page.
 */
export function assertUrlKey(key: string): void {
  assertSafePath(key);
}

function assertSafePath(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new InvalidKeyError(key, `length must be 1..${MAX_KEY_LENGTH}`);
  }
  // Also excludes backslashes, spaces, `%`, `?`, `#` and non-ASCII.
  if (!KEY_CHARS.test(key)) throw new InvalidKeyError(key, 'allowed characters are A-Z a-z 0-9 . _ / -');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'must be relative');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, 'empty path segment');
    // Covers `.` and `..` (traversal) and dotfiles: the disk adapter keeps its temp and probe
    // files as dotfiles and the media route refuses to serve them, so keys may never be one.
    if (segment.startsWith('.')) throw new InvalidKeyError(key, 'segments may not start with "."');
  }
}

/** Content type implied by the key's extension; throws for an unknown extension. */
export function contentTypeForKey(key: string): string {
  return extensionType(key);
}

/**
 * Validates a put: the key, and that the caller's content type agrees with the extension
 * (ignoring parameters and case). A mismatch means the caller built the key wrong, and the
 * disk adapter would otherwise silently serve the object under a different type.
 */
export function assertPutAllowed(key: string, contentType: string): string {
  assertValidKey(key);
  const expected = extensionType(key);
  const given = contentType.split(';')[0]!.trim().toLowerCase();
  if (given !== expected) {
    throw new InvalidKeyError(key, `content type ${contentType} does not match extension (${expected})`);
  }
  return expected;
}

function extensionType(key: string): string {
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.');
  const ext = dot > slash ? key.slice(dot + 1).toLowerCase() : '';
  const type = Object.hasOwn(CONTENT_TYPES, ext) ? CONTENT_TYPES[ext] : undefined;
  if (type === undefined) {
    throw new InvalidKeyError(key, `extension must be one of ${Object.keys(CONTENT_TYPES).join(', ')}`);
  }
  return type;
}

/** `base` + '/' + key, tolerating a trailing slash on base. Keys need no escaping (see KEY_CHARS). */
export function joinUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, '')}/${key}`;
}
