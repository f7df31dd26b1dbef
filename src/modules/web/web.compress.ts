/**
 * Compressed bodies for what many people get the same bytes of: the hashed assets and the kept
 * anonymous pages. Each Buffer is compressed once per encoding (brotli or gzip, as the browser
 * accepts) and the result kept beside it, so a popular page costs one compression, not one per
 * visit. A signed-in reader's page is made for one request and goes as it is.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { Negotiator } from '@fastify/accept-negotiator';
import type { FastifyReply } from 'fastify';

type Encoding = 'br' | 'gzip';

const negotiator = new Negotiator<Encoding>({ supportedValues: ['br', 'gzip'], cache: new Map() });
/** Below this, compression saves less than its header costs. */
const MIN_BYTES = 1024;
const variants = new WeakMap<Buffer, Partial<Record<Encoding, Buffer>>>();

function compress(body: Buffer, encoding: Encoding): Buffer {
  return encoding === 'br'
    ? brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      })
    : gzipSync(body, { level: 9 });
}

/** The body in the best encoding the request accepts (headers set), or the body itself. */
export function sharedBody(reply: FastifyReply, body: Buffer): Buffer {
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
  if (body.length < MIN_BYTES) return body;
  const accept = reply.request.headers['accept-encoding'];
  const encoding = typeof accept === 'string' ? negotiator.negotiate(accept) : null;
  if (encoding === null) return body;
  let known = variants.get(body);
  if (!known) variants.set(body, (known = {}));
  const encoded = (known[encoding] ??= compress(body, encoding));
  reply.header('content-encoding', encoding);
  return encoded;
}
