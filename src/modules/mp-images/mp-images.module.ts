import { defineModule } from '../module.js';
import * as mediaAssets from './migrations/0008-media-assets.js';
import { createImageLibraryRepository } from './mp-image.repository.js';
import { imageLibraryRoutes } from './mp-image.routes.js';
import { createImageLibraryService, type ImageLibraryService } from './mp-image.service.js';

declare module '../module.js' {
  interface ModuleServices {
    mpImages: ImageLibraryService;
  }
}

export const mpImagesModule = defineModule({
  name: 'mpImages',
  migrations: { '0008-media-assets': mediaAssets },
  create: ({ platform }) =>
    createImageLibraryService({
      images: createImageLibraryRepository(platform.db),
      storage: platform.storage,
      ids: platform.ids,
      clock: platform.clock,
      logger: platform.logger,
    }),
  routes: (app, mpImages, { present }) => imageLibraryRoutes(app, mpImages, present),
});
