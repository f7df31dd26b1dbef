import { defineModule } from '../module.js';
import { consoleRoutes } from './console.routes.js';

/** The operator's console at /admin/: pages only, over the other modules' services. */
export const consoleModule = defineModule({
  name: 'console',
  routes: (app, _service, ctx) => consoleRoutes(app, ctx),
});
