/**
 * Channels: the catalog (A31), the default set, and each user's ordered set (A28, A30, A16, A15,
 * A17, A10, A11). 推荐 (id 0) is virtual: presented first, never stored, never accepted in a write.
 *
 * Reads go through the cache (`ch:all`, `ch:default`, `uch:<userId>`); every user write deletes
 * that user's key after its transaction committed. The catalog keys are dropped by whoever edits
 * channels (`invalidateCatalog`); until then they expire on their own (10 minutes, with jitter).
 */
import type { Cache, CachePolicy } from '../../platform/cache/cache.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import { badRequest, conflict } from '../../platform/http/errors.js';
import type { ChannelPlacement, ChannelRepository, ChannelSummary } from './channel.repository.js';

export const CHANNEL_CACHE: CachePolicy = { ttlMs: 10 * 60_000 };
export const CATALOG_KEY = 'ch:all';
export const DEFAULTS_KEY = 'ch:default';
export const userChannelsKey = (userId: bigint) => `uch:${userId}`;

/** More entries than this cannot be a real channel set (there are a few dozen channels). */
export const MAX_CHANNELS_PER_WRITE = 200;
/** `user_channels.sequence` is a 32-bit integer column. */
export const MAX_SEQUENCE = 2_147_483_647;

export const MESSAGES = {
  required: 'Channels param is required.',
  invalid: 'Invalid channels param.',
  repeated: 'Repeated channels occurred.',
  sequence: 'Invalid channel sequence param.',
  conflict: 'Some conflict user channels occurred.',
  channelId: 'Invalid channel id.',
} as const;

const DIGITS = /^[0-9]{1,19}$/;
const MAX_ID = (1n << 63n) - 1n;

/** An id as the apps send it: a JSON integer or a digit string (§1.5); null when it is neither. */
function parseId(value: unknown): bigint | null {
  const id =
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? BigInt(value)
      : typeof value === 'string' && DIGITS.test(value)
        ? BigInt(value)
        : null;
  // Beyond 64 bits no row can match, and the database would reject the value outright.
  return id !== null && id <= MAX_ID ? id : null;
}

/** A sequence: a non-negative integer (or digit string), within the column's range; null otherwise. */
export function parseSequence(value: unknown): number | null {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= MAX_SEQUENCE ? n : null;
}

/** The `channels` list of a write body: "required" when absent or empty, "invalid" when not a (sane) list. */
function channelsParam(body: unknown): unknown[] {
  const channels = (body as { channels?: unknown } | null | undefined)?.channels;
  if (channels === undefined || channels === null || (Array.isArray(channels) && channels.length === 0)) {
    throw badRequest(MESSAGES.required);
  }
  if (!Array.isArray(channels) || channels.length > MAX_CHANNELS_PER_WRITE) throw badRequest(MESSAGES.invalid);
  return channels;
}

/**
 * The body of A30, A16 and A15, checked in the original's order: present and non-empty; a list
 * of `{id, seq}` objects; no repeated id; every id an existing visible channel (never 0); every
 * seq a non-negative integer. Each failure has its own contract message.
 */
export function parsePlacements(body: unknown, visibleIds: ReadonlySet<bigint>): ChannelPlacement[] {
  const channels = channelsParam(body);
  const raw = channels.map((entry: unknown) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badRequest(MESSAGES.invalid);
    const { id, seq } = entry as { id?: unknown; seq?: unknown };
    const channelId = parseId(id);
    if (channelId === null || seq === undefined || seq === null) throw badRequest(MESSAGES.invalid);
    return { id: channelId, seq };
  });
  if (new Set(raw.map((entry) => entry.id)).size < raw.length) throw badRequest(MESSAGES.repeated);
  if (raw.some((entry) => entry.id === 0n || !visibleIds.has(entry.id))) throw badRequest(MESSAGES.invalid);
  return raw.map((entry) => {
    const seq = parseSequence(entry.seq);
    if (seq === null) throw badRequest(MESSAGES.sequence);
    return { id: entry.id, seq };
  });
}

/** The body of A17: a non-empty list of channel ids, each ≥ 1. */
export function parseChannelIds(body: unknown): bigint[] {
  const channels = channelsParam(body);
  return channels.map((value: unknown) => {
    const id = parseId(value);
    if (id === null || id === 0n) throw badRequest(MESSAGES.invalid);
    return id;
  });
}

export interface ChannelServiceDeps {
  channels: ChannelRepository;
  cache: Cache;
  now: () => number;
}

/**
 * The catalog and the defaults are read by every app start, for everyone alike: kept decoded in the
 * process for a second in front of the shared cache (as article cards are), so a read is a Map
 * lookup, and the same array comes back, which lets the route reuse its rendered bytes.
 */
const NEAR = { max: 2, ttlMs: 1_000 } as const;

const NO_CHANNELS: readonly ChannelSummary[] = [];

export function createChannelService({ channels, cache, now }: ChannelServiceDeps) {
  const near = new NearCache<string, ChannelSummary[]>(NEAR);
  const shared = async (key: string, load: () => Promise<ChannelSummary[]>): Promise<readonly ChannelSummary[]> =>
    (await near.get(key, () => cache.get(key, load, CHANNEL_CACHE))) ?? NO_CHANNELS;
  const catalog = () => shared(CATALOG_KEY, () => channels.listVisible());
  const defaults = () => shared(DEFAULTS_KEY, () => channels.listDefaults());
  const visibleIds = async () => new Set((await catalog()).map((channel) => channel.id));
  const changed = (userId: bigint) => cache.invalidate(userChannelsKey(userId));

  return {
    /** A31: every visible channel, without 推荐. */
    catalog,

    /** The visible channels read fresh from the database (modules that keep their own short-lived copy). */
    listVisible: () => channels.listVisible(),

    /** Whether a channel exists and is visible, read fresh (the media platform checks it on save). */
    isVisible: (id: bigint) => channels.isVisible(id),

    /** A user's saved channel ids, uncached (the recommender caches the reader's profile itself). */
    savedChannelIds: (userId: bigint, limit: number) => channels.savedIds(userId, limit),

    /**
     * A28 without 推荐: the user's saved visible channels; the defaults for anonymous users and
     * for users with no visible saved channel (contract ⚠ recommendation: a new user's home page
     * is not just 推荐).
     */
    async forUser(userId: bigint | undefined): Promise<readonly ChannelSummary[]> {
      if (userId === undefined) return defaults();
      const saved = (await cache.get(userChannelsKey(userId), () => channels.listForUser(userId), CHANNEL_CACHE)) ?? [];
      return saved.length > 0 ? saved : defaults();
    },

    /** A30: insert only; 409 when any of the channels is already saved. */
    async add(userId: bigint, body: unknown): Promise<ChannelPlacement[]> {
      const items = parsePlacements(body, await visibleIds());
      const result = await channels.insertForUser(userId, items, now());
      if (result === 'conflict') throw conflict(MESSAGES.conflict);
      await changed(userId);
      return items;
    },

    /** A16: the body becomes the user's whole set. */
    async replace(userId: bigint, body: unknown): Promise<ChannelPlacement[]> {
      const items = parsePlacements(body, await visibleIds());
      await channels.replaceForUser(userId, items, now());
      await changed(userId);
      return items;
    },

    /** A15: upsert; channels not in the body are untouched. */
    async merge(userId: bigint, body: unknown): Promise<ChannelPlacement[]> {
      const items = parsePlacements(body, await visibleIds());
      await channels.upsertForUser(userId, items, now());
      await changed(userId);
      return items;
    },

    /** A17. */
    async remove(userId: bigint, body: unknown): Promise<void> {
      await channels.deleteForUser(userId, parseChannelIds(body));
      await changed(userId);
    },

    /** A10: upserts one channel at `seq`. */
    async place(userId: bigint, channelId: bigint, seqValue: unknown): Promise<ChannelPlacement> {
      const seq = parseSequence(seqValue);
      if (seq === null) throw badRequest(MESSAGES.sequence);
      if (channelId === 0n || !(await visibleIds()).has(channelId)) throw badRequest(MESSAGES.channelId);
      await channels.upsertForUser(userId, [{ id: channelId, seq }], now());
      await changed(userId);
      return { id: channelId, seq };
    },

    /** A11. */
    async removeOne(userId: bigint, channelId: bigint): Promise<void> {
      await channels.deleteForUser(userId, [channelId]);
      await changed(userId);
    },

    /** For whoever edits channels (admin, demo seed): drops the catalog and default lists. */
    invalidateCatalog: () => {
      near.delete(CATALOG_KEY, DEFAULTS_KEY);
      return cache.invalidate(CATALOG_KEY, DEFAULTS_KEY);
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
