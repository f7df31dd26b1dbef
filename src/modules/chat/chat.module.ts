import { RateLimiter } from '../../platform/rate-limit/index.js';
import { defineModule } from '../module.js';
import { createLikeArticleFinder } from './article-finder.js';
import { chatHandler, createChatBot, type ChatBot } from './chat.service.js';

declare module '../module.js' {
  interface ModuleServices {
    chat: ChatBot;
  }
}

/** The chat bot on the Socket.IO connection (contract §3.1). */
export const chatModule = defineModule({
  name: 'chat',
  create({ platform, realtime }) {
    const bot = createChatBot({
      finder: createLikeArticleFinder(platform.db),
      demoCode: platform.config.auth.demoSmsCode,
    });
    realtime.onConnection(
      chatHandler({
        bot,
        limiter: new RateLimiter(platform.kv, { now: platform.clock.now }),
        clock: platform.clock,
        logger: platform.logger,
      }),
    );
    return bot;
  },
});
