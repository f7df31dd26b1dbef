/**
 * Who is online (seed 003's `app_online` flag, done so that it cannot go stale): a user is online
 * while at least one of their sockets is connected, on any node.
 *
 * Each process counts its own sockets per user in memory; that count is the truth for this node.
 * With Redis, every node also mirrors its counts into the shared key-value store:
 *
 *   rt:presence:<userId>    hash  nodeId → sockets of that user on that node
 *   rt:nodes                zset  nodeId → last heartbeat (ms)
 *   rt:node-users:<nodeId>  zset  the users that node has counted (for cleanup)
 *
 * A node heartbeats every HEARTBEAT_MS. A count only counts while its node's heartbeat is younger
 * than NODE_TTL_MS, so when a node crashes (no disconnect events, no cleanup) its users stop
 * counting as online within NODE_TTL_MS; the next heartbeat of any live node then sweeps the dead
 * node's fields away. A node that was wrongly declared dead (a long pause) notices that its
 * heartbeat entry had been removed and re-publishes its counts.
 *
 * Why not `fetchSockets()` on the user's room: with the Redis adapter that is a request broadcast to
 * every node, answered by all of them, so each lookup costs a pub/sub round trip bounded by the
 * slowest node, and it fails after the adapter's request timeout while any node hangs. Presence is
 * read on hot paths (user pages and lists), so here a lookup is one or two reads of the store.
 *
 * Without Redis there is one process, and the in-memory counts are the whole answer.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../kv/kv.js';

export const HEARTBEAT_MS = 10_000;
export const NODE_TTL_MS = 30_000;
/** How long this node trusts its copy of the live-node list. */
const LIVE_NODES_CACHE_MS = 1_000;

const userKey = (userId: string) => `rt:presence:${userId}`;
const NODES_KEY = 'rt:nodes';
const nodeUsersKey = (nodeId: string) => `rt:node-users:${nodeId}`;

export interface PresenceOptions {
  kv: KeyValueStore;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Wall clock: heartbeats are compared across processes, so this is never a test's manual clock. */
  now?: () => number;
  heartbeatMs?: number;
  nodeTtlMs?: number;
}

export class Presence {
  readonly nodeId = randomUUID();
  /** Sockets per user on this node. */
  private readonly local = new Map<string, number>();
  private readonly kv: KeyValueStore;
  private readonly shared: boolean;
  private readonly logger: PresenceOptions['logger'];
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private readonly nodeTtlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private liveNodes: { at: number; nodes: Set<string> } | undefined;
  /** Keeps the store's writes for one node in call order (add then remove of a short-lived socket). */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: PresenceOptions) {
    this.kv = options.kv;
    this.shared = options.kv.kind === 'redis';
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.nodeTtlMs = options.nodeTtlMs ?? NODE_TTL_MS;
  }

  /** Starts heartbeating (only meaningful with a shared store). */
  async start(): Promise<void> {
    if (!this.shared || this.timer) return;
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** A socket of `userId` connected on this node. */
  add(userId: bigint): void {
    const id = userId.toString();
    this.local.set(id, (this.local.get(id) ?? 0) + 1);
    if (this.shared) {
      this.enqueue(async () => {
        await this.kv.hincr(userKey(id), this.nodeId, 1);
        await this.kv.zadd(nodeUsersKey(this.nodeId), [{ member: id, score: 0 }]);
      });
    }
  }

  /** A socket of `userId` disconnected from this node. */
  remove(userId: bigint): void {
    const id = userId.toString();
    const left = (this.local.get(id) ?? 0) - 1;
    if (left > 0) this.local.set(id, left);
    else this.local.delete(id);
    if (this.shared) {
      this.enqueue(async () => {
        if ((await this.kv.hincr(userKey(id), this.nodeId, -1)) <= 0) {
          await this.kv.hdel(userKey(id), this.nodeId);
          await this.kv.zrem(nodeUsersKey(this.nodeId), id);
        }
      });
    }
  }

  /** Sockets of `userId` on this node. */
  localCount(userId: bigint): number {
    return this.local.get(userId.toString()) ?? 0;
  }

  /** Users with at least one socket on this node. */
  get localUsers(): number {
    return this.local.size;
  }

  /** Sockets of `userId` on every live node. */
  async count(userId: bigint): Promise<number> {
    const here = this.localCount(userId);
    if (!this.shared) return here;
    const [fields, live] = await Promise.all([this.kv.hgetall(userKey(userId.toString())), this.live()]);
    return here + remoteCount(fields, live, this.nodeId);
  }

  async isOnline(userId: bigint): Promise<boolean> {
    if (this.localCount(userId) > 0) return true;
    return (await this.count(userId)) > 0;
  }

  /** The subset of `userIds` that is online (one round trip per user not online here, in parallel). */
  async onlineSet(userIds: Iterable<bigint>): Promise<Set<bigint>> {
    const online = new Set<bigint>();
    const elsewhere: bigint[] = [];
    for (const id of new Set(userIds)) {
      if (this.localCount(id) > 0) online.add(id);
      else if (this.shared) elsewhere.push(id);
    }
    if (elsewhere.length === 0) return online;
    const [live, hashes] = await Promise.all([
      this.live(),
      Promise.all(elsewhere.map((id) => this.kv.hgetall(userKey(id.toString())))),
    ]);
    elsewhere.forEach((id, i) => {
      if (remoteCount(hashes[i]!, live, this.nodeId) > 0) online.add(id);
    });
    return online;
  }

  /** Withdraws this node's counts (graceful shutdown): its users are offline at once, not after the TTL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const users = [...this.local.keys()];
    this.local.clear();
    if (!this.shared) return;
    await this.chain;
    try {
      await Promise.all(users.map((id) => this.kv.hdel(userKey(id), this.nodeId)));
      await this.kv.del(nodeUsersKey(this.nodeId));
      await this.kv.zrem(NODES_KEY, this.nodeId);
    } catch (error) {
      this.logger.warn({ err: error }, 'presence: could not withdraw this node; its entries expire with its heartbeat');
    }
  }

  private enqueue(write: () => Promise<void>): void {
    this.chain = this.chain.then(write).catch((error: unknown) => {
      this.logger.error({ err: error }, 'presence: shared store write failed');
    });
  }

  private async live(): Promise<Set<string>> {
    const now = this.now();
    if (this.liveNodes && now - this.liveNodes.at < LIVE_NODES_CACHE_MS) return this.liveNodes.nodes;
    const members = await this.kv.zrevrange(NODES_KEY, 0, -1);
    const nodes = new Set(members.filter((m) => m.score >= now - this.nodeTtlMs).map((m) => m.member));
    this.liveNodes = { at: now, nodes };
    return nodes;
  }

  /** Refreshes this node's entry and sweeps nodes whose heartbeat stopped (runs on a timer; public for tests). */
  async heartbeat(): Promise<void> {
    if (this.closed) return;
    try {
      const now = this.now();
      const added = await this.kv.zadd(NODES_KEY, [{ member: this.nodeId, score: now }]);
      // Our entry had been swept (we were paused longer than the TTL): publish our counts again.
      if (added === 1 && this.local.size > 0) await this.republish();
      const nodes = await this.kv.zrevrange(NODES_KEY, 0, -1);
      for (const node of nodes) {
        if (node.member !== this.nodeId && node.score < now - this.nodeTtlMs) await this.sweep(node.member);
      }
      this.liveNodes = undefined;
    } catch (error) {
      this.logger.warn({ err: error }, 'presence: heartbeat failed');
    }
  }

  private async republish(): Promise<void> {
    const entries = [...this.local];
    this.enqueue(async () => {
      for (const [id, count] of entries) {
        await this.kv.hdel(userKey(id), this.nodeId);
        await this.kv.hincr(userKey(id), this.nodeId, count);
      }
      if (entries.length > 0)
        await this.kv.zadd(
          nodeUsersKey(this.nodeId),
          entries.map(([id]) => ({ member: id, score: 0 })),
        );
    });
    await this.chain;
  }

  /** Removes a dead node's counts. Idempotent, so several live nodes may sweep at once. */
  private async sweep(nodeId: string): Promise<void> {
    const users = await this.kv.zrevrange(nodeUsersKey(nodeId), 0, -1);
    await Promise.all(users.map((u) => this.kv.hdel(userKey(u.member), nodeId)));
    await this.kv.del(nodeUsersKey(nodeId));
    await this.kv.zrem(NODES_KEY, nodeId);
  }
}

function remoteCount(fields: Record<string, string>, live: Set<string>, self: string): number {
  let total = 0;
  for (const [node, value] of Object.entries(fields)) {
    if (node === self || !live.has(node)) continue;
    const n = Number(value);
    if (n > 0) total += n;
  }
  return total;
}
