/**
 * Every notification type, written once. A new type is a new member of NotificationFact; the
 * compiler then refuses the build until NOTIFICATION_TYPES has its entry (`satisfies Record<…>`)
 * and dedupeKeyOf its case (`assertNever`), so no type can fall into another's branch.
 */
import { assertNever } from '../../platform/exhaustive.js';

/** What happened, with exactly the ids that type of notification is about. */
export type NotificationFact =
  | { type: 'follow'; recipientId: bigint; actorId: bigint; at: number }
  | { type: 'like'; recipientId: bigint; actorId: bigint; articleId: bigint; at: number }
  | { type: 'comment'; recipientId: bigint; actorId: bigint; articleId: bigint; commentId: bigint; at: number };

export type NotificationType = NotificationFact['type'];

export interface NotificationSpec {
  /** The contract's Socket.IO event name (with the space). */
  socketEvent: string;
  /** A08's path letter: `/app/imtest/f`. */
  testLetter: string;
}

export const NOTIFICATION_TYPES = {
  follow: { socketEvent: 'following notify', testLetter: 'f' },
  like: { socketEvent: 'liking notify', testLetter: 'l' },
  comment: { socketEvent: 'comment notify', testLetter: 'c' },
} as const satisfies Record<NotificationType, NotificationSpec>;

export const NOTIFICATION_TYPE_NAMES = Object.keys(NOTIFICATION_TYPES) as NotificationType[];

/**
 * One stored row per repeatable fact: following, unfollowing and following again refreshes the
 * row instead of piling up copies; each comment is its own fact.
 */
export function dedupeKeyOf(fact: NotificationFact): string {
  switch (fact.type) {
    case 'follow':
      return `follow:${fact.actorId}`;
    case 'like':
      return `like:${fact.actorId}:${fact.articleId}`;
    case 'comment':
      return `comment:${fact.commentId}`;
    default:
      return assertNever(fact, 'notification type');
  }
}
