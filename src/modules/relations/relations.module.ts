import { defineModule } from '../module.js';
import { relationEvents } from './relation.events.js';
import { createRelationRepository } from './relation.repository.js';
import { relationRoutes } from './relation.routes.js';
import { createRelationService, type RelationService } from './relation.service.js';

declare module '../module.js' {
  interface ModuleServices {
    relations: RelationService;
  }
}

export const relationsModule = defineModule({
  name: 'relations',
  needs: ['counters'],
  events: relationEvents,
  create: ({ platform, counters }) =>
    createRelationService({
      relations: createRelationRepository(platform.db),
      counters,
      events: platform.events,
      clock: platform.clock,
    }),
  routes: (app, relations, { present }) => relationRoutes(app, relations, present),
});
