import { defineModule } from '../module.js';
import { createChannelRepository } from './channel.repository.js';
import { channelRoutes } from './channel.routes.js';
import { createChannelService, type ChannelService } from './channel.service.js';

declare module '../module.js' {
  interface ModuleServices {
    channels: ChannelService;
  }
}

export const channelsModule = defineModule({
  name: 'channels',
  create: ({ platform }) =>
    createChannelService({
      channels: createChannelRepository(platform.db),
      cache: platform.cache,
      now: platform.clock.now,
    }),
  routes: (app, channels) => channelRoutes(app, channels),
});
