import { defineEvents } from '../../platform/events/events.js';

declare module '../../platform/events/events.js' {
  interface DomainEvents {
    /** A20: `actorId` started following `targetUserId`. */
    'user.followed': { actorId: bigint; targetUserId: bigint; at: number };
  }
}

export const relationEvents = defineEvents({
  'user.followed': (e) => `user:${e.targetUserId}`,
});
