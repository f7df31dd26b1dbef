import type { FastifyInstance } from 'fastify';
import { forbidden, notFound } from '../http/errors.js';
import { assertValidKey } from './keys.js';
import { PRIVATE_MEDIA_PATH, PRIVATE_PREFIX, type PrivateMediaSigner } from './signed-urls.js';
import { MEDIA_CSP } from './static-route.js';
import type { ObjectStorage } from './storage.js';

export const INVALID_LINK = 'Invalid or expired link.';

/**
 * `GET /media-private/<key>?exp=…&sig=…`: private objects (keys under `private/`) through the
 * storage port, so it works the same on disk and on S3 (where the bucket keeps `private/`
 * non-public). Only links made by the signer are served, until they expire.
 *
 * Outside /app and /mp, so no auth mode is required; the default (`public`) ignores tokens: the
 * signed link itself is the credential, which is what lets an <img> tag load it.
 */
export function registerPrivateMedia(app: FastifyInstance, storage: ObjectStorage, signer: PrivateMediaSigner): void {
  app.get(`${PRIVATE_MEDIA_PATH}/*`, { schema: { hide: true }, config: { auth: 'public' } }, async (request, reply) => {
    const key = (request.params as Record<string, string | undefined>)['*'] ?? '';
    try {
      assertValidKey(key);
    } catch {
      throw notFound();
    }
    if (!key.startsWith(PRIVATE_PREFIX)) throw notFound();

    // Repeated parameters arrive as arrays: not a link we made.
    const query = request.query as Record<string, unknown>;
    const exp = typeof query.exp === 'string' ? query.exp : undefined;
    const sig = typeof query.sig === 'string' ? query.sig : undefined;
    if (!signer.verify(key, exp, sig)) throw forbidden(INVALID_LINK);

    const object = await storage.get(key);
    if (object === null) throw notFound();
    return reply
      .type(object.contentType)
      .header('cache-control', `private, max-age=${signer.secondsLeft(Number(exp))}`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', MEDIA_CSP)
      .send(object.body);
  });
}
