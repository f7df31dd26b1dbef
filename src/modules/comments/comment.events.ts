import { defineEvents } from '../../platform/events/events.js';

declare module '../../platform/events/events.js' {
  interface DomainEvents {
    /** A44: a comment (`parentId` null) or a reply on an article written by `authorId`. */
    'comment.created': {
      actorId: bigint;
      articleId: bigint;
      authorId: bigint;
      commentId: bigint;
      parentId: bigint | null;
      at: number;
    };
  }
}

export const commentEvents = defineEvents({
  'comment.created': (e) => `comment:${e.commentId}`,
});
