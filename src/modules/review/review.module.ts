import { defineModule } from '../module.js';
import { createReviewPolicy, type ReviewPolicy } from './review.policy.js';
import { createModerationRepository, type ModerationRepository } from './review.repository.js';

export interface ReviewModule {
  /** What happens to a submitted article (the media platform's `ReviewHooks`). */
  policy: ReviewPolicy;
  /** The decision log: every approval, rejection and ban, automatic or by a moderator. */
  decisions: ModerationRepository;
}

declare module '../module.js' {
  interface ModuleServices {
    review: ReviewModule;
  }
}

export const reviewModule = defineModule({
  name: 'review',
  create({ platform }) {
    const decisions = createModerationRepository(platform.db);
    return {
      policy: createReviewPolicy({ policy: platform.config.reviewPolicy, decisions, ids: platform.ids }),
      decisions,
    };
  },
});
