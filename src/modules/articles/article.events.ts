import { defineEvents } from '../../platform/events/events.js';

declare module '../../platform/events/events.js' {
  interface DomainEvents {
    /**
     * An article became visible, changed or disappeared for readers (caches, search index). Published
     * by the modules that change articles (media platform, moderation); declared here, by their owner.
     */
    'article.changed': { articleId: bigint; visible: boolean; at: number };
  }
}

export const articleEvents = defineEvents({
  'article.changed': (e) => `article:${e.articleId}`,
});
