import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { optionalPackage } from '../optional-package.js';
import { KvUnavailableError, type GuessResult, type KeyValueStore, type ScoredMember, type SetOptions } from './kv.js';

/** ioredis loads with the first Redis connection: the embedded default never needs it. */
export const ioredis = () => optionalPackage<typeof IORedis>('ioredis');

// EXISTS rather than "result == by": a key that already held 0 was not created by this call.
const INCR_WITH_TTL = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

// KEYS: secret, miss counter; ARGV: guess, max misses. 1 match, 0 miss, -1 absent.
const VERIFY_AND_COUNT = `
local stored = redis.call('GET', KEYS[1])
if not stored then return -1 end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
local misses = redis.call('INCR', KEYS[2])
local ttl = redis.call('PTTL', KEYS[1])
if misses == 1 and ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
if misses >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return 0`;

const FLUSH_BATCH = 500;

/**
 * Connection options that keep every call bounded when Redis is down or stuck. ioredis' defaults
 * queue commands while disconnected and retry each one 20 times (about 72 s per request during an
 * outage); here a command fails at once while the connection is down, a sent command gives up
 * after `commandTimeout`, and reconnection keeps trying in the background with a capped backoff,
 * so the store comes back by itself when Redis does.
 */
export const BOUNDED_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 500,
  connectTimeout: 1_000,
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
} satisfies RedisOptions;

/**
 * The kv's own connection also sends the commands of one event-loop turn as one write: a
 * signed-in article read makes four or five small calls (session state, read count, history), and
 * with 50 readers each was its own `write` syscall to Redis, 15 % of the process's CPU in a profile
 * on PostgreSQL + Redis. Order per connection and per-command errors are unchanged.
 */
const KV_REDIS_OPTIONS = { ...BOUNDED_REDIS_OPTIONS, enableAutoPipelining: true } satisfies RedisOptions;

/** At most this long, the first calls wait for the initial connection attempt (boot). */
const FIRST_CONNECT_WAIT_MS = 5_000;
const FIRST_ATTEMPT_EVENTS = ['ready', 'error', 'end'] as const;
/** After this many timeouts in a row, calls fail at once for BREAK_MS (a stuck, not a dead, Redis). */
const BREAK_AFTER_TIMEOUTS = 3;
const BREAK_MS = 1_000;

/** Server replies that mean "not serving right now" rather than "this command is wrong". */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

export type RedisKeyValueStoreOptions = ({ url: string } | { client: Redis }) & { prefix?: string };

/**
 * The key-value port on Redis, shared by every instance. Keys are prefixed explicitly rather
 * than with ioredis' `keyPrefix`, so `client` stays a plain connection that other adapters
 * (queues, locks) can share; a client passed in must therefore not have `keyPrefix` set.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis';
  readonly prefix: string;
  readonly client: Redis;
  private readonly ownsClient: boolean;
  /** Settles when the first connection is ready or FIRST_CONNECT_WAIT_MS has passed; then undefined. */
  private firstConnect: Promise<void> | undefined;
  private timeoutsInARow = 0;
  private brokenUntil = 0;

  constructor(options: RedisKeyValueStoreOptions) {
    this.prefix = options.prefix ?? '';
    this.ownsClient = 'url' in options;
    this.client = 'url' in options ? new (ioredis().Redis)(options.url, KV_REDIS_OPTIONS) : options.client;
    // Without a listener ioredis prints every failed reconnection; callers see KvUnavailableError instead.
    if (this.ownsClient) this.client.on('error', () => {});
    if (this.client.status !== 'ready') {
      // The boot's first commands wait for the first connection attempt to succeed or fail (a
      // refused connect fails at once); later ones never wait.
      this.firstConnect = new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          for (const event of FIRST_ATTEMPT_EVENTS) this.client.off(event, done);
          this.firstConnect = undefined;
          resolve();
        };
        const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
        timer.unref();
        for (const event of FIRST_ATTEMPT_EVENTS) this.client.once(event, done);
      });
    }
  }

  /**
   * Every command goes through here: it fails fast with KvUnavailableError while the connection is
   * down (after giving the boot's first connection a moment), and maps connection-level failures to
   * that type; Redis' own command errors (WRONGTYPE…) pass through unchanged.
   */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') {
      if (this.firstConnect) await this.firstConnect;
      const status: string = this.client.status; // changed while waiting
      if (status !== 'ready') throw new KvUnavailableError(`Redis is unavailable (${status})`);
    }
    if (this.brokenUntil > Date.now()) throw new KvUnavailableError('Redis is not answering (commands timed out)');
    try {
      const result = await command();
      this.timeoutsInARow = 0;
      return result;
    } catch (error) {
      throw this.classify(error);
    }
  }

  private classify(error: unknown): unknown {
    if (error instanceof ioredis().ReplyError && !UNAVAILABLE_REPLY.test((error as Error).message)) return error;
    if (!(error instanceof Error)) return error;
    if (error.message === 'Command timed out' && ++this.timeoutsInARow >= BREAK_AFTER_TIMEOUTS) {
      this.brokenUntil = Date.now() + BREAK_MS;
      this.timeoutsInARow = 0;
    }
    return new KvUnavailableError(`Redis is unavailable: ${error.message}`, { cause: error });
  }

  async get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.key(key)));
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    // MGET without keys is a syntax error; an empty batch is simply empty.
    return keys.length === 0 ? [] : this.run(() => this.client.mget(keys.map((key) => this.key(key))));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const { ttlMs, onlyIfAbsent } = options;
    const k = this.key(key);
    const reply = await this.run(() => {
      if (ttlMs !== undefined)
        return onlyIfAbsent ? this.client.set(k, value, 'PX', ttlMs, 'NX') : this.client.set(k, value, 'PX', ttlMs);
      return onlyIfAbsent ? this.client.set(k, value, 'NX') : this.client.set(k, value);
    });
    return reply === 'OK';
  }

  async del(...keys: string[]): Promise<number> {
    return keys.length === 0 ? 0 : this.run(() => this.client.del(keys.map((key) => this.key(key))));
  }

  async take(key: string): Promise<string | null> {
    return this.run(() => this.client.getdel(this.key(key)));
  }

  async verifyAndCount(
    key: string,
    guess: string,
    options: { counterKey: string; maxMisses: number },
  ): Promise<GuessResult> {
    const reply = (await this.run(() =>
      this.client.eval(VERIFY_AND_COUNT, 2, this.key(key), this.key(options.counterKey), guess, options.maxMisses),
    )) as number;
    return reply === 1 ? 'match' : reply === 0 ? 'miss' : 'absent';
  }

  async incr(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    const { ttlMs } = options;
    if (ttlMs === undefined) return this.run(() => this.client.incrby(this.key(key), by));
    return (await this.run(() => this.client.eval(INCR_WITH_TTL, 1, this.key(key), by, ttlMs))) as number;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.client.pexpire(this.key(key), ttlMs))) === 1;
  }

  async ttl(key: string): Promise<number> {
    return this.run(() => this.client.pttl(this.key(key)));
  }

  async hget(key: string, field: string): Promise<string | null> {
    return this.run(() => this.client.hget(this.key(key), field));
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return this.run(() => this.client.hgetall(this.key(key)));
  }

  async hset(key: string, fields: Record<string, string | number>): Promise<void> {
    // String() ourselves: ioredis writes unsafe integers via BigInt, which the memory adapter would not match.
    const args = Object.entries(fields).flatMap(([field, value]) => [field, String(value)]);
    if (args.length > 0) await this.run(() => this.client.hset(this.key(key), ...args));
  }

  async hincr(key: string, field: string, by = 1): Promise<number> {
    return this.run(() => this.client.hincrby(this.key(key), field, by));
  }

  async hdel(key: string, ...fields: string[]): Promise<number> {
    return fields.length === 0 ? 0 : this.run(() => this.client.hdel(this.key(key), ...fields));
  }

  async zadd(key: string, members: ScoredMember[]): Promise<number> {
    if (members.length === 0) return 0;
    return this.run(() => this.client.zadd(this.key(key), ...members.flatMap(({ member, score }) => [score, member])));
  }

  async zincr(key: string, member: string, by: number): Promise<number> {
    return parseScore(await this.run(() => this.client.zincrby(this.key(key), by, member)));
  }

  async zrem(key: string, ...members: string[]): Promise<number> {
    return members.length === 0 ? 0 : this.run(() => this.client.zrem(this.key(key), ...members));
  }

  async zscore(key: string, member: string): Promise<number | null> {
    const score = await this.run(() => this.client.zscore(this.key(key), member));
    return score === null ? null : parseScore(score);
  }

  async zcard(key: string): Promise<number> {
    return this.run(() => this.client.zcard(this.key(key)));
  }

  async zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    const flat = await this.run(() => this.client.zrevrange(this.key(key), start, stop, 'WITHSCORES'));
    const members: ScoredMember[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      members.push({ member: flat[i]!, score: parseScore(flat[i + 1]!) });
    }
    return members;
  }

  async ztrim(key: string, keep: number): Promise<void> {
    await this.run(() => this.client.zremrangebyrank(this.key(key), 0, -(keep + 1)));
  }

  async lpushCapped(key: string, value: string, max: number): Promise<void> {
    const k = this.key(key);
    const results = await this.run(() =>
      this.client
        .multi()
        .lrem(k, 0, value)
        .lpush(k, value)
        .ltrim(k, 0, max - 1)
        .exec(),
    );
    // EXEC reports each command's error separately (e.g. WRONGTYPE) instead of rejecting.
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  async lrange(key: string, start: number, stop: number): Promise<string[]> {
    return this.run(() => this.client.lrange(this.key(key), start, stop));
  }

  async flush(): Promise<void> {
    // An empty prefix would match every key in the database, including other tenants' and queues'.
    if (this.prefix === '') throw new Error('refusing to flush a Redis key-value store without a prefix');
    const match = `${escapeGlob(this.prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.run(() => this.client.scan(cursor, 'MATCH', match, 'COUNT', FLUSH_BATCH));
      if (keys.length > 0) await this.run(() => this.client.unlink(keys));
      cursor = next;
    } while (cursor !== '0');
  }

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    // QUIT needs a live connection; a store closed during an outage just drops its socket.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  private key(key: string): string {
    return this.prefix + key;
  }
}

/** Scores come back as strings, with infinities spelled "inf" and "-inf". */
function parseScore(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

/** SCAN MATCH treats the prefix as a glob, so its special characters must be literal. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
