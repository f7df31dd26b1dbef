/**
 * System announcements (A02, A03) and publishing them (our admin endpoint).
 *
 * Reads are cache-aside through `platform.cache`:
 * - an item under `ann:<id>`; an unknown id is cached as absent for the cache's negative TTL
 *   (30 s), so a flood of made-up ids reaches the database once per id per 30 s;
 * - the first pages of the list under `ann:list:<version>:<page>:<per_page>`. Publishing bumps the
 *   version (one kv INCR), which retires every cached page at once; old pages expire by TTL.
 */
import type { AuditService } from '../audit/audit.service.js';
import type { Cache, CachePolicy } from '../../platform/cache/cache.js';
import type { EventBus } from '../../platform/events/events.js';
import { badRequest, invalidField } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/paging.js';
import { unlessKvDown, type KeyValueStore } from '../../platform/kv/kv.js';
import type { AnnouncementRepository, AnnouncementRow, AnnouncementSummaryRow } from './announcement.repository.js';

export const ANNOUNCEMENT_CACHE: CachePolicy = { ttlMs: 10 * 60_000, negativeTtlMs: 30_000 };
export const TITLE_MAX = 128;
export const CONTENT_MAX = 20_000;
/** Deeper pages are rare; caching them would only let crawlers fill the cache. */
const CACHED_PAGES = 10;
const MAX_ID = (1n << 63n) - 1n;

export const VERSION_KEY = 'ann:ver';
export const itemKey = (id: bigint) => `ann:${id}`;

export const INVALID_ANNOUNCEMENT = 'Invalid announcement.';

export interface AnnouncementPage {
  total: number;
  rows: AnnouncementSummaryRow[];
}

export interface AnnouncementServiceDeps {
  announcements: AnnouncementRepository;
  cache: Cache;
  kv: KeyValueStore;
  events: EventBus;
  newId: () => bigint;
  now: () => number;
  audit: AuditService;
}

export function createAnnouncementService(deps: AnnouncementServiceDeps) {
  const { announcements, cache, kv } = deps;

  const loadPage = async (page: Page): Promise<AnnouncementPage> => {
    const [total, rows] = await Promise.all([announcements.count(), announcements.page(page.offset, page.perPage)]);
    return { total, rows };
  };

  /** Forgets every cached list page, and these items (a negative entry for a reused id included). */
  const invalidate = async (ids: bigint[] = []) => {
    await kv.incr(VERSION_KEY);
    await cache.invalidate(...ids.map(itemKey));
  };

  return {
    /** A02: newest first. */
    async list(page: Page): Promise<AnnouncementPage> {
      if (page.page > CACHED_PAGES) return loadPage(page);
      const version = await unlessKvDown(kv.get(VERSION_KEY), undefined);
      // Store down: straight from the database (the cache could not be read or written anyway).
      if (version === undefined) return loadPage(page);
      const key = `ann:list:${version ?? '0'}:${page.page}:${page.perPage}`;
      return (await cache.get(key, () => loadPage(page), ANNOUNCEMENT_CACHE))!;
    },

    /** A03: 400 "Invalid announcement." for an unknown id (the original's status, not 404). */
    async get(id: bigint): Promise<AnnouncementRow> {
      if (id < 1n || id > MAX_ID) throw badRequest(INVALID_ANNOUNCEMENT);
      const row = await cache.get(itemKey(id), () => announcements.findById(id), ANNOUNCEMENT_CACHE);
      if (!row) throw badRequest(INVALID_ANNOUNCEMENT);
      return row;
    },

    /** For admins (the route's access rule): stores the announcement as given, clears caches, tells subscribers. */
    async publish(actorId: bigint, input: { title: string; content: string }): Promise<AnnouncementRow> {
      const title = input.title.trim();
      if (title.length === 0) throw invalidField('title', 'must not be blank');
      const at = deps.now();
      const row = { id: deps.newId(), title, content: input.content, published_at: at };
      await announcements.insert({ ...row, created_at: at });
      await deps.audit.record({
        actorId,
        action: 'announcement.publish',
        targetType: 'announcement',
        targetId: row.id,
        after: { title },
      });
      await invalidate([row.id]);
      deps.events.publish('announcement.published', { announcementId: row.id, title, at });
      return row;
    },

    /** For writers outside this service (seeds, maintenance): drop the cached pages and these items. */
    invalidate,
  };
}

export type AnnouncementService = ReturnType<typeof createAnnouncementService>;
