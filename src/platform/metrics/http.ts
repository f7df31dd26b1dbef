/**
 * The HTTP side of metrics: one onResponse hook that records every request, and `GET /metrics`.
 *
 * Who may read /metrics:
 * - when a metrics token is configured: any client sending `Authorization: Bearer <token>`
 *   (401 otherwise), in every environment;
 * - without a token: in production nobody (404, as if there were no such route); in development
 *   and test only a client on this machine that is not relayed by a proxy (the socket peer and the
 *   request's client address are loopback and no forwarding header is present: a reverse proxy on
 *   the same host would otherwise make every public request look local).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../http/errors.js';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.js';

export interface MetricsAccess {
  env: 'development' | 'production' | 'test';
  /** METRICS_TOKEN; absent or null = no token configured. */
  metricsToken?: string | null;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const FORWARDING = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

function sameSecret(sent: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function isLocal(request: FastifyRequest): boolean {
  const peer = request.socket.remoteAddress ?? '';
  return LOOPBACK.test(peer) && LOOPBACK.test(request.ip) && !FORWARDING.some((h) => request.headers[h] !== undefined);
}

/** Throws the response a client that may not read metrics gets. */
export function checkMetricsAccess(request: FastifyRequest, access: MetricsAccess): void {
  const token = access.metricsToken;
  if (token) {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && sameSecret(match[1]!.trim(), token)) return;
    throw new AppError('unauthorized', 'A valid metrics token is required.', {
      'www-authenticate': 'Bearer realm="metrics"',
    });
  }
  if (access.env !== 'production' && isLocal(request)) return;
  throw notFound();
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics, access: MetricsAccess): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    checkMetricsAccess(request, access);
    reply.header('cache-control', 'no-store').type(metrics.contentType);
    return metrics.render();
  });
}
