/**
 * The media platform's publishing pipeline, wired in one place (services.ts calls this once;
 * tests build it again with other options): the HTML sanitizer, the sensitive-word filter, the
 * review policy, the author's article service (M10–M15) and moderation.
 *
 * Options a deployment sets (to be read from config: REVIEW_POLICY, CONTENT_IMAGE_ORIGINS and a
 * sensitive-word list file):
 * - `reviewPolicy`: 'auto' (default: clean submissions are approved at once, flagged ones wait)
 *   or 'manual' (everything waits for a moderator);
 * - `imageOrigins`: extra origins or URL prefixes article images may come from, besides
 *   PUBLIC_URL and the storage's public base (always allowed);
 * - `sensitiveWords`: the word list (`words`, or `file` with optional `watchMs` polling).
 */
import type { Platform } from '../../platform/platform.js';
import { createHtmlSanitizer } from '../../platform/sanitize/html.js';
import { createSensitiveWordFilter, type SensitiveWordOptions } from '../../platform/sanitize/sensitive-words.js';
import type { UserLookup } from '../users/roles.js';
import type { CounterService } from '../counters/counter.service.js';
import { createReviewPolicy, type ReviewPolicyName } from '../moderation/moderation.policy.js';
import { createModerationRepository } from '../moderation/moderation.repository.js';
import { createModerationService } from '../moderation/moderation.service.js';
import { createMpArticleRepository } from './mp-article.repository.js';
import { createMpArticleService, storageBase } from './mp-article.service.js';

export interface MediaPlatformOptions {
  reviewPolicy?: ReviewPolicyName;
  imageOrigins?: readonly string[];
  sensitiveWords?: SensitiveWordOptions;
}

export interface MediaPlatformShared {
  counters: CounterService;
  channels: { isVisible(id: bigint): Promise<boolean> };
  users: UserLookup;
}

export function createMediaPlatform(
  platform: Pick<Platform, 'db' | 'ids' | 'clock' | 'events' | 'storage' | 'config'>,
  shared: MediaPlatformShared,
  options: MediaPlatformOptions = {},
) {
  const { db, ids, clock, events, storage, config } = platform;
  const base = storageBase(storage);
  const sanitizer = createHtmlSanitizer({
    imageOrigins: [config.publicUrl, ...(base ? [base] : []), ...(options.imageOrigins ?? [])],
  });
  const words = createSensitiveWordFilter(options.sensitiveWords);
  const decisions = createModerationRepository(db);
  const policy = createReviewPolicy({ policy: options.reviewPolicy ?? 'auto', decisions, ids });
  const articles = createMpArticleService({
    articles: createMpArticleRepository(db),
    channels: shared.channels,
    sanitizer,
    words,
    review: policy,
    counters: shared.counters,
    events,
    ids,
    clock,
    storage,
    timeZone: config.timeZone,
  });
  const moderation = createModerationService({ articles, decisions, users: shared.users, ids });
  return { articles, moderation, words, sanitizer, policy };
}

export type MediaPlatform = ReturnType<typeof createMediaPlatform>;
