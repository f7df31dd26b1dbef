/**
 * Where worker-id leases live: in Redis when the site has one (every node sees it), otherwise in
 * the database (`worker_leases`), which every node of a site shares by definition. Both stores
 * give the same guarantees: taking an id is one atomic step that succeeds only when the id is free
 * or its lease has expired, and only the holder (its random `owner` token) can extend or release.
 */
import type { Redis } from 'ioredis';
import type { Db } from '../db/database.js';
import { onConflictIgnore } from '../db/dialect.js';
import { ioredis } from '../kv/redis-kv.js';

export const MAX_WORKER_ID = 1023;

export interface LeaseHolder {
  /** Random per process: a restarted process is a new holder. */
  owner: string;
  node: string;
  scheduler: boolean;
}

export interface LiveLease extends LeaseHolder {
  workerId: number;
}

export interface LeaseStore {
  readonly kind: 'redis' | 'database';
  /** Takes `workerId` when it is free or its lease expired; true when `holder` now holds it. */
  acquire(workerId: number, holder: LeaseHolder, ttlMs: number): Promise<boolean>;
  /** Extends a lease `holder` still holds (and records its scheduler flag); false when it was lost. */
  extend(workerId: number, holder: LeaseHolder, ttlMs: number): Promise<boolean>;
  release(workerId: number, holder: LeaseHolder): Promise<void>;
  /** Every unexpired lease of the site. */
  live(): Promise<LiveLease[]>;
  close(): Promise<void>;
}

// Values are `owner|node|0/1`; the owner token alone decides who holds the key.
const EXTEND = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

const RELEASE = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisLeaseStore implements LeaseStore {
  readonly kind = 'redis';
  private readonly client: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // A connection of its own with bounded commands: a heartbeat that cannot reach Redis must fail
    // fast so the fence (which stops minting when the lease may have lapsed) is decided in time,
    // and /readyz (which lists the live schedulers) must answer within a second during an outage.
    this.client = new (ioredis().Redis)(url, {
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      enableOfflineQueue: true,
    });
    this.client.on('error', () => {});
  }

  private key(workerId: number): string {
    return `${this.prefix}worker-lease:${workerId}`;
  }

  private value(holder: LeaseHolder): string {
    return `${holder.owner}|${holder.node}|${holder.scheduler ? 1 : 0}`;
  }

  async acquire(workerId: number, holder: LeaseHolder, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.key(workerId), this.value(holder), 'PX', ttlMs, 'NX')) === 'OK';
  }

  async extend(workerId: number, holder: LeaseHolder, ttlMs: number): Promise<boolean> {
    return (await this.client.eval(EXTEND, 1, this.key(workerId), `${holder.owner}|`, this.value(holder), ttlMs)) === 1;
  }

  async release(workerId: number, holder: LeaseHolder): Promise<void> {
    await this.client.eval(RELEASE, 1, this.key(workerId), `${holder.owner}|`);
  }

  async live(): Promise<LiveLease[]> {
    const keys: string[] = [];
    const pattern = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}worker-lease:*`;
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.client.mget(keys);
    const leases: LiveLease[] = [];
    keys.forEach((key, i) => {
      const [owner, node, scheduler] = values[i]?.split('|') ?? [];
      if (owner === undefined || node === undefined) return;
      leases.push({ workerId: Number(key.slice(key.lastIndexOf(':') + 1)), owner, node, scheduler: scheduler === '1' });
    });
    return leases.sort((a, b) => a.workerId - b.workerId);
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

export class DatabaseLeaseStore implements LeaseStore {
  readonly kind = 'database';

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(workerId: number, holder: LeaseHolder, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const row = {
      owner: holder.owner,
      node: holder.node,
      scheduler: holder.scheduler ? 1 : 0,
      expires_at: now + ttlMs,
    };
    const inserted = await onConflictIgnore(
      this.db,
      this.db.insertInto('worker_leases').values({ worker_id: BigInt(workerId), ...row }),
      ['worker_id'],
    ).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return true;
    // Taking over an expired lease is one conditional UPDATE, so two takers cannot both win.
    const stolen = await this.db
      .updateTable('worker_leases')
      .set({ ...row, beats: (eb) => eb('beats', '+', 1) })
      .where('worker_id', '=', BigInt(workerId))
      .where('expires_at', '<', now)
      .executeTakeFirst();
    return Number(stolen.numUpdatedRows) === 1;
  }

  async extend(workerId: number, holder: LeaseHolder, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('worker_leases')
      .set({ expires_at: this.now() + ttlMs, scheduler: holder.scheduler ? 1 : 0, beats: (eb) => eb('beats', '+', 1) })
      .where('worker_id', '=', BigInt(workerId))
      .where('owner', '=', holder.owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(workerId: number, holder: LeaseHolder): Promise<void> {
    await this.db
      .deleteFrom('worker_leases')
      .where('worker_id', '=', BigInt(workerId))
      .where('owner', '=', holder.owner)
      .execute();
  }

  async live(): Promise<LiveLease[]> {
    const rows = await this.db
      .selectFrom('worker_leases')
      .select(['worker_id', 'owner', 'node', 'scheduler'])
      .where('expires_at', '>=', this.now())
      .orderBy('worker_id')
      .execute();
    return rows.map((r) => ({
      workerId: Number(r.worker_id),
      owner: r.owner,
      node: r.node,
      scheduler: r.scheduler === 1,
    }));
  }

  async close(): Promise<void> {}
}

/** Redis when the site has it (the store every node already shares for locks), else the database. */
export function createLeaseStore(options: { redisUrl?: string; redisPrefix: string }, db: Db): LeaseStore {
  return options.redisUrl ? new RedisLeaseStore(options.redisUrl, options.redisPrefix) : new DatabaseLeaseStore(db);
}
