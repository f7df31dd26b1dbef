import { defineEvents } from '../../platform/events/events.js';

declare module '../../platform/events/events.js' {
  interface DomainEvents {
    /** An announcement was published. */
    'announcement.published': { announcementId: bigint; title: string; at: number };
  }
}

export const announcementEvents = defineEvents({
  'announcement.published': (e) => `announcement:${e.announcementId}`,
});
