import { defineEvents } from '../../platform/events/events.js';

declare module '../../platform/events/events.js' {
  interface DomainEvents {
    /** A35: `actorId` liked an article written by `authorId`. */
    'article.liked': { actorId: bigint; articleId: bigint; authorId: bigint; at: number };
  }
}

export const engagementEvents = defineEvents({
  'article.liked': (e) => `article:${e.articleId}`,
});
