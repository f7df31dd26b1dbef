import type { PresenterContext } from '../../platform/presenter.js';
import type { Operation } from './operations.service.js';

export function presentOperation(present: PresenterContext, op: Operation) {
  return {
    ...op,
    startedAt: present.time.iso(op.startedAt),
    finishedAt: op.finishedAt === null ? null : present.time.iso(op.finishedAt),
  };
}
