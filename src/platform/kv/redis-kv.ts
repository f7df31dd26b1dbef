import { Redis } from 'ioredis';
import type { GuessResult, KeyValueStore, ScoredMember, SetOptions } from './kv.js';

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

  constructor(options: RedisKeyValueStoreOptions) {
    this.prefix = options.prefix ?? '';
    this.ownsClient = 'url' in options;
    this.client = 'url' in options ? new Redis(options.url) : options.client;
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(this.key(key));
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    // MGET without keys is a syntax error; an empty batch is simply empty.
    return keys.length === 0 ? [] : this.client.mget(keys.map((key) => this.key(key)));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const { ttlMs, onlyIfAbsent } = options;
    const k = this.key(key);
    let reply: 'OK' | null;
    if (ttlMs !== undefined) {
      reply = onlyIfAbsent ? await this.client.set(k, value, 'PX', ttlMs, 'NX') : await this.client.set(k, value, 'PX', ttlMs);
    } else {
      reply = onlyIfAbsent ? await this.client.set(k, value, 'NX') : await this.client.set(k, value);
    }
    return reply === 'OK';
  }

  async del(...keys: string[]): Promise<number> {
    return keys.length === 0 ? 0 : this.client.del(keys.map((key) => this.key(key)));
  }

  async take(key: string): Promise<string | null> {
    return this.client.getdel(this.key(key));
  }

  async verifyAndCount(key: string, guess: string, options: { counterKey: string; maxMisses: number }): Promise<GuessResult> {
    const reply = (await this.client.eval(VERIFY_AND_COUNT, 2, this.key(key), this.key(options.counterKey), guess, options.maxMisses)) as number;
    return reply === 1 ? 'match' : reply === 0 ? 'miss' : 'absent';
  }

  async incr(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    if (options.ttlMs === undefined) return this.client.incrby(this.key(key), by);
    return (await this.client.eval(INCR_WITH_TTL, 1, this.key(key), by, options.ttlMs)) as number;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.client.pexpire(this.key(key), ttlMs)) === 1;
  }

  async ttl(key: string): Promise<number> {
    return this.client.pttl(this.key(key));
  }

  async hget(key: string, field: string): Promise<string | null> {
    return this.client.hget(this.key(key), field);
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return this.client.hgetall(this.key(key));
  }

  async hset(key: string, fields: Record<string, string | number>): Promise<void> {
    // String() ourselves: ioredis writes unsafe integers via BigInt, which the memory adapter would not match.
    const args = Object.entries(fields).flatMap(([field, value]) => [field, String(value)]);
    if (args.length > 0) await this.client.hset(this.key(key), ...args);
  }

  async hincr(key: string, field: string, by = 1): Promise<number> {
    return this.client.hincrby(this.key(key), field, by);
  }

  async hdel(key: string, ...fields: string[]): Promise<number> {
    return fields.length === 0 ? 0 : this.client.hdel(this.key(key), ...fields);
  }

  async zadd(key: string, members: ScoredMember[]): Promise<number> {
    if (members.length === 0) return 0;
    return this.client.zadd(this.key(key), ...members.flatMap(({ member, score }) => [score, member]));
  }

  async zincr(key: string, member: string, by: number): Promise<number> {
    return parseScore(await this.client.zincrby(this.key(key), by, member));
  }

  async zrem(key: string, ...members: string[]): Promise<number> {
    return members.length === 0 ? 0 : this.client.zrem(this.key(key), ...members);
  }

  async zscore(key: string, member: string): Promise<number | null> {
    const score = await this.client.zscore(this.key(key), member);
    return score === null ? null : parseScore(score);
  }

  async zcard(key: string): Promise<number> {
    return this.client.zcard(this.key(key));
  }

  async zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    const flat = await this.client.zrevrange(this.key(key), start, stop, 'WITHSCORES');
    const members: ScoredMember[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      members.push({ member: flat[i]!, score: parseScore(flat[i + 1]!) });
    }
    return members;
  }

  async ztrim(key: string, keep: number): Promise<void> {
    await this.client.zremrangebyrank(this.key(key), 0, -(keep + 1));
  }

  async lpushCapped(key: string, value: string, max: number): Promise<void> {
    const k = this.key(key);
    const results = await this.client.multi().lrem(k, 0, value).lpush(k, value).ltrim(k, 0, max - 1).exec();
    // EXEC reports each command's error separately (e.g. WRONGTYPE) instead of rejecting.
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  async lrange(key: string, start: number, stop: number): Promise<string[]> {
    return this.client.lrange(this.key(key), start, stop);
  }

  async flush(): Promise<void> {
    // An empty prefix would match every key in the database, including other tenants' and queues'.
    if (this.prefix === '') throw new Error('refusing to flush a Redis key-value store without a prefix');
    const match = `${escapeGlob(this.prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', match, 'COUNT', FLUSH_BATCH);
      if (keys.length > 0) await this.client.unlink(keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit();
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
