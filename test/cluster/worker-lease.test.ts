/**
 * Worker-id leases on the store the matrix selects (Redis with TEST_REDIS=1, else the database):
 * acquire, heartbeat, expiry, take-over with fencing, and a conflicting WORKER_ID stopping the boot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import { moduleSchema } from '../../src/services.js';
import { createLeaseStore, type LeaseStore } from '../../src/platform/cluster/leases.js';
import { Membership, WorkerIdUnavailableError, type MembershipOptions } from '../../src/platform/cluster/membership.js';
import { buildTestApp, testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { pause, until } from '../helpers/wait.js';

const silent = { info() {}, warn() {}, error() {} };

let env: Awaited<ReturnType<typeof testEnvironment>>;
let database: ReturnType<typeof openDatabase>;
const joined: Membership[] = [];

function store(): LeaseStore {
  const config = loadConfig(env.env);
  return createLeaseStore(config, database.db);
}

async function join(options: Partial<MembershipOptions> = {}): Promise<Membership> {
  const membership = await Membership.join({
    store: store(),
    node: 'node-a',
    workerId: null,
    logger: silent,
    conflictWaitMs: 0,
    ...options,
  });
  joined.push(membership);
  return membership;
}

describe(`worker-id leases (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    env = await testEnvironment();
    database = openDatabase(env.env.DATABASE_URL!);
    await migrateToLatest(database.db, moduleSchema().migrations);
  });
  afterAll(async () => {
    for (const m of joined) await m.close();
    await database?.close();
    await env?.cleanup();
  });

  it('gives every process its own id, the lowest free one, and lists them as live', async () => {
    const a = await join();
    const b = await join({ node: 'node-b' });
    expect(a.store.kind).toBe(testRedis ? 'redis' : 'database');
    expect([a.workerId(), b.workerId()]).toEqual([0, 1]);
    const live = await a.live();
    expect(live.map((l) => [l.workerId, l.node])).toEqual([
      [0, 'node-a'],
      [1, 'node-b'],
    ]);
    await b.close();
    // A released id is free at once; the closed process refuses to mint.
    expect(() => b.workerId()).toThrow(WorkerIdUnavailableError);
    const c = await join();
    expect(c.workerId()).toBe(1);
    await a.close();
    await c.close();
  });

  it('waits for an explicit WORKER_ID whose holder died without releasing it', async () => {
    // Never heartbeats nor releases: a process killed with SIGKILL.
    const dead = await join({ workerId: 9, ttlMs: 1_500, heartbeatMs: 3_600_000 });
    const started = Date.now();
    const next = await join({ workerId: 9, conflictWaitMs: 10_000 });
    expect(next.workerId()).toBe(9);
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(() => dead.workerId()).toThrow(WorkerIdUnavailableError);
    await next.close();
  });

  it('refuses an explicit WORKER_ID that a live process holds, naming the variable', async () => {
    const holder = await join({ workerId: 7, node: 'node-x' });
    const error = await join({ workerId: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/WORKER_ID 7 is in use by a live process on node node-x/);
    expect(holder.workerId()).toBe(7);
    await holder.close();
    // Once released, the same explicit id is taken without complaint.
    const again = await join({ workerId: 7 });
    expect(again.workerId()).toBe(7);
    await again.close();
  });

  it('keeps a lease alive by heartbeat well past its time to live', async () => {
    const a = await join({ workerId: 20, ttlMs: 1_500, heartbeatMs: 100, fenceMarginMs: 500 });
    await pause(3_000); // twice the time to live: only the heartbeat can have kept the lease
    expect(a.workerId()).toBe(20);
    await expect(join({ workerId: 20 })).rejects.toThrow(/WORKER_ID 20 is in use/);
    await a.close();
  });

  it('lets another process take an expired lease, and fences the old holder until it leases a new id', async () => {
    // No heartbeat: the lease runs out as if the process were paused or cut off.
    const old = await join({ workerId: null, ttlMs: 2_000, heartbeatMs: 3_600_000, fenceMarginMs: 1_500 });
    const id = old.workerId();
    // The fence closes before the store lets the id go.
    await until('the old holder is fenced', () => {
      try {
        old.workerId();
        return false;
      } catch (e) {
        return e instanceof WorkerIdUnavailableError;
      }
    });
    await expect(join({ workerId: id })).rejects.toThrow(/in use/);
    await until('the store lets the id go', async () => (await store().live()).every((l) => l.workerId !== id));
    const thief = await join({ workerId: id });
    expect(thief.workerId()).toBe(id);
    // The old holder wakes up: its extend fails, it never mints with the stolen id, and leases another.
    await old.beat();
    const now = old.workerId();
    expect(now).not.toBe(id);
    const owners = (await store().live()).filter((l) => l.workerId === id);
    expect(owners).toHaveLength(1);
    expect(owners[0]!.owner).toBe(thief.holder.owner);
    await old.close();
    await thief.close();
  });

  it('records which process runs the scheduler', async () => {
    const a = await join();
    const b = await join();
    await a.announce({ scheduler: false });
    await b.announce({ scheduler: true });
    const live = await a.live();
    expect(live.find((l) => l.owner === a.holder.owner)?.scheduler).toBe(false);
    expect(live.find((l) => l.owner === b.holder.owner)?.scheduler).toBe(true);
    await a.close();
    await b.close();
  });
});

describe(`WORKER_ID at boot (db=${testDb}, redis=${testRedis})`, () => {
  it('stops the boot of a second app that names a WORKER_ID the first one holds', { timeout: 150_000 }, async () => {
    const first = await buildTestApp({ WORKER_ID: '5' });
    try {
      const shared = {
        DATABASE_URL: first.config.databaseUrl,
        ...(first.config.redisUrl ? { REDIS_URL: first.config.redisUrl, REDIS_PREFIX: first.config.redisPrefix } : {}),
      };
      // The wait for a dead holder is proven above; here, the boot's answer to a live one.
      await expect(buildTestApp({ ...shared, WORKER_ID: '5', WORKER_ID_WAIT_MS: '0' })).rejects.toThrow(
        /WORKER_ID 5 is in use/,
      );
      // Without WORKER_ID the second app leases a free id and both mint distinct ids.
      const second = await buildTestApp(shared);
      try {
        const ids = new Set<bigint>();
        for (let i = 0; i < 2_000; i++) ids.add(first.platform.ids.content()).add(second.platform.ids.content());
        expect(ids.size).toBe(4_000);
        expect(second.platform.cluster.workerId()).not.toBe(5);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
});
