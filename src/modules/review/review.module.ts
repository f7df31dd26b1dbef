import { defineModule } from '../module.js';
import * as sensitiveWords from './migrations/0013-sensitive-words.js';
import { createReviewPolicy, type ReviewPolicy } from './review.policy.js';
import { createModerationRepository, type ModerationRepository } from './review.repository.js';
import { createSensitiveWordsRepository } from './sensitive-words.repository.js';
import { sensitiveWordRoutes } from './sensitive-words.routes.js';
import { createSensitiveWordsService, type SensitiveWordsService } from './sensitive-words.service.js';

export interface ReviewModule {
  /** What happens to a submitted article (the media platform's `ReviewHooks`). */
  policy: ReviewPolicy;
  /** The decision log: every approval, rejection and ban, automatic or by a moderator. */
  decisions: ModerationRepository;
  /** The editable sensitive-word list and the matcher built from it (`words.filter`). */
  words: SensitiveWordsService;
}

declare module '../module.js' {
  interface ModuleServices {
    review: ReviewModule;
  }
}

export const reviewModule = defineModule({
  name: 'review',
  needs: ['audit'],
  migrations: { '0013-sensitive-words': sensitiveWords },
  create({ platform, audit }) {
    const decisions = createModerationRepository(platform.db);
    return {
      policy: createReviewPolicy({ policy: platform.config.reviewPolicy, decisions, ids: platform.ids }),
      decisions,
      words: createSensitiveWordsService({
        db: platform.db,
        repository: createSensitiveWordsRepository(platform.db),
        kv: platform.kv,
        audit,
        clock: platform.clock,
        file: platform.config.sensitiveWordsFile,
        logger: platform.logger.child({ part: 'sensitive-words' }),
      }),
    };
  },
  routes: (app, review, { present }) => sensitiveWordRoutes(app, review.words, present),
  // Before the app listens: the first submission is screened with the table's list.
  async onReady(review) {
    await review.words.load();
    review.words.start();
  },
  onClose: (review) => review.words.stop(),
});
