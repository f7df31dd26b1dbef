/**
 * A01 `GET /app/` and M01 `GET /mp/`: bare (unwrapped) route maps, built from the routes that are
 * really registered, so the map cannot drift from the router.
 *
 * How: `routeMapRoutes` adds an `onRoute` hook, which sees every route registered after it (in
 * this instance and in every plugin loaded later). It must therefore be called before the feature
 * routes; it refuses to start if an /app or /mp route already exists, so a misplaced call fails
 * the boot instead of silently producing a partial map. The map is computed once, on first use,
 * after the app is ready (no route can be added then).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { buildRouteMap, type RegisteredRoute, type Service } from './route-map.js';

const RouteMapResponse = Type.Record(Type.String(), Type.String(), {
  description:
    'endpoint name → service-internal path in Flask form, e.g. "user.SMSVerificationCode": "/v1_0/sms/codes/<mobile:mobile>"',
});

const CONTRACT_ROUTE = /(^|\s)\/(app|mp)(\/|\s|$)/m;

export function routeMapRoutes(app: FastifyInstance): void {
  if (CONTRACT_ROUTE.test(app.printRoutes({ commonPrefix: false }))) {
    throw new Error(
      'routeMapRoutes must be registered before any /app or /mp route, or the route maps (A01, M01) would miss them',
    );
  }
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    routes.push({ url: route.url, params: route.schema?.params as RegisteredRoute['params'] });
  });

  const maps = new Map<Service, Record<string, string>>();
  const mapOf = (service: Service) => {
    let map = maps.get(service);
    if (!map) maps.set(service, (map = buildRouteMap(service, routes)));
    return map;
  };

  for (const service of ['app', 'mp'] as const) {
    app.get(
      `/${service}/`,
      {
        config: { auth: 'public' },
        schema: {
          tags: ['portal'],
          summary:
            service === 'app'
              ? 'Route map of the app service (A01), bare JSON'
              : 'Route map of the media platform (M01), bare JSON',
          response: { 200: RouteMapResponse },
        },
      },
      async () => mapOf(service),
    );
  }
}
