/**
 * Articles for readers: cards (every app list), channel timelines (A32, channel ≠ 0) and the
 * detail (A34), all cache-aside over the kv port (see README "Caching"):
 *
 * - `art:card:<id>`   one card, presented once (pubdate, cover URLs, photo); counters are overlaid
 *                     live from the counter service on every read, so counts never wait for a TTL.
 * - `art:detail:<id>` basic info + content + the related list (`recomments`).
 * - `feed:ch:<channel>:top:<with_top>`  the ids of a channel's first page, with the newest publish
 *                     time: any request whose timestamp is later than that gets this page, so the
 *                     app's `Date.now()` timestamps all share one key.
 * - `feed:ch:<channel>:at:<timestamp>:<with_top>`  ids of a later page; the timestamps are our own
 *                     `pre_timestamp`s, so readers scrolling the same channel share them.
 *
 * Missing ids are cached as absent (penetration), loads are single-flight (breakdown) and TTLs
 * jittered (avalanche) by platform/cache. In front of it, a near cache (near-cache.ts) keeps the
 * decoded cards, pages and details in the process for a second. Whoever changes an article calls `invalidateArticle(id)`
 * (or publishes 'article.changed', which calls it): the card, the detail and the first pages of
 * its channel go. Later pages and related lists of other articles only expire (short TTLs).
 */
import { decodeValue, type Cache, type CachePolicy } from '../../platform/cache/cache.js';
import { badRequest, invalidField, notFound } from '../../platform/http/errors.js';
import { isConnectionError } from '../../platform/db/errors.js';
import type { KeyValueStore } from '../../platform/kv/kv.js';
import type { PresenterContext } from '../../platform/presenter.js';
import type { ChannelService } from '../channels/channel.service.js';
import type { CounterService } from '../counters/counter.service.js';
import { toCardEntry, toDetailEntry, type CardEntry, type DetailEntry } from './article.presenter.js';
import { pickRelated, relatedPool, type RelatedPool } from './article.related.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import type { ArticleCardRow, ArticleRepository } from './article.repository.js';

/** The contract fixes the feed page at 10 (A32). */
export const FEED_PAGE_SIZE = 10;
const RELATED_COUNT = 4;
/** Newest articles of the channel the related list is picked from. */
const RELATED_POOL = 60;
/**
 * A channel's pool is kept this long in the process: on a random read over many articles, loading
 * it per article (and splitting sixty titles into terms) was a third of a detail miss. An article
 * change in this process drops its channel's pool at once; other processes see it within this.
 */
const RELATED_POOL_TTL_MS = 5_000;

export const ARTICLE_CACHE = {
  card: { ttlMs: 10 * 60_000, negativeTtlMs: 30_000 },
  detail: { ttlMs: 10 * 60_000, negativeTtlMs: 30_000 },
  firstPage: { ttlMs: 60_000 },
  page: { ttlMs: 30_000 },
} as const satisfies Record<string, CachePolicy>;

/** The process-local first level: how long, how many of each, and the bytes details may take. */
export const NEAR_CACHE = { ttlMs: 1_000, cards: 20_000, pages: 5_000, details: 1_000, detailBytes: 8 << 20 } as const;

/** A detail's weight: its text at V8's two bytes a character, plus the objects around it. */
function detailBytes(entry: DetailEntry): number {
  let chars = entry.content.length + entry.title.length;
  for (const item of entry.related) chars += item.title.length;
  return 2 * chars + 1_024;
}

/** How long the set of visible channels is kept in the process (an admin change shows within this). */
const CHANNELS_MEMO_MS = 10_000;
/** An unknown channel id reloads the set at most this often (a flood of bad ids stays off the database). */
const CHANNELS_RETRY_MS = 100;

export const cardKey = (id: bigint) => `art:card:${id}`;
export const detailKey = (id: bigint) => `art:detail:${id}`;
export const firstPageKey = (channelId: bigint, withTop: boolean) => `feed:ch:${channelId}:top:${withTop ? 1 : 0}`;
const pageKey = (channelId: bigint, before: number, withTop: boolean) =>
  `feed:ch:${channelId}:at:${before}:${withTop ? 1 : 0}`;

/** Counter columns a card shows; the counter service adds their unflushed deltas. */
export const CARD_COUNTERS = ['comment_count', 'like_count', 'collect_count'] as const;

export interface FeedRequest {
  channelId: bigint;
  timestamp: number;
  withTop: boolean;
}

export interface TimelinePage {
  preTimestamp: number;
  cards: CardEntry[];
}

interface PageIds {
  ids: bigint[];
  /** published_at of the page's last timeline row; null = none (echo the request's timestamp). */
  pre: number | null;
}

interface FirstPageIds extends PageIds {
  /** Newest publish time in the channel, pinned included; null = the channel is empty. */
  newest: number | null;
}

/** Who is reading an article, for the read hook and the viewer's flags. */
export interface ArticleRef {
  id: bigint;
  /** The author. */
  user_id: bigint;
  channel_id: bigint;
}

export interface ArticleServiceDeps {
  cache: Cache;
  kv: KeyValueStore;
  counters: CounterService;
  present: PresenterContext;
}

export function createArticleService(
  articles: ArticleRepository,
  channels: Pick<ChannelService, 'listVisible'>,
  deps: ArticleServiceDeps,
) {
  const { cache, kv, counters, present } = deps;

  const nearCards = new NearCache<bigint, CardEntry>({ max: NEAR_CACHE.cards, ttlMs: NEAR_CACHE.ttlMs });
  const nearPages = new NearCache<string, PageIds>({ max: NEAR_CACHE.pages, ttlMs: NEAR_CACHE.ttlMs });
  const nearDetails = new NearCache<bigint, DetailEntry>({
    max: NEAR_CACHE.details,
    ttlMs: NEAR_CACHE.ttlMs,
    maxBytes: NEAR_CACHE.detailBytes,
    sizeOf: detailBytes,
  });
  const pools = new NearCache<bigint, RelatedPool>({ max: 1_000, ttlMs: RELATED_POOL_TTL_MS });
  const loadingPools = new Map<bigint, Promise<RelatedPool>>();
  // One load per channel at a time: a burst of misses in one channel shares it.
  async function relatedPoolOf(channelId: bigint): Promise<RelatedPool> {
    const known = pools.peek(channelId)?.value;
    if (known) return known;
    let loading = loadingPools.get(channelId);
    if (!loading) {
      // One more than the pool: an article of the pool leaves itself out.
      loading = articles
        .relatedCandidates(channelId, RELATED_POOL + 1)
        .then((candidates) => {
          const pool = relatedPool(candidates, RELATED_POOL);
          pools.set(channelId, pool);
          return pool;
        })
        .finally(() => loadingPools.delete(channelId));
      loadingPools.set(channelId, loading);
    }
    return loading;
  }

  const viewedListeners: ((userId: bigint, article: ArticleRef) => Promise<void> | void)[] = [];

  let visible: { ids: Set<bigint>; loadedAt: number } | undefined;
  let loadingChannels: Promise<Set<bigint>> | undefined;
  const loadChannels = () =>
    (loadingChannels ??= channels
      .listVisible()
      .then((list) => {
        visible = { ids: new Set(list.map((c) => c.id)), loadedAt: performance.now() };
        return visible.ids;
      })
      .finally(() => {
        loadingChannels = undefined;
      }));

  // Process time, not the app clock: this is about how old the copy is, and tests move the clock.
  async function channelVisible(id: bigint): Promise<boolean> {
    const age = visible ? performance.now() - visible.loadedAt : Infinity;
    if (visible && age < CHANNELS_MEMO_MS && (visible.ids.has(id) || age < CHANNELS_RETRY_MS))
      return visible.ids.has(id);
    try {
      return (await loadChannels()).has(id);
    } catch (error) {
      // Database down: the last copy, however old, keeps cached timelines serving.
      if (visible && isConnectionError(error)) return visible.ids.has(id);
      throw error;
    }
  }

  /** Writes cards the caller already loaded into the card cache (only those not there yet). */
  async function primeCards(rows: ArticleCardRow[]): Promise<void> {
    if (rows.length === 0) return;
    const byId = new Map(rows.map((row) => [row.id, row]));
    await cache.getMany(
      [...byId.keys()],
      cardKey,
      async (missing) => new Map(missing.map((id) => [id, toCardEntry(present, byId.get(id)!)])),
      ARTICLE_CACHE.card,
    );
  }

  async function loadPage(channelId: bigint, before: number, withTop: boolean, newest: number): Promise<PageIds> {
    const rows = await articles.feedPage({ channelId, before, limit: FEED_PAGE_SIZE, excludePinned: withTop });
    // Pinned articles lead a first or refresh page only (contract recommendation in A32).
    const pinned = withTop && before >= newest ? await articles.pinned(channelId) : [];
    await primeCards(pinned.concat(rows));
    const last = rows.at(-1);
    return { ids: pinned.concat(rows).map((row) => row.id), pre: last ? last.published_at : null };
  }

  async function loadFirstPage(channelId: bigint, withTop: boolean): Promise<FirstPageIds> {
    const newest = await articles.newestPublishedAt(channelId);
    if (newest === null) return { newest, ids: [], pre: null };
    // Every article is older than newest + 1: this is the page of any timestamp after `newest`.
    return { newest, ...(await loadPage(channelId, newest + 1, withTop, newest)) };
  }

  async function invalidateArticle(id: bigint): Promise<void> {
    const channelIds = new Set<bigint>();
    // The channel it was cached under (it may have moved) and the one it is filed under now.
    for (const key of [cardKey(id), detailKey(id)]) {
      const text = await kv.get(key);
      if (text === null) continue;
      try {
        const entry = decodeValue<{ channel_id?: bigint }>(text);
        if (typeof entry?.channel_id === 'bigint') channelIds.add(entry.channel_id);
      } catch {
        // the absent marker: nothing was cached for it
      }
    }
    const current = await articles.channelOf(id);
    if (current !== undefined) channelIds.add(current);
    const pages = [...channelIds].flatMap((channelId) => [
      firstPageKey(channelId, true),
      firstPageKey(channelId, false),
    ]);
    nearCards.delete(id);
    nearDetails.delete(id);
    nearPages.delete(...pages);
    pools.delete(...channelIds);
    await cache.invalidate(cardKey(id), detailKey(id), ...pages);
  }

  const service = {
    /**
     * Cards of these ids in this order, invisible ones left out, with live counters. The one way
     * every list (timelines, channel 0) gets its cards.
     */
    async cards(ids: bigint[]): Promise<CardEntry[]> {
      if (ids.length === 0) return [];
      const known = ids.map((id) => nearCards.peek(id));
      const missing = ids.filter((_, i) => known[i] === undefined);
      let found: Map<bigint, CardEntry> | undefined;
      if (missing.length > 0) {
        found = await cache.getMany(
          missing,
          cardKey,
          async (unknown) =>
            new Map((await articles.findCards(unknown)).map((row) => [row.id, toCardEntry(present, row)])),
          ARTICLE_CACHE.card,
        );
        for (const id of missing) nearCards.set(id, found.get(id));
      }
      const entries: CardEntry[] = [];
      ids.forEach((id, i) => {
        const entry = known[i] ? known[i].value : found?.get(id);
        if (entry) entries.push(entry);
      });
      return counters.overlay('article', entries, [...CARD_COUNTERS]);
    },

    /** Whether a channel exists and is shown (kept in the process for a few seconds). */
    channelVisible,

    /**
     * A32 for one channel: newest first, keyset paged on published_at (ties kept on one page).
     * Pinned articles lead only the first or a refresh page (the request's instant is at or after
     * the channel's newest article); the app sends with_top=1 on every page.
     */
    async timeline(request: FeedRequest): Promise<TimelinePage> {
      const { channelId, timestamp, withTop } = request;
      if (!(await channelVisible(channelId))) throw invalidField('channel_id', 'unknown channel');
      const firstKey = firstPageKey(channelId, withTop);
      const first = (await nearPages.get(firstKey, () =>
        cache.get(firstKey, () => loadFirstPage(channelId, withTop), ARTICLE_CACHE.firstPage),
      )) as FirstPageIds;
      let page: PageIds = first;
      if (first.newest !== null && timestamp <= first.newest) {
        const newest = first.newest;
        const key = pageKey(channelId, timestamp, withTop);
        page = (await nearPages.get(key, () =>
          cache.get(key, () => loadPage(channelId, timestamp, withTop, newest), ARTICLE_CACHE.page),
        ))!;
      }
      return { preTimestamp: page.pre ?? timestamp, cards: await service.cards(page.ids) };
    },

    /** The newest visible articles of a channel, or of every channel (null): the RSS feeds. */
    async newest(channelId: bigint | null, limit: number): Promise<CardEntry[]> {
      const rows = await articles.feedPage({ channelId, before: Number.MAX_SAFE_INTEGER, limit, excludePinned: false });
      return service.cards(rows.slice(0, limit).map((row) => row.id));
    },

    /** An article that existed and was deleted (410 on the reader site); false for unknown ids. */
    isDeleted: (id: bigint) => articles.isDeleted(id),

    /** Visible articles per channel, and one channel's ids in pages (the sitemaps). */
    visibleCountsByChannel: () => articles.visibleCountsByChannel(),
    visibleIdsOfChannel: (channelId: bigint, offset: number, limit: number) =>
      articles.visibleIdsOfChannel(channelId, offset, limit),

    /** A34 without the viewer's flags: 404 for unknown, unapproved and deleted articles. */
    async detail(id: bigint): Promise<DetailEntry> {
      const entry = await nearDetails.get(id, () =>
        cache.get(
          detailKey(id),
          async () => {
            const row = await articles.findVisible(id);
            if (!row) return undefined;
            const pool = await relatedPoolOf(row.channel_id);
            return toDetailEntry(present, row, pickRelated(row, pool, RELATED_COUNT));
          },
          ARTICLE_CACHE.detail,
        ),
      );
      if (!entry) throw notFound('The article does not exist.');
      return entry;
    },

    /**
     * For whoever changes an article (MP edit, review, deletion, pinning): drops its card and
     * detail and the first pages of its channel (old and new, when it moved).
     */
    invalidateArticle,

    /** Listeners told when a signed-in reader opened an article (the recommender drops its cached profile). */
    onViewed(listener: (userId: bigint, article: ArticleRef) => Promise<void> | void): void {
      viewedListeners.push(listener);
    },

    /** Called by the detail route for signed-in readers. */
    async viewed(userId: bigint, article: ArticleRef): Promise<void> {
      for (const listener of viewedListeners) await listener(userId, article);
    },
  };

  // Cards cache the counts of their row: when a count moves in the database (a like, a comment,
  // a recount), the card goes, so the next read shows the new count.
  counters.onChanged(
    async (entity, ids) => {
      if (entity !== 'article' || ids.length === 0) return;
      nearCards.delete(...ids);
      await cache.invalidate(...ids.map(cardKey));
    },
    { fields: CARD_COUNTERS },
  );

  return service;
}

export function parseWithTop(value: string): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw badRequest({ with_top: 'must be 0, 1, true or false' });
}

export type ArticleService = ReturnType<typeof createArticleService>;
