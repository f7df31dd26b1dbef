/**
 * Articles on the media platform (contract §4.3, M11–M15): an author writes, edits, lists and
 * deletes their own articles; moderation (../moderation) decides what readers see. (M16, the
 * author's search, is the search module's.)
 *
 * Status (contract): 0 draft, 1 pending review, 2 approved (the only status the app shows),
 * 3 rejected, 4 deleted (soft: status 4 + deleted_at), 5 banned (never shown to the author).
 *
 * Rules, decided here:
 * - Writing (M12/M14) with draft=true stores status 0; otherwise 1, and the review policy screens
 *   the submission at once: under `auto` a clean article (no sensitive word) is approved in the
 *   same transaction, a flagged one stays pending for a moderator; under `manual` every one waits.
 * - Editing an approved article takes it out of the app until it is approved again (the contract's
 *   M14: status becomes 0 or 1). Re-approval keeps the first `published_at`, so an edit never
 *   moves an old article to the top of the feeds.
 * - Deleting (M15) is allowed from 0, 1, 2 and 3. B refused approved articles (the admin then shows
 *   "参数错误"); an author may withdraw their own published article here. 4 (already deleted) and
 *   5 (banned) answer 400 "Invalid article.", as do other authors' ids.
 * - Another author's article is indistinguishable from a missing one: M13 answers 404, M14 and M15
 *   the contract's 400 "Invalid article.", and lists only ever select the caller's rows.
 * - Every change of status or content publishes 'article.changed' (after the commit) so the
 *   readers' caches and the search index follow; the author's art_count moves by ±1 exactly when
 *   the article enters or leaves the approved status (the compare-and-set write makes that once).
 * - Content is sanitized on write (platform/sanitize/html.ts); the title is plain text.
 */
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import type { EventBus } from '../../platform/events/events.js';
import { conflict, invalidField, notFound, badRequest } from '../../platform/http/errors.js';
import { clampPage, type PageBounds } from '../../platform/http/paging.js';
import type { IdGenerators } from '../../platform/ids.js';
import type { HtmlSanitizer } from '../../platform/sanitize/html.js';
import type { SensitiveWordFilter } from '../../platform/sanitize/sensitive-words.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import type { CounterService } from '../counters/counter.service.js';
import { dayRange } from './mp-article.dates.js';
import type {
  ArticleUpdate,
  ListFilter,
  MpArticleRepository,
  MpArticleRow,
  MpArticleWithContent,
  ReviewRow,
  StatsRow,
} from './mp-article.repository.js';

/**
 * MP list sizes. The contract's bounds are 10–50, but the admin's comment page offers 100 and
 * pages with it (page 2 = rows 101–200): clamping 100 to 50 would make its pages overlap and
 * hide rows, so the upper bound here is 100 (trap #7). Out-of-range values are clamped.
 */
export const MP_LIST_PAGE: PageBounds = { min: 10, max: 100, fallback: 10 };
/** The moderation queue's page sizes. */
export const REVIEW_PAGE: PageBounds = { min: 1, max: 100, fallback: 20 };

export const TITLE_MIN = 5;
export const TITLE_MAX = 30;
/** ¥1,000,000: far above any real price; keeps the column inside 32 bits. */
export const MAX_PRICE_CENTS = 100_000_000;
/** Sensitive words stored per article (the review flags). */
const MAX_FLAGS = 20;
const FLAGS_MAX_CHARS = 1000;
const RETRIES = 3;

export const MESSAGES = {
  invalidArticle: 'Invalid article.',
  notFound: 'The article does not exist.',
  cover: 'Invalid cover param.',
  channel: 'Invalid channel id.',
  changed: 'The article was changed meanwhile; try again.',
  status: 'Article status does not allow this decision.',
} as const;

/** Statuses an author lists by default and may edit or delete. */
const AUTHOR_STATUSES = [ArticleStatus.draft, ArticleStatus.pending, ArticleStatus.approved, ArticleStatus.rejected];
/** Statuses an author may filter on (4 = their deleted articles, asked for explicitly; trap #7). */
const LISTABLE_STATUSES = new Set<number>([...AUTHOR_STATUSES, ArticleStatus.deleted]);

export type ReviewOutcome = 'approve' | 'hold';

export interface Submission {
  articleId: bigint;
  authorId: bigint;
  title: string;
  /** The article's text without tags. */
  text: string;
  /** Sensitive words found in the title and text. */
  flags: string[];
}

/** The review policy as the article writer sees it (implemented by ../moderation). */
export interface ReviewHooks {
  /** An article was submitted (status 1): approve it now, or hold it for a moderator. */
  screen(submission: Submission): ReviewOutcome;
  /** Records an automatic approval, inside the transaction that stores it. */
  recordAutomatic(
    trx: Db,
    entry: { articleId: bigint; fromStatus: number; toStatus: number; at: number },
  ): Promise<void>;
}

export interface CoverInput {
  type: number;
  images?: string[];
}

export interface ArticleInput {
  title: string;
  content: string;
  /** Absent: automatic (-1). */
  cover?: CoverInput;
  channelId: bigint;
  /** Integer cents; absent: 0 on create, unchanged on edit. */
  price?: number;
}

export interface Written {
  id: bigint;
  status: number;
}

export type ListKind = 'content' | 'comment' | 'statistic';

export interface ListQuery {
  statuses?: number[];
  channelIds?: bigint[];
  begin?: string;
  end?: string;
  page?: number;
  perPage?: number;
  responseType?: 'comment' | 'statistic';
}

export interface CommentSummary extends StatsRow {
  fans_comment_count: number;
}

export type ListResult =
  | { kind: 'content'; page: number; perPage: number; total: number; rows: MpArticleRow[] }
  | { kind: 'comment'; page: number; perPage: number; total: number; rows: CommentSummary[] }
  | { kind: 'statistic'; page: number; perPage: number; total: number; rows: StatsRow[] };

export interface MpArticleServiceDeps {
  articles: MpArticleRepository;
  channels: { isVisible(id: bigint): Promise<boolean> };
  sanitizer: HtmlSanitizer;
  words: SensitiveWordFilter;
  review: ReviewHooks;
  counters: CounterService;
  events: EventBus;
  ids: IdGenerators;
  clock: Clock;
  /** Cover images under the storage's public base are stored as keys (they follow a domain change). */
  storage: Pick<ObjectStorage, 'url'>;
  /** Calendar days of the date filters are read in this zone (config.timeZone). */
  timeZone: string;
}

interface Prepared {
  title: string;
  html: string;
  text: string;
  coverType: number;
  coverImages: string[];
  channelId: bigint;
  price: number | undefined;
  flags: string[];
}

/** Plain-text title: trimmed, inner whitespace runs collapsed, 5–30 characters, no markup. */
export function checkTitle(raw: string): string {
  const title = raw
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
    .replace(/[\u0000-\u001f\u007f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const length = [...title].length;
  if (length < TITLE_MIN || length > TITLE_MAX)
    throw invalidField('title', `must be ${TITLE_MIN} to ${TITLE_MAX} characters`);
  // A title is text, never HTML: refuse anything shaped like a tag rather than guess what was meant.
  if (/<\s*\/?\s*[a-z!?]/i.test(title)) throw invalidField('title', 'must be plain text (no HTML tags)');
  return title;
}

/** The public base URL of stored objects (`…/media/`), or null when the storage cannot say. */
export function storageBase(storage: Pick<ObjectStorage, 'url'>): string | null {
  try {
    // Keys need a known image extension; any valid key shows the base.
    return storage.url('probe.png').replace(/probe\.png$/, '');
  } catch {
    return null;
  }
}

/** 1–2 content images give a one-image cover, 3 or more a three-image cover, none no cover. */
export function autoCover(images: string[]): string[] {
  const count = images.length >= 3 ? 3 : images.length >= 1 ? 1 : 0;
  return images.slice(0, count);
}

export function createMpArticleService(deps: MpArticleServiceDeps) {
  const { articles, channels, sanitizer, words, review, counters, events, ids, clock, storage, timeZone } = deps;

  const storagePrefix = storageBase(storage);

  /** An allowed absolute image URL as stored: a storage key when it is one of our objects. */
  function storedImage(url: string): string {
    if (storagePrefix && url.startsWith(storagePrefix)) {
      const key = url.slice(storagePrefix.length);
      try {
        if (storage.url(key) === url) return key;
      } catch {
        // not a valid key: keep the URL
      }
    }
    return url;
  }

  function resolveCover(cover: CoverInput | undefined, contentImages: string[]): { type: number; images: string[] } {
    const type = cover?.type ?? -1;
    if (type === -1) {
      const picked = autoCover(contentImages);
      return { type: picked.length, images: picked.map(storedImage) };
    }
    if (type !== 0 && type !== 1 && type !== 3)
      throw invalidField('cover', `${MESSAGES.cover} type must be -1, 0, 1 or 3`);
    const images = cover?.images ?? [];
    if (images.length !== type)
      throw invalidField(
        'cover',
        `${MESSAGES.cover} type ${type} needs exactly ${type} image(s), got ${images.length}`,
      );
    return {
      type,
      images: images.map((image) => {
        const url = typeof image === 'string' ? sanitizer.imageUrl(image) : null;
        if (!url)
          throw invalidField('cover', `${MESSAGES.cover} images must be absolute URLs of images stored on this site`);
        return storedImage(url);
      }),
    };
  }

  async function prepare(input: ArticleInput): Promise<Prepared> {
    const title = checkTitle(input.title);
    let cleaned;
    try {
      cleaned = sanitizer.sanitize(input.content);
    } catch (error) {
      if (error instanceof RangeError) throw invalidField('content', 'is too long');
      throw error;
    }
    if (cleaned.empty) throw invalidField('content', 'must not be empty');
    if (cleaned.html.includes('\u0000')) throw invalidField('content', 'must not contain NUL characters');
    const cover = resolveCover(input.cover, cleaned.images);
    if (input.channelId === 0n || !(await channels.isVisible(input.channelId)))
      throw invalidField('channel_id', MESSAGES.channel);
    if (
      input.price !== undefined &&
      (!Number.isSafeInteger(input.price) || input.price < 0 || input.price > MAX_PRICE_CENTS)
    ) {
      throw invalidField('price', `must be an integer number of cents from 0 to ${MAX_PRICE_CENTS}`);
    }
    const flags = words.match(`${title}\n${cleaned.text}`, MAX_FLAGS);
    return {
      title,
      html: cleaned.html,
      text: cleaned.text,
      coverType: cover.type,
      coverImages: cover.images,
      channelId: input.channelId,
      price: input.price,
      flags,
    };
  }

  /** The flags as stored: a JSON array that fits the column (review_flags is varchar(1024)). */
  function flagsJson(flags: string[]): string | null {
    const kept: string[] = [];
    for (const flag of flags) {
      if (JSON.stringify([...kept, flag]).length > FLAGS_MAX_CHARS) break;
      kept.push(flag);
    }
    return kept.length > 0 ? JSON.stringify(kept) : null;
  }

  /**
   * What runs inside the transaction of a status change: the author's art_count when visibility
   * flipped (so the count commits with the status), after `also` (the decision log).
   */
  function inChange(authorId: bigint, from: number | null, to: number, also?: (trx: Db) => Promise<void>) {
    const by = Number(to === ArticleStatus.approved) - Number(from === ArticleStatus.approved);
    return async (trx: Db): Promise<void> => {
      if (also) await also(trx);
      await counters.apply(trx, [{ entity: 'user', id: authorId, field: 'art_count', by }]);
    };
  }

  /** The effect of a committed change: the event. */
  function changed(article: { id: bigint }, to: number, at: number): void {
    events.publish('article.changed', { articleId: article.id, visible: to === ArticleStatus.approved, at });
  }

  /** The caller's article in a status they may act on (0–3); otherwise `error`. */
  async function owned(userId: bigint, id: bigint, error: () => Error): Promise<MpArticleRow> {
    const row = await articles.state(id);
    if (!row || row.user_id !== userId || !AUTHOR_STATUSES.includes(row.status as never)) throw error();
    return row;
  }

  const invalidArticle = () => badRequest(MESSAGES.invalidArticle);
  const missing = () => notFound(MESSAGES.notFound);

  function screen(status: number, id: bigint, authorId: bigint, prepared: Prepared): number {
    if (status !== ArticleStatus.pending) return status;
    const outcome = review.screen({
      articleId: id,
      authorId,
      title: prepared.title,
      text: prepared.text,
      flags: prepared.flags,
    });
    return outcome === 'approve' ? ArticleStatus.approved : status;
  }

  return {
    /** M12: a new article, status 0 (draft) or 1 (submitted; approved at once when the policy says so). */
    async create(userId: bigint, input: ArticleInput, draft: boolean): Promise<Written> {
      const prepared = await prepare(input);
      const id = ids.content();
      const at = clock.now();
      const status = screen(draft ? ArticleStatus.draft : ArticleStatus.pending, id, userId, prepared);
      const approved = status === ArticleStatus.approved;
      await articles.insert(
        {
          id,
          user_id: userId,
          channel_id: prepared.channelId,
          title: prepared.title,
          cover_type: prepared.coverType,
          cover_images: JSON.stringify(prepared.coverImages),
          status,
          created_at: at,
          updated_at: at,
          published_at: approved ? at : null,
          deleted_at: null,
          reject_reason: null,
          price_cents: prepared.price ?? 0,
          review_flags: flagsJson(prepared.flags),
        },
        prepared.html,
        inChange(
          userId,
          null,
          status,
          approved
            ? (trx) =>
                review.recordAutomatic(trx, { articleId: id, fromStatus: ArticleStatus.pending, toStatus: status, at })
            : undefined,
        ),
      );
      changed({ id }, status, at);
      return { id, status };
    },

    /** M13: the caller's article (not deleted, not banned) with its content; 404 otherwise. */
    async get(userId: bigint, id: bigint): Promise<MpArticleWithContent> {
      const row = await articles.find(id);
      if (!row || row.user_id !== userId || !AUTHOR_STATUSES.includes(row.status as never)) throw missing();
      return row;
    },

    /** M14: replaces title, content, cover, channel (and price when given); status 0 or 1 as for M12. */
    async update(userId: bigint, id: bigint, input: ArticleInput, draft: boolean): Promise<Written> {
      await owned(userId, id, invalidArticle);
      const prepared = await prepare(input);
      for (let attempt = 0; attempt < RETRIES; attempt++) {
        const current = await owned(userId, id, invalidArticle);
        const at = clock.now();
        const status = screen(draft ? ArticleStatus.draft : ArticleStatus.pending, id, userId, prepared);
        const approved = status === ArticleStatus.approved;
        const set: ArticleUpdate = {
          channel_id: prepared.channelId,
          title: prepared.title,
          cover_type: prepared.coverType,
          cover_images: JSON.stringify(prepared.coverImages),
          status,
          // Strictly later than the stored value, so the row always changes (MySQL counts changed rows).
          updated_at: Math.max(at, current.updated_at + 1),
          review_flags: flagsJson(prepared.flags),
        };
        if (prepared.price !== undefined) set.price_cents = prepared.price;
        if (approved) {
          set.published_at = current.published_at ?? at;
          set.reject_reason = null;
        }
        const done = await articles.transition(id, current, set, {
          content: prepared.html,
          within: inChange(
            current.user_id,
            current.status,
            status,
            approved
              ? (trx) =>
                  review.recordAutomatic(trx, {
                    articleId: id,
                    fromStatus: ArticleStatus.pending,
                    toStatus: status,
                    at,
                  })
              : undefined,
          ),
        });
        if (done) {
          changed(current, status, at);
          return { id, status };
        }
      }
      throw conflict(MESSAGES.changed, 'version_conflict');
    },

    /** M15: soft delete (status 4, deleted_at) from 0–3; 400 "Invalid article." otherwise. */
    async remove(userId: bigint, id: bigint): Promise<void> {
      for (let attempt = 0; attempt < RETRIES; attempt++) {
        const current = await owned(userId, id, invalidArticle);
        const at = clock.now();
        const done = await articles.transition(
          id,
          current,
          {
            status: ArticleStatus.deleted,
            deleted_at: at,
            updated_at: Math.max(at, current.updated_at + 1),
          },
          { within: inChange(current.user_id, current.status, ArticleStatus.deleted) },
        );
        if (done) {
          changed(current, ArticleStatus.deleted, at);
          return;
        }
      }
      throw conflict(MESSAGES.changed, 'version_conflict');
    },

    /**
     * M11. `total_count` comes from the same filter as `results`. `comment` and `statistic` only
     * list approved articles (intersected with any status filter). Newest first.
     */
    async list(userId: bigint, query: ListQuery): Promise<ListResult> {
      const requested = query.statuses ?? [];
      for (const status of requested) {
        if (!LISTABLE_STATUSES.has(status))
          throw invalidField('status', 'Invalid status param. (0 draft, 1 pending, 2 approved, 3 rejected, 4 deleted)');
      }
      let statuses = requested.length > 0 ? [...new Set(requested)] : [...AUTHOR_STATUSES];
      if (query.responseType) statuses = statuses.filter((s) => s === ArticleStatus.approved);
      const range = dayRange(query.begin, query.end, timeZone);
      const filter: ListFilter = { userId, statuses, channelIds: query.channelIds, ...range };
      const { page, perPage, offset } = clampPage({ page: query.page, per_page: query.perPage }, MP_LIST_PAGE);
      const [rows, total] = await Promise.all([articles.list(filter, offset, perPage), articles.count(filter)]);
      if (!query.responseType) return { kind: 'content', page, perPage, total, rows };

      const ids = rows.map((r) => r.id);
      const byId = new Map((await articles.stats(ids)).map((s) => [s.id, s]));
      const stats = await counters.overlay(
        'article',
        ids.flatMap((id) => byId.get(id) ?? []),
        ['comment_count', 'read_count', 'like_count', 'share_count', 'collect_count'],
      );
      if (query.responseType === 'statistic') return { kind: 'statistic', page, perPage, total, rows: stats };
      const fans = await articles.fansCommentCounts(userId, ids);
      return {
        kind: 'comment',
        page,
        perPage,
        total,
        rows: stats.map((s) => ({ ...s, fans_comment_count: fans.get(s.id) ?? 0 })),
      };
    },

    // ---- for moderation -------------------------------------------------------------------

    /** The review queue: articles in `statuses`, oldest change first. */
    async reviewQueue(
      statuses: number[],
      query: { page?: number; perPage?: number },
    ): Promise<{ page: number; perPage: number; total: number; rows: ReviewRow[] }> {
      const { page, perPage, offset } = clampPage({ page: query.page, per_page: query.perPage }, REVIEW_PAGE);
      const [rows, total] = await Promise.all([
        articles.reviewPage(statuses, offset, perPage),
        articles.reviewCount(statuses),
      ]);
      return { page, perPage, total, rows };
    },

    /** Any article with its content and author's name (404 when unknown). */
    async forReview(id: bigint): Promise<MpArticleWithContent & { aut_name: string }> {
      const row = await articles.find(id);
      if (!row) throw missing();
      return { ...row, aut_name: (await articles.authorName(row.user_id)) ?? '' };
    },

    /**
     * A moderator's decision: moves the article from one of `from` to `to` (409 from any other
     * status, or when it is no longer the `version` the moderator reviewed; 404 when unknown),
     * with `record` writing the decision in the same transaction.
     * Approval sets published_at on the first approval only and clears the reject reason;
     * rejection and ban store `reason`.
     */
    async moderate(
      id: bigint,
      change: {
        from: readonly number[];
        to: number;
        reason: string | null;
        /** The version (updated_at) the moderator reviewed: 409 when the article changed since. */
        version?: number;
        record: (trx: Db, fromStatus: number, at: number) => Promise<void>;
      },
    ): Promise<{ article: MpArticleRow; from: number; to: number }> {
      for (let attempt = 0; attempt < RETRIES; attempt++) {
        const current = await articles.state(id);
        if (!current) throw missing();
        if (change.version !== undefined && change.version !== current.updated_at)
          throw conflict(MESSAGES.changed, 'version_conflict');
        if (!change.from.includes(current.status)) throw conflict(MESSAGES.status);
        const at = clock.now();
        const set: ArticleUpdate = { status: change.to, updated_at: Math.max(at, current.updated_at + 1) };
        if (change.to === ArticleStatus.approved) {
          set.published_at = current.published_at ?? at;
          set.reject_reason = null;
        } else {
          set.reject_reason = change.reason;
        }
        const done = await articles.transition(id, current, set, {
          within: inChange(current.user_id, current.status, change.to, (trx) => change.record(trx, current.status, at)),
        });
        if (done) {
          changed(current, change.to, at);
          return { article: { ...current, ...(set as Partial<MpArticleRow>) }, from: current.status, to: change.to };
        }
      }
      throw conflict(MESSAGES.changed, 'version_conflict');
    },
  };
}

export type MpArticleService = ReturnType<typeof createMpArticleService>;
