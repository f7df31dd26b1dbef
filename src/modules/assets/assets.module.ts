import { DiskStorage, registerDiskMedia, registerPrivateMedia } from '../../platform/storage/index.js';
import { defineModule } from '../module.js';
import { assetRoutes } from './assets.routes.js';

/** Built-in assets (the default avatar) and the stored media: public files on disk, signed private links. */
export const assetsModule = defineModule({
  name: 'assets',
  routes(app, _service, { platform, privateMedia }) {
    assetRoutes(app);
    if (platform.storage instanceof DiskStorage) registerDiskMedia(app, platform.storage);
    registerPrivateMedia(app, platform.storage, privateMedia);
  },
});
