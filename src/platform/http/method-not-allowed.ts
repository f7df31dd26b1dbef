/**
 * Fastify answers 404 for a known path with a wrong method; the seeds want 405 with `Allow`.
 * A second router records every path with its methods so the not-found handler can tell a
 * wrong method from an unknown path.
 */
import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

const PROBE_METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function trackRoutes(app: FastifyInstance): (method: string, url: string) => string[] {
  const router = FindMyWay({ ignoreTrailingSlash: true });
  const noop = () => undefined;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'OPTIONS' || route.url.includes('*')) continue;
      try {
        router.on(method as HTTPMethod, route.url, noop);
      } catch {
        // The same method and path registered twice (a HEAD route Fastify adds for a GET): already known.
      }
    }
  });
  return (method, url) => {
    const path = url.split('?')[0] ?? '/';
    const allowed = PROBE_METHODS.filter((m) => m !== method && router.find(m, path) !== null);
    return allowed.length > 0 ? [...allowed, 'OPTIONS'] : [];
  };
}
