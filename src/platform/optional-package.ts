/**
 * Packages that only one adapter uses (a server database's driver, ioredis, BullMQ, Socket.IO's
 * Redis adapter, the S3 SDK, Alipay's SDK) or only a rare request needs (sharp, for an upload) are
 * required when first needed, not imported with the app: the embedded default then never loads
 * them, which saves start-up time and ~70 MB of memory it would carry for nothing. All of them
 * ship CommonJS, so this stays synchronous; types come from `import type`.
 */
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

export function optionalPackage<T>(name: string): T {
  return requireFromHere(name) as T;
}
