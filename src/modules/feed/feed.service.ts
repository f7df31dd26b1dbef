/**
 * The feed (A32): channel 0 is the recommender, every other channel the article module's
 * time-ordered timeline.
 *
 * Channel 0 (README "Recommendation (channel 0)"): candidates are the newest CANDIDATES visible
 * articles with live counters; they are ranked by feed.scoring.ts (hot score × the reader's
 * affinity, minus the reader's exclusions). A first or refresh page (the app's `Date.now()`)
 * fixes the whole ordered list in the kv store under a session number, and `pre_timestamp`
 * encodes session and offset (feed.scoring.ts `encodeCursor`), so later pages read the stored
 * list: paging never repeats or skips an article within a session, whatever happens to the scores
 * meanwhile. The list ends with the candidates outside the ranked head, newest first; after that
 * the results are empty.
 *
 * kv keys (TTLs in README "Caching"):
 * - `rec:hot`             the anonymous hot list: its snapshot number and first ids (cache-aside, ~1 min)
 * - `rec:snap:<n>`        snapshot n's whole list, comma-separated ids: the anonymous sessions' list
 * - `rec:cand:<n>`        snapshot n's candidates with their counters (personal rankings start from them)
 * - `rec:s:<user>:<n>`    a signed-in reader's session list
 * - `rec:reader:<user>`   the reader's profile (channels, affinities, exclusions), briefly
 * - `rec:last:<user>`     the reader's last session, reused by a refresh within seconds on the same hot list
 * - `rec:seq`             session numbers
 */
import { decodeValue, encodeValue, type Cache, type CachePolicy } from '../../platform/cache/cache.js';
import type { Clock } from '../../platform/clock.js';
import { unlessKvDown, type KeyValueStore } from '../../platform/kv/kv.js';
import type { CardEntry } from '../articles/article.presenter.js';
import { FEED_PAGE_SIZE, NEAR_CACHE, type ArticleService, type FeedRequest } from '../articles/article.service.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import type { CounterService } from '../counters/counter.service.js';
import type { FeedRepository } from './feed.repository.js';
import { loadReaderProfile, type ReaderSignals } from './reader-profile.js';
import {
  decodeCursor,
  encodeCursor,
  MAX_SESSION_NUMBER,
  rankCandidates,
  type Candidate,
  type ReaderProfile,
} from './feed.scoring.js';

/** Newest visible articles considered (bounded work per ranking; the cursor holds offsets < 1000). */
export const CANDIDATES = 400;
/** Candidates ordered by score; the rest follow newest first. */
export const RANKED = 200;
/** Ids of the hot list kept in `rec:hot` itself, enough for an anonymous first page without the snapshot. */
const HEAD = 3 * FEED_PAGE_SIZE;

export const FEED_CACHE = {
  hot: { ttlMs: 60_000 } satisfies CachePolicy,
  reader: { ttlMs: 30_000 } satisfies CachePolicy,
  /** Sessions live this long after their last page (sliding). */
  sessionTtlMs: 30 * 60_000,
  /** A snapshot's candidates: a few hot-list lifetimes. */
  candidatesTtlMs: 5 * 60_000,
  /**
   * A refresh this soon after the reader's last first page, on the same hot list and with no
   * change to the reader's profile since, gets that session's list again from the top: the
   * ranking would come out the same.
   */
  reuseMs: 10_000,
} as const;

const HOT_KEY = 'rec:hot';
const SEQ_KEY = 'rec:seq';
const snapshotKey = (session: number) => `rec:snap:${session}`;
const candidatesKey = (session: number) => `rec:cand:${session}`;
const sessionKey = (userId: bigint, session: number) => `rec:s:${userId}:${session}`;
const readerKey = (userId: bigint) => `rec:reader:${userId}`;
const lastKey = (userId: bigint) => `rec:last:${userId}`;

const COUNTED = ['read_count', 'like_count', 'comment_count', 'collect_count'] as const;

/** Who asks: a signed-in user, an `Anony <device id>`, or nobody (both anonymous get the hot list). */
export interface Reader {
  userId?: bigint;
  anonymousId?: string;
}

export interface FeedPage {
  preTimestamp: number;
  cards: CardEntry[];
}

interface HotList {
  session: number;
  head: bigint[];
}

/** A session's list: ids by position (a stored list keeps its digit strings until a page needs them). */
interface IdList {
  readonly length: number;
  slice(from: number, to: number): bigint[];
}

function storedList(parts: string[]): IdList {
  return { length: parts.length, slice: (from, to) => parts.slice(from, to).map((id) => BigInt(id)) };
}

function arrayList(ids: bigint[]): IdList {
  return { length: ids.length, slice: (from, to) => ids.slice(from, to) };
}

export interface FeedServiceDeps {
  articles: ArticleService;
  repository: FeedRepository;
  /** What a signed-in reader did, from the modules that own it. */
  signals: ReaderSignals;
  cache: Cache;
  kv: KeyValueStore;
  counters: CounterService;
  clock: Clock;
}

export function createFeedService(deps: FeedServiceDeps) {
  const { articles, repository, cache, kv, counters, clock } = deps;

  /** The candidates of the snapshot this process ranked or read last (a snapshot never changes). */
  let memo: { session: number; candidates: Candidate[] } | undefined;
  // Near caches (see platform/cache/near-cache.ts): the hot list and stored lists, decoded, for a second.
  const nearHot = new NearCache<string, HotList>({ max: 1, ttlMs: NEAR_CACHE.ttlMs });
  const nearLists = new NearCache<string, string[]>({ max: 10_000, ttlMs: NEAR_CACHE.ttlMs });

  /**
   * 0 while the kv store is down: such a list is not stored and its cursor is no session's, so
   * the next page starts over from the top (degraded paging, but pages rather than errors).
   */
  async function nextSession(): Promise<number> {
    const n = await unlessKvDown(kv.incr(SEQ_KEY), 0);
    return n === 0 ? 0 : ((n - 1) % MAX_SESSION_NUMBER) + 1;
  }

  /** Stores a session's list (best effort: without it, paging restarts, see nextSession). */
  async function storeList(key: string, session: number, value: string, ttlMs: number): Promise<void> {
    if (session !== 0) await unlessKvDown(kv.set(key, value, { ttlMs }), false);
  }

  async function loadCandidates(): Promise<Candidate[]> {
    return counters.overlay('article', await repository.candidates(CANDIDATES, clock.now()), [...COUNTED]);
  }

  async function loadHot(): Promise<HotList> {
    const candidates = await loadCandidates();
    const ids = rankCandidates(candidates, clock.now(), { ranked: RANKED });
    const session = await nextSession();
    await storeList(snapshotKey(session), session, ids.join(','), FEED_CACHE.sessionTtlMs);
    await storeList(candidatesKey(session), session, encodeValue(candidates), FEED_CACHE.candidatesTtlMs);
    memo = { session, candidates };
    return { session, head: ids.slice(0, HEAD) };
  }

  const hot = async () => (await nearHot.get(HOT_KEY, () => cache.get(HOT_KEY, loadHot, FEED_CACHE.hot)))!;

  /** A stored session list (ids as digit strings); reading it extends its life (sliding TTL). */
  const storedIds = (key: string) =>
    nearLists.get(key, async () => {
      const text = await unlessKvDown(kv.get(key), null);
      if (text === null) return undefined;
      await unlessKvDown(kv.expire(key, FEED_CACHE.sessionTtlMs), false);
      return text === '' ? [] : text.split(',');
    });

  async function candidatesOf(list: HotList): Promise<Candidate[]> {
    if (memo?.session === list.session) return memo.candidates;
    const text = await unlessKvDown(kv.get(candidatesKey(list.session)), null);
    if (text === null) return loadCandidates();
    memo = { session: list.session, candidates: decodeValue<Candidate[]>(text) };
    return memo.candidates;
  }

  const readerProfile = async (userId: bigint) =>
    (await cache.get(
      readerKey(userId),
      () => loadReaderProfile(deps.signals, userId),
      FEED_CACHE.reader,
    )) as ReaderProfile;

  /** Up to a page of visible cards from `offset` on; articles gone since the list was made are passed over. */
  async function servePage(list: IdList, offset: number, session: number): Promise<FeedPage> {
    const cards: CardEntry[] = [];
    let at = Math.min(offset, list.length);
    while (cards.length < FEED_PAGE_SIZE && at < list.length) {
      const ids = list.slice(at, at + FEED_PAGE_SIZE - cards.length);
      at += ids.length;
      cards.push(...(await articles.cards(ids)));
    }
    return { preTimestamp: encodeCursor(session, at), cards };
  }

  async function resume(key: string, offset: number, session: number): Promise<FeedPage | null> {
    const ids = await storedIds(key);
    return ids ? servePage(storedList(ids), offset, session) : null;
  }

  async function startPersonal(userId: bigint): Promise<FeedPage> {
    const list = await hot();
    const last = (await unlessKvDown(kv.get(lastKey(userId)), null))?.split(':').map(Number);
    if (last?.[0] === list.session && last[1] !== undefined) {
      const again = await resume(sessionKey(userId, last[1]), 0, last[1]);
      if (again) return again;
    }
    const [candidates, profile] = await Promise.all([candidatesOf(list), readerProfile(userId)]);
    const ids = rankCandidates(candidates, clock.now(), { ranked: RANKED, profile });
    const session = await nextSession();
    await storeList(sessionKey(userId, session), session, ids.join(','), FEED_CACHE.sessionTtlMs);
    await storeList(lastKey(userId), session, `${list.session}:${session}`, FEED_CACHE.reuseMs);
    return servePage(arrayList(ids), 0, session);
  }

  async function startAnonymous(): Promise<FeedPage> {
    const list = await hot();
    // The head is the snapshot's prefix, so offsets into it are offsets into the snapshot.
    const page = await servePage(arrayList(list.head), 0, list.session);
    if (page.cards.length === FEED_PAGE_SIZE || list.head.length < HEAD) return page;
    // Articles vanished from the head: page through the whole snapshot instead.
    return (await resume(snapshotKey(list.session), 0, list.session)) ?? page;
  }

  const service = {
    /** A32: channel 0 from the recommender, any other channel from its timeline. */
    async page(reader: Reader, request: FeedRequest): Promise<FeedPage> {
      if (request.channelId !== 0n) {
        const page = await articles.timeline(request);
        return { preTimestamp: page.preTimestamp, cards: page.cards };
      }
      return service.recommend(reader, request.timestamp);
    },

    /** Channel 0. A timestamp that is one of our cursors continues its session; anything else starts one. */
    async recommend(reader: Reader, timestamp: number): Promise<FeedPage> {
      const cursor = decodeCursor(timestamp);
      const { userId } = reader;
      if (userId !== undefined) {
        const resumed = cursor && (await resume(sessionKey(userId, cursor.session), cursor.offset, cursor.session));
        return resumed || startPersonal(userId);
      }
      const resumed = cursor && (await resume(snapshotKey(cursor.session), cursor.offset, cursor.session));
      return resumed || startAnonymous();
    },

    /** Drops a reader's cached profile (after a like, dislike, read, follow, blacklist or channel change). */
    forgetReader: (userId: bigint) => cache.invalidate(readerKey(userId), lastKey(userId)),

    /** Recomputes the hot list on the next request (new sessions only; running ones keep theirs). */
    refreshHot: () => {
      nearHot.clear();
      return cache.invalidate(HOT_KEY);
    },
  };

  articles.onViewed((userId) => service.forgetReader(userId));

  return service;
}

export type FeedService = ReturnType<typeof createFeedService>;
