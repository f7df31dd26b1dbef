/**
 * Long maintenance runs started by staff (the search reindex, the counters' recount) as background
 * jobs. Whichever instance runs the job writes its progress to the key-value store, so every
 * instance can report it (with Redis, the HTTP instance need not be the one running jobs). One run
 * of a kind at a time: a lock key names the running one and is kept alive by a heartbeat, so a
 * worker that dies frees it within a minute.
 */
import type { Clock } from '../../platform/clock.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/jobs.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CounterService } from '../counters/counter.service.js';
import type { SearchService } from '../search/search.service.js';

export const OPERATION_KINDS = ['reindex', 'recount'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
export type OperationState = 'running' | 'done' | 'failed';

export interface Operation {
  id: string;
  kind: OperationKind;
  state: OperationState;
  /** The step in progress: reindex index | sweep | vocabulary; recount the entity being recounted. */
  phase: string | null;
  done: number;
  total: number;
  startedAt: number;
  finishedAt: number | null;
  startedBy: string;
  result: Record<string, number> | null;
  error: string | null;
}

export const OPERATION_JOB = 'operations.run';
interface OperationJob {
  id: string;
  kind: OperationKind;
}

const STATE_TTL_MS = 7 * 86_400_000;
/** The lock outlives a missed beat or two; a dead worker's lock lapses after this. */
const LOCK_TTL_MS = 60_000;
const HEARTBEAT_MS = 15_000;
/** Progress is written at most this often (plus every phase change and the end). */
const WRITE_EVERY_MS = 250;

const stateKey = (id: string) => `ops:state:${id}`;
const lockKey = (kind: OperationKind) => `ops:running:${kind}`;
const lastKey = (kind: OperationKind) => `ops:last:${kind}`;

export class OperationRunning extends Error {
  constructor(readonly runningId: string) {
    super(`an operation of this kind is running: ${runningId}`);
    this.name = 'OperationRunning';
  }
}

export function createOperationsService(deps: {
  kv: KeyValueStore;
  jobs: JobQueue;
  ids: IdGenerators;
  clock: Clock;
  audit: AuditService;
  search: SearchService;
  counters: CounterService;
}) {
  const { kv, jobs, clock } = deps;

  const read = async (id: string): Promise<Operation | null> => {
    const text = await kv.get(stateKey(id));
    if (!text) return null;
    const op = JSON.parse(text) as Operation;
    // The runner writes the final state before it lets go of the lock, so a running state without
    // its lock means the worker died (its heartbeat stopped and the lock lapsed).
    if (op.state === 'running' && (await kv.get(lockKey(op.kind))) !== op.id) {
      return { ...op, state: 'failed', error: 'the worker running it stopped' };
    }
    return op;
  };
  const write = (op: Operation) => kv.set(stateKey(op.id), JSON.stringify(op), { ttlMs: STATE_TTL_MS });

  async function perform(op: Operation): Promise<Record<string, number>> {
    let lastWrite = 0;
    let pending: Promise<unknown> = Promise.resolve();
    const progress = (phase: string, done: number, total: number) => {
      const changed = phase !== op.phase;
      Object.assign(op, { phase, done, total });
      const now = clock.now();
      if (!changed && now - lastWrite < WRITE_EVERY_MS) return;
      lastWrite = now;
      // Chained: writes land in order, and the run never waits on the store between batches.
      pending = pending.then(() => write({ ...op })).catch(() => {});
    };
    try {
      if (op.kind === 'reindex') {
        const result = await deps.search.reindex({ onProgress: (p) => progress(p.phase, p.done, p.total) });
        return { ...result };
      }
      const result = await deps.counters.recount({ onProgress: (p) => progress(p.entity, p.done, p.total) });
      return { ...result };
    } finally {
      await pending;
    }
  }

  return {
    kinds: OPERATION_KINDS,

    /** Queues a run; throws OperationRunning with the running one's id when one of this kind runs. */
    async start(kind: OperationKind, actorId: bigint): Promise<Operation> {
      const id = String(deps.ids.content());
      if (!(await kv.set(lockKey(kind), id, { onlyIfAbsent: true, ttlMs: LOCK_TTL_MS }))) {
        const running = await kv.get(lockKey(kind));
        // The lock lapsed between the two calls: let the caller try again rather than guess.
        throw new OperationRunning(running ?? '');
      }
      const op: Operation = {
        id,
        kind,
        state: 'running',
        phase: null,
        done: 0,
        total: 0,
        startedAt: clock.now(),
        finishedAt: null,
        startedBy: String(actorId),
        result: null,
        error: null,
      };
      try {
        await write(op);
        await kv.set(lastKey(kind), id, { ttlMs: STATE_TTL_MS });
        await jobs.enqueue<OperationJob>(OPERATION_JOB, { id, kind }, { attempts: 1 });
      } catch (error) {
        await kv.del(lockKey(kind));
        throw error;
      }
      await deps.audit.record({ actorId, action: `operation.${kind}`, targetType: 'operation', targetId: id });
      return op;
    },

    get: read,

    /** The newest run of `kind` (running or finished within a week), or null. */
    async latest(kind: OperationKind): Promise<Operation | null> {
      const id = await kv.get(lastKey(kind));
      return id ? read(id) : null;
    },

    /** The job: runs the operation here, keeping the lock alive, and records how it ended. */
    async run(job: OperationJob): Promise<void> {
      const op = await read(job.id);
      if (!op || op.state !== 'running') return;
      const beat = setInterval(() => {
        void kv.expire(lockKey(op.kind), LOCK_TTL_MS).catch(() => {});
      }, HEARTBEAT_MS);
      beat.unref();
      try {
        const result = await perform(op);
        // The last report is the finished count: a bar that ends at 100 %.
        Object.assign(op, { state: 'done', done: op.total, result, finishedAt: clock.now() });
      } catch (error) {
        Object.assign(op, {
          state: 'failed',
          error: (error as Error)?.message ?? String(error),
          finishedAt: clock.now(),
        });
      } finally {
        clearInterval(beat);
      }
      await write(op);
      // Only our own lock: a lapsed one may already name a newer run.
      if ((await kv.get(lockKey(op.kind))) === op.id) await kv.del(lockKey(op.kind));
    },
  };
}

export type OperationsService = ReturnType<typeof createOperationsService>;
