import { defineModule } from '../module.js';
import { healthRoutes } from './health.routes.js';

export const healthModule = defineModule({
  name: 'health',
  routes: (app, _service, { platform }) => healthRoutes(app, platform),
});
