import { defineModule } from '../module.js';
import { webRoutes } from './web.routes.js';

/** The reader site: pages only, over the other modules' services (no service of its own). */
export const webModule = defineModule({
  name: 'web',
  routes: (app, _service, ctx) => webRoutes(app, ctx),
});
