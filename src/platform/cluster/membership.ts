/**
 * Each process's Snowflake worker id, leased from a store every node shares (leases.ts), so no
 * operator hands out WORKER_IDs and two processes never mint with the same one.
 *
 * Fencing: a lease is only trusted until `validUntil`, counted from the moment the last successful
 * acquire/extend was *sent* and ending `fenceMarginMs` before the store itself lets the id go. Ids
 * are minted only inside that window, so a process that is paused, partitioned or whose heartbeats
 * fail stops minting before anyone else can take its id over; it mints again only once it holds a
 * lease again (the same id, or a free one).
 *
 * The leases double as the site's list of live processes: which nodes share the database (for the
 * local-media warning) and whether any process runs the scheduler.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../config.js';
import { AppError } from '../http/errors.js';
import { MAX_WORKER_ID, type LeaseHolder, type LeaseStore, type LiveLease } from './leases.js';

export interface MembershipLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MembershipOptions {
  store: LeaseStore;
  /** Processes with the same node id share local files (see nodeId). */
  node: string;
  /** WORKER_ID when the operator set one: that id or nothing. */
  workerId: number | null;
  ttlMs?: number;
  heartbeatMs?: number;
  /** Minting stops this long before the lease expires in the store (covers clock skew between nodes). */
  fenceMarginMs?: number;
  /**
   * How long an explicit WORKER_ID held by another process is waited for before the boot fails:
   * a process killed without releasing its lease holds it until the lease expires (default: one TTL).
   */
  conflictWaitMs?: number;
  logger: MembershipLogger;
  now?: () => number;
  /** Called after every heartbeat once the process announced its role, with the live leases of the site. */
  onBeat?: (live: LiveLease[]) => void;
}

/** Minting refused: this process holds no valid worker-id lease right now. */
export class WorkerIdUnavailableError extends AppError {
  constructor() {
    super('service_unavailable', 'Service temporarily unavailable; try again.', { 'retry-after': '5' });
    this.name = 'WorkerIdUnavailableError';
  }
}

/** A node's identity is stored in its DATA_DIR, so processes (or hosts) sharing one DATA_DIR are one node for local files. */
export function nodeId(dataDir: string): string {
  const file = path.join(dataDir, 'node-id');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const id = `${hostname().slice(0, 40)}-${randomBytes(6).toString('hex')}`;
    try {
      fs.writeFileSync(file, id + '\n', { flag: 'wx' });
      return id;
    } catch {
      // Another process of this node created it first: use theirs.
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}

export class Membership {
  readonly holder: LeaseHolder;
  readonly store: LeaseStore;
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private readonly fenceMarginMs: number;
  private readonly logger: MembershipLogger;
  private readonly now: () => number;
  private readonly explicit: number | null;
  private readonly onBeat?: (live: LiveLease[]) => void;
  private current: number | null = null;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;
  private announced = false;
  private closed = false;

  private constructor(options: MembershipOptions) {
    this.store = options.store;
    this.holder = { owner: randomBytes(12).toString('hex'), node: options.node, scheduler: false };
    this.ttlMs = options.ttlMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.floor(this.ttlMs / 3);
    this.fenceMarginMs = options.fenceMarginMs ?? Math.floor(this.ttlMs / 3);
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.explicit = options.workerId;
    this.onBeat = options.onBeat;
  }

  /** Leases a worker id (the explicit one, or the lowest free one) and starts the heartbeat. */
  static async join(options: MembershipOptions): Promise<Membership> {
    const membership = new Membership(options);
    let id: number | null;
    try {
      id = await membership.lease(null);
      const waitUntil = Date.now() + (options.conflictWaitMs ?? membership.ttlMs + 1_000);
      while (id === null && membership.explicit !== null && Date.now() < waitUntil) {
        await sleep(Math.min(1_000, membership.heartbeatMs));
        id = await membership.lease(null);
      }
    } catch (error) {
      await membership.store.close();
      throw error;
    }
    if (id === null) {
      const holder = (await options.store.live().catch(() => [])).find((l) => l.workerId === membership.explicit);
      await membership.store.close();
      if (membership.explicit === null)
        throw new Error(`no free worker id: all ${MAX_WORKER_ID + 1} are leased by live processes`);
      throw new ConfigError(
        'WORKER_ID',
        `${membership.explicit} is in use by a live process${holder ? ` on node ${holder.node}` : ''}; ` +
          'give each process its own WORKER_ID, or unset WORKER_ID to lease a free one automatically',
      );
    }
    membership.logger.info({ workerId: id, leases: membership.store.kind }, 'worker id leased');
    membership.timer = setInterval(() => void membership.beat(), membership.heartbeatMs);
    membership.timer.unref();
    return membership;
  }

  /** The id to mint with; throws while this process holds no valid lease (fencing). */
  workerId(): number {
    if (this.current === null || this.now() >= this.validUntil) throw new WorkerIdUnavailableError();
    return this.current;
  }

  /**
   * A long-running process (serve, worker) says whether it runs the scheduler; other nodes see it
   * at once, and from now on each heartbeat also checks the site (onBeat). One-off commands never
   * announce, so they neither count as schedulers nor warn.
   */
  async announce(role: { scheduler: boolean }): Promise<void> {
    this.holder.scheduler = role.scheduler;
    this.announced = true;
    await this.beat();
  }

  /** Every live process of the site (across nodes), from the lease store. */
  live(): Promise<LiveLease[]> {
    return this.store.live();
  }

  /** One heartbeat now (also run on the timer); never rejects. Concurrent calls share one beat. */
  beat(): Promise<void> {
    this.beating ??= this.extendOrRelease().finally(() => (this.beating = undefined));
    return this.beating;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.beating;
    this.validUntil = 0;
    if (this.current !== null) await this.store.release(this.current, this.holder).catch(() => {});
    await this.store.close();
  }

  private async extendOrRelease(): Promise<void> {
    if (this.closed) return;
    let lost: number | null = null;
    try {
      if (this.current !== null) {
        const sent = this.now();
        if (await this.store.extend(this.current, this.holder, this.ttlMs)) {
          this.validUntil = sent + this.ttlMs - this.fenceMarginMs;
        } else {
          this.logger.error(
            { workerId: this.current },
            'worker id lease lost (expired or taken over); not minting ids until a lease is held again',
          );
          this.validUntil = 0;
          lost = this.current;
          this.current = null;
        }
      }
      if (this.current === null) {
        const id = await this.lease(lost);
        if (id !== null) this.logger.warn({ workerId: id }, 'worker id leased again; minting ids resumes');
      }
      if (this.failing) this.logger.info({ workerId: this.current }, 'worker id lease store reachable again');
      this.failing = false;
      if (this.onBeat && this.announced) this.onBeat(await this.store.live());
    } catch (err) {
      if (!this.failing)
        this.logger.warn(
          { err, workerId: this.current },
          'worker id heartbeat failed; ids stop being minted if it keeps failing',
        );
      this.failing = true;
    }
  }

  /** The explicit id, or the lowest id not held by a live process (the last one held is tried first). */
  private async lease(previous: number | null = null): Promise<number | null> {
    const candidates: number[] = [];
    if (this.explicit !== null) candidates.push(this.explicit);
    else {
      const taken = new Set((await this.store.live()).map((l) => l.workerId));
      for (let id = 0; id <= MAX_WORKER_ID; id++) if (!taken.has(id)) candidates.push(id);
      if (previous !== null && !taken.has(previous)) candidates.unshift(previous);
    }
    // Losing a race for one id just means trying the next.
    for (const id of candidates) {
      const sent = this.now();
      if (await this.store.acquire(id, this.holder, this.ttlMs)) {
        this.current = id;
        this.validUntil = sent + this.ttlMs - this.fenceMarginMs;
        return id;
      }
    }
    return null;
  }
}
