import { defineModule } from '../module.js';
import { createChannelAdminRepository } from './channel-admin.repository.js';
import { channelAdminRoutes } from './channel-admin.routes.js';
import { createChannelAdminService, type ChannelAdminService } from './channel-admin.service.js';
import { createChannelRepository } from './channel.repository.js';
import { channelRoutes } from './channel.routes.js';
import { createChannelService, type ChannelService } from './channel.service.js';

declare module '../module.js' {
  interface ModuleServices {
    /** The readers' channels, plus `admin`: the admins' edits of the catalogue. */
    channels: ChannelService & { admin: ChannelAdminService };
  }
}

export const channelsModule = defineModule({
  name: 'channels',
  needs: ['audit'],
  create: ({ platform, audit }) => {
    const channels = createChannelService({
      channels: createChannelRepository(platform.db),
      cache: platform.cache,
      now: platform.clock.now,
    });
    return {
      ...channels,
      admin: createChannelAdminService({
        db: platform.db,
        repository: createChannelAdminRepository(platform.db),
        audit,
        invalidateCatalog: channels.invalidateCatalog,
        now: platform.clock.now,
      }),
    };
  },
  routes: (app, channels, { present }) => {
    channelRoutes(app, channels);
    channelAdminRoutes(app, channels.admin, present);
  },
});
