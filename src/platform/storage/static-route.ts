import { mkdirSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { DiskStorage } from './disk-storage.js';

/** SVG may carry script: if a user opens one directly, sandbox it (no effect on <img>). */
export const MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * `private/` keys (signed-urls.ts PRIVATE_PREFIX) are only served through signed links. Any letter
 * case: on a case-insensitive filesystem `/media/PRIVATE/...` would open the same file.
 */
const PRIVATE_PATH = /^\/?private(?:\/|$)/i;

/**
 * Serves DiskStorage's root under `prefix` (default `/media/`), matching its `publicBaseUrl`.
 *
 * Keys are content-addressed by callers (new bytes get a new key; an object is never changed in
 * place), so a one-year `immutable` Cache-Control is correct: clients never need to revalidate.
 * ETag/Last-Modified are still sent for clients that do.
 *
 * Objects under `private/` (ID cards) are never served here (404): they go through the signed
 * `/media-private/*` route (private-route.ts).
 */
export function registerDiskMedia(app: FastifyInstance, storage: DiskStorage, prefix = '/media/'): void {
  // @fastify/static only warns about a missing root and then 404s forever; a fresh install has
  // no media yet, so create it.
  mkdirSync(storage.root, { recursive: true });
  void app.register(fastifyStatic, {
    root: storage.root,
    prefix,
    // Other routes may register @fastify/static too; don't claim reply.sendFile.
    decorateReply: false,
    list: false,
    index: false,
    redirect: false,
    // The plugin defaults to serving dotfiles; DiskStorage keeps temp/probe files as dotfiles
    // and no valid key is one, so 404 them.
    dotfiles: 'ignore',
    serveDotFiles: false,
    // Checked on the normalized request path and again on the file actually chosen.
    allowedPath: (pathName) => !PRIVATE_PATH.test(pathName),
    immutable: true,
    maxAge: '365d',
    setHeaders(reply) {
      // Content-Type comes from the extension (same map as DiskStorage.get); forbid browsers
      // from second-guessing it, e.g. running an uploaded "image" as HTML.
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Content-Security-Policy', MEDIA_CSP);
    },
  });
}
