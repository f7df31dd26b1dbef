import { defineModule } from '../module.js';
import { routeMapRoutes } from './route-map.routes.js';

/** A01/M01 list every route registered after this module's: it comes first in ./index.ts. */
export const routeMapModule = defineModule({
  name: 'routeMap',
  routes: (app) => routeMapRoutes(app),
});
