/**
 * The review policy: what happens to an article the moment it is submitted (status 1).
 * - `auto` (the embedded default): approved at once when the sensitive-word filter found nothing
 *   in its title and text; otherwise it stays pending for a moderator.
 * - `manual`: every submission waits for a moderator.
 * Automatic approvals are logged like a moderator's, with moderator_id null.
 */
import type { IdGenerators } from '../../platform/ids.js';
import type { ReviewHooks, Submission } from '../mp-articles/mp-article.service.js';
import type { ModerationRepository } from './review.repository.js';

export type ReviewPolicyName = 'auto' | 'manual';
export const REVIEW_POLICIES: readonly ReviewPolicyName[] = ['auto', 'manual'];

export interface ReviewPolicy extends ReviewHooks {
  readonly name: ReviewPolicyName;
}

export function createReviewPolicy(deps: {
  policy: ReviewPolicyName;
  decisions: ModerationRepository;
  ids: IdGenerators;
}): ReviewPolicy {
  const { policy, decisions, ids } = deps;
  if (!REVIEW_POLICIES.includes(policy)) throw new Error(`Unknown review policy "${String(policy)}" (auto or manual)`);
  return {
    name: policy,
    screen(submission: Submission) {
      return policy === 'auto' && submission.flags.length === 0 ? 'approve' : 'hold';
    },
    async recordAutomatic(trx, entry) {
      await decisions.insert(trx, {
        id: ids.content(),
        article_id: entry.articleId,
        moderator_id: null,
        decision: 'approve',
        reason: null,
        from_status: entry.fromStatus,
        to_status: entry.toStatus,
        created_at: entry.at,
      });
    },
  };
}
