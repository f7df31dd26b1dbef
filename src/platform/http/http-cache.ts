/**
 * HTTP caching (seed 004): weak ETags on every successful GET, answered with 304 when the client
 * already has them; Last-Modified / If-Modified-Since where a route sets Last-Modified; and
 * Cache-Control from route metadata: `config.cache = { maxAge }` makes anonymous responses
 * `public, max-age=…`, while a response to a request carrying a token is `private, no-cache`
 * because per-user fields (is_followed, attitude…) depend on it. `Vary: Authorization` always.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Seconds shared caches may keep an anonymous response; absent = `no-cache`. */
    cache?: { maxAge: number };
  }
}

/**
 * Shared bodies (a channel's feed page, an anonymous article) are rendered once and sent as the
 * same Buffer many times; their ETag is hashed once too. Weak keys: it goes with the Buffer.
 */
const etags = new WeakMap<Buffer, string>();

function etagOf(payload: string | Buffer): string {
  const known = typeof payload === 'string' ? undefined : etags.get(payload);
  if (known) return known;
  const etag = `W/"${createHash('sha1').update(payload).digest('base64url').slice(0, 27)}"`;
  if (typeof payload !== 'string') etags.set(payload, etag);
  return etag;
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 §8.8.3.2): W/ prefixes do not matter.
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}

function notModifiedSince(request: FastifyRequest, reply: FastifyReply): boolean {
  const since = request.headers['if-modified-since'];
  const modified = reply.getHeader('last-modified');
  if (!since || typeof modified !== 'string' || request.headers['if-none-match']) return false;
  const sinceMs = Date.parse(since);
  const modifiedMs = Date.parse(modified);
  return Number.isFinite(sinceMs) && Number.isFinite(modifiedMs) && modifiedMs <= sinceMs;
}

/** The few Vary values routes produce, with Authorization added: computed once each. */
const varyWithAuthorization = new Map<string, string>();

/** Adds Authorization to an existing Vary (CORS' Origin…) once, whatever its case or form. */
function withAuthorization(vary: string | number | string[] | undefined): string {
  if (vary !== undefined && typeof vary !== 'string') return addAuthorization(vary);
  const key = vary ?? '';
  let result = varyWithAuthorization.get(key);
  if (result === undefined) {
    result = addAuthorization(key);
    // Bounded: a route that echoed request data into Vary must not grow this without end.
    if (varyWithAuthorization.size < 64) varyWithAuthorization.set(key, result);
  }
  return result;
}

function addAuthorization(vary: string | number | string[] | undefined): string {
  const fields = (Array.isArray(vary) ? vary.join(',') : String(vary ?? ''))
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  if (fields.includes('*') || fields.some((field) => field.toLowerCase() === 'authorization')) return fields.join(', ');
  return [...fields, 'Authorization'].join(', ');
}

export function registerHttpCache(app: FastifyInstance): void {
  // Callback form (no promise per request), over a plain function that returns the payload.
  app.addHook('onSend', (request, reply, payload, done) => {
    done(null, cacheHeaders(request, reply, payload));
  });
}

function cacheHeaders(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
  if (reply.statusCode !== 200) return payload;
  if (request.url.startsWith('/media/') || request.url.startsWith('/docs')) return payload;

  const maxAge = request.routeOptions.config?.cache?.maxAge;
  const personal = request.headers.authorization !== undefined;
  if (!reply.hasHeader('cache-control')) {
    reply.header(
      'cache-control',
      maxAge !== undefined && !personal ? `public, max-age=${maxAge}` : personal ? 'private, no-cache' : 'no-cache',
    );
  }
  reply.header('vary', withAuthorization(reply.getHeader('vary')));

  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  const etag = etagOf(payload);
  reply.header('etag', etag);
  if (matches(request.headers['if-none-match'], etag) || notModifiedSince(request, reply)) {
    reply.code(304);
    reply.removeHeader('content-length');
    reply.removeHeader('content-type');
    // No `Content-Length: 0` (RFC 9110 §8.6: a 304's would describe the 200's body, and caches
    // may adopt it): null sends no body and no length; for HEAD, Fastify's own hook measures
    // the payload and drops it, so the full one yields the 200's exact length.
    return request.method === 'HEAD' ? payload : null;
  }
  return payload;
}
