/**
 * Queries of the reader's side of articles (tables from migration 0003): attitudes, collections,
 * reports, reading history and read telemetry, plus the article lists built on them. Writes
 * report whether a row really changed (insert-ignore, conditional update, delete), so the
 * services move counters and publish events only then.
 */
import type { SelectQueryBuilder } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore } from '../../platform/db/dialect.js';
import { type Database } from '../../platform/db/schema.js';
import {
  ArticleStatus,
  visibleArticleCards,
  visibleArticles,
  type ArticleCardRow,
} from '../articles/article.read-model.js';
import { followsUser } from '../relations/relation.read-model.js';
import { preparedQuery } from '../../platform/db/prepared-query.js';

/**
 * A34's per-reader flags in one round trip: the reader's attitude to the article, whether they
 * collected it and whether they follow its author (the relations read model's subquery). Run on
 * every signed-in article page, so it is built once (platform/db/prepared-query.ts).
 */
const viewerFlagsQuery = preparedQuery(['userId', 'articleId', 'authorId'], (db, { userId, articleId, authorId }) =>
  db.selectNoFrom((eb) => [
    eb
      .selectFrom('attitudes')
      .select('attitude')
      .where('user_id', '=', userId)
      .where('article_id', '=', articleId)
      .as('attitude'),
    eb
      .exists(
        eb
          .selectFrom('collections')
          .select('article_id')
          .where('user_id', '=', userId)
          .where('article_id', '=', articleId),
      )
      .as('collected'),
    followsUser(eb, userId, authorId).as('followed'),
  ]),
);

/** attitudes.attitude */
export const Attitude = { dislike: 0, like: 1 } as const;
export type AttitudeValue = (typeof Attitude)[keyof typeof Attitude];

/** users.status of an active account. */
const ACTIVE_USER = 1;

export interface PageWindow {
  offset: number;
  limit: number;
}

export interface CardPage {
  total: number;
  rows: ArticleCardRow[];
}

export interface NewRead {
  id: bigint;
  articleId: bigint;
  userId: bigint | null;
  source: string;
  durationSeconds: number;
  at: number;
}

const changed = (n: bigint | undefined) => Number(n ?? 0n) > 0;

export function createEngagementRepository(db: Db) {
  // The articles module's read model: every card list selects the same columns, one way.
  const cards = () => visibleArticleCards(db).where('a.published_at', 'is not', null);
  /** Visible articles only, for counts that must match the listed cards. */
  const visible = () => visibleArticles(db);

  const total = async (query: SelectQueryBuilder<Database, any, object>): Promise<number> => {
    const row = await query.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
    return Number(row.total);
  };

  const asCards = (rows: unknown[]) => rows as ArticleCardRow[];

  return {
    /** The same queries inside `trx` (a relation row and its counters commit together). */
    inTransaction: (trx: Db) => createEngagementRepository(trx),

    /** An approved, not deleted article and its author: what may be liked, collected or reported. */
    async visibleArticle(id: bigint): Promise<{ id: bigint; user_id: bigint } | undefined> {
      return db
        .selectFrom('articles')
        .select(['id', 'user_id'])
        .where('id', '=', id)
        .where('status', '=', ArticleStatus.approved)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    /**
     * What a batch of likes needs in one round trip: the visible articles among `articleIds`, each
     * with its author and the attitudes of `userIds` on it (a row per attitude, or one row with
     * nulls when none of them has one).
     */
    async likeTargets(
      articleIds: bigint[],
      userIds: bigint[],
    ): Promise<{ id: bigint; user_id: bigint; attitude_user_id: bigint | null; attitude: number | null }[]> {
      return db
        .selectFrom('articles as a')
        .leftJoin('attitudes as t', (join) => join.onRef('t.article_id', '=', 'a.id').on('t.user_id', 'in', userIds))
        .select(['a.id', 'a.user_id', 't.user_id as attitude_user_id', 't.attitude'])
        .where('a.id', 'in', articleIds)
        .where('a.status', '=', ArticleStatus.approved)
        .where('a.deleted_at', 'is', null)
        .execute();
    },

    /** The author of any article, visible or not (undoing an attitude on a since-hidden article). */
    async authorOf(articleId: bigint): Promise<bigint | undefined> {
      const row = await db.selectFrom('articles').select('user_id').where('id', '=', articleId).executeTakeFirst();
      return row?.user_id;
    },

    async isActiveUser(id: bigint): Promise<boolean> {
      const row = await db.selectFrom('users').select('status').where('id', '=', id).executeTakeFirst();
      return row !== undefined && row.status === ACTIVE_USER;
    },

    // ---- attitudes ----

    /** True when this call created the attitude row (there was none). */
    async insertAttitude(userId: bigint, articleId: bigint, attitude: AttitudeValue, at: number): Promise<boolean> {
      const result = await onConflictIgnore(
        db,
        db
          .insertInto('attitudes')
          .values({ user_id: userId, article_id: articleId, attitude, created_at: at, updated_at: at }),
        ['user_id', 'article_id'],
      ).executeTakeFirst();
      return changed(result.numInsertedOrUpdatedRows);
    },

    /** Several attitudes at once (a batch of likes): how many rows were created (the rest existed). */
    async insertAttitudes(
      pairs: { userId: bigint; articleId: bigint }[],
      attitude: AttitudeValue,
      at: number,
    ): Promise<number> {
      const result = await onConflictIgnore(
        db,
        db.insertInto('attitudes').values(
          pairs.map(({ userId, articleId }) => ({
            user_id: userId,
            article_id: articleId,
            attitude,
            created_at: at,
            updated_at: at,
          })),
        ),
        ['user_id', 'article_id'],
      ).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n);
    },

    /** Compare-and-set: true when this call turned `from` into `to`. */
    async flipAttitude(
      userId: bigint,
      articleId: bigint,
      from: AttitudeValue,
      to: AttitudeValue,
      at: number,
    ): Promise<boolean> {
      const result = await db
        .updateTable('attitudes')
        .set({ attitude: to, updated_at: at })
        .where('user_id', '=', userId)
        .where('article_id', '=', articleId)
        .where('attitude', '=', from)
        .executeTakeFirst();
      return changed(result.numUpdatedRows);
    },

    /** True when this call removed an attitude of this value. */
    async deleteAttitude(userId: bigint, articleId: bigint, attitude: AttitudeValue): Promise<boolean> {
      const result = await db
        .deleteFrom('attitudes')
        .where('user_id', '=', userId)
        .where('article_id', '=', articleId)
        .where('attitude', '=', attitude)
        .executeTakeFirst();
      return changed(result.numDeletedRows);
    },

    async attitudeOf(userId: bigint, articleId: bigint): Promise<AttitudeValue | undefined> {
      const row = await db
        .selectFrom('attitudes')
        .select('attitude')
        .where('user_id', '=', userId)
        .where('article_id', '=', articleId)
        .executeTakeFirst();
      return row?.attitude as AttitudeValue | undefined;
    },

    /** Article ids among `articleIds` that the user has this attitude to. */
    async withAttitude(userId: bigint, attitude: AttitudeValue, articleIds?: bigint[]): Promise<bigint[]> {
      if (articleIds?.length === 0) return [];
      let query = db
        .selectFrom('attitudes')
        .select('article_id')
        .where('user_id', '=', userId)
        .where('attitude', '=', attitude);
      if (articleIds) query = query.where('article_id', 'in', articleIds);
      const rows = await query.execute();
      return rows.map((row) => row.article_id);
    },

    /** Newest likes and dislikes of a reader with the article's channel and author (the recommender). */
    recentAttitudes(userId: bigint, limit: number) {
      return db
        .selectFrom('attitudes as x')
        .innerJoin('articles as a', 'a.id', 'x.article_id')
        .select(['x.article_id', 'x.attitude', 'a.channel_id', 'a.user_id'])
        .where('x.user_id', '=', userId)
        .orderBy('x.updated_at', 'desc')
        .limit(limit)
        .execute();
    },

    /** Newest reads of a reader with the article's channel and author (the recommender). */
    recentReads(userId: bigint, limit: number) {
      return db
        .selectFrom('reading_history as h')
        .innerJoin('articles as a', 'a.id', 'h.article_id')
        .select(['h.article_id', 'a.channel_id', 'a.user_id'])
        .where('h.user_id', '=', userId)
        .orderBy('h.read_at', 'desc')
        .limit(limit)
        .execute();
    },

    // ---- collections ----

    async insertCollection(userId: bigint, articleId: bigint, at: number): Promise<boolean> {
      const result = await onConflictIgnore(
        db,
        db.insertInto('collections').values({ user_id: userId, article_id: articleId, created_at: at }),
        ['user_id', 'article_id'],
      ).executeTakeFirst();
      return changed(result.numInsertedOrUpdatedRows);
    },

    async deleteCollection(userId: bigint, articleId: bigint): Promise<boolean> {
      const result = await db
        .deleteFrom('collections')
        .where('user_id', '=', userId)
        .where('article_id', '=', articleId)
        .executeTakeFirst();
      return changed(result.numDeletedRows);
    },

    /** A34's per-reader flags (viewerFlagsQuery). */
    async viewerFlags(
      userId: bigint,
      articleId: bigint,
      authorId: bigint,
    ): Promise<{ attitude: AttitudeValue | undefined; collected: boolean; followed: boolean }> {
      const [row] = await viewerFlagsQuery.execute(db, { userId, articleId, authorId });
      // EXISTS is a boolean on PostgreSQL, 0/1 on SQLite and MySQL.
      return {
        attitude: row!.attitude === null ? undefined : (Number(row!.attitude) as AttitudeValue),
        collected: Number(row!.collected) === 1,
        followed: Number(row!.followed) === 1,
      };
    },

    async isCollected(userId: bigint, articleId: bigint): Promise<boolean> {
      const row = await db
        .selectFrom('collections')
        .select('article_id')
        .where('user_id', '=', userId)
        .where('article_id', '=', articleId)
        .executeTakeFirst();
      return row !== undefined;
    },

    // ---- reports ----

    /** False when this user already reported this article. */
    async insertReport(userId: bigint, articleId: bigint, type: number, remark: string, at: number): Promise<boolean> {
      const result = await onConflictIgnore(
        db,
        db.insertInto('reports').values({ user_id: userId, article_id: articleId, type, remark, created_at: at }),
        ['user_id', 'article_id'],
      ).executeTakeFirst();
      return changed(result.numInsertedOrUpdatedRows);
    },

    /** Dismisses every report of an article (a moderator found nothing wrong); how many there were. */
    async deleteReports(articleId: bigint): Promise<number> {
      const result = await db.deleteFrom('reports').where('article_id', '=', articleId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // ---- reading history ----

    /** Moves an existing entry to `at`; false when the user has no entry for the article. */
    async touchHistory(userId: bigint, articleId: bigint, at: number): Promise<boolean> {
      const result = await db
        .updateTable('reading_history')
        .set({ read_at: at })
        .where('user_id', '=', userId)
        .where('article_id', '=', articleId)
        .executeTakeFirst();
      return changed(result.numUpdatedRows);
    },

    /** True when this call created the entry. */
    async insertHistory(userId: bigint, articleId: bigint, at: number): Promise<boolean> {
      const result = await onConflictIgnore(
        db,
        db
          .insertInto('reading_history')
          .values({ user_id: userId, article_id: articleId, created_at: at, read_at: at }),
        ['user_id', 'article_id'],
      ).executeTakeFirst();
      return changed(result.numInsertedOrUpdatedRows);
    },

    /**
     * Deletes the user's entries beyond the newest `keep` (at most `batch` per call: trimming runs
     * after every new entry, so the surplus is normally one row). Uses the (user_id, read_at) index.
     */
    async trimHistory(userId: bigint, keep: number, batch = 50): Promise<number> {
      const surplus = await db
        .selectFrom('reading_history')
        .select('article_id')
        .where('user_id', '=', userId)
        .orderBy('read_at', 'desc')
        .orderBy('article_id', 'desc')
        .limit(batch)
        .offset(keep)
        .execute();
      if (surplus.length === 0) return 0;
      const result = await db
        .deleteFrom('reading_history')
        .where('user_id', '=', userId)
        .where(
          'article_id',
          'in',
          surplus.map((row) => row.article_id),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // ---- read telemetry ----

    async insertReads(reads: NewRead[]): Promise<void> {
      if (reads.length === 0) return;
      await db
        .insertInto('article_reads')
        .values(
          reads.map((read) => ({
            id: read.id,
            article_id: read.articleId,
            user_id: read.userId,
            source: read.source,
            duration_seconds: read.durationSeconds,
            created_at: read.at,
          })),
        )
        .execute();
    },

    /**
     * The newest read of this article since `since`: by this user, or (userId null) the newest
     * anonymous read that has no duration yet.
     */
    async newestRead(articleId: bigint, userId: bigint | null, since: number): Promise<bigint | undefined> {
      let query = db
        .selectFrom('article_reads')
        .select('id')
        .where('article_id', '=', articleId)
        .where('created_at', '>=', since);
      query =
        userId === null
          ? query.where('user_id', 'is', null).where('duration_seconds', '=', 0)
          : query.where('user_id', '=', userId);
      const row = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row?.id;
    },

    /** Sets a read's duration; with `onlyIfUnset`, only while it has none (claiming an anonymous read). */
    async setReadDuration(id: bigint, seconds: number, onlyIfUnset: boolean): Promise<boolean> {
      let query = db.updateTable('article_reads').set({ duration_seconds: seconds }).where('id', '=', id);
      if (onlyIfUnset) query = query.where('duration_seconds', '=', 0);
      const result = await query.executeTakeFirst();
      return changed(result.numUpdatedRows);
    },

    // ---- article lists (ArticleCard pages) ----

    /** A41: the user's collected visible articles, most recently collected first. */
    async collectedPage(userId: bigint, page: PageWindow): Promise<CardPage> {
      const rows = await cards()
        .innerJoin('collections as c', 'c.article_id', 'a.id')
        .where('c.user_id', '=', userId)
        .orderBy('c.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const count = await total(
        visible().innerJoin('collections as c', 'c.article_id', 'a.id').where('c.user_id', '=', userId),
      );
      return { total: count, rows: asCards(rows) };
    },

    /** A49: the user's reading history of visible articles, most recently read first. */
    async historyPage(userId: bigint, page: PageWindow): Promise<CardPage> {
      const rows = await cards()
        .innerJoin('reading_history as h', 'h.article_id', 'a.id')
        .where('h.user_id', '=', userId)
        .orderBy('h.read_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const count = await total(
        visible().innerJoin('reading_history as h', 'h.article_id', 'a.id').where('h.user_id', '=', userId),
      );
      return { total: count, rows: asCards(rows) };
    },

    /** A47/A48: a user's visible articles, newest first. */
    async authoredPage(userId: bigint, page: PageWindow): Promise<CardPage> {
      const rows = await cards()
        .where('a.user_id', '=', userId)
        .orderBy('a.published_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const count = await total(visible().where('a.user_id', '=', userId));
      return { total: count, rows: asCards(rows) };
    },
  };
}

export type EngagementRepository = ReturnType<typeof createEngagementRepository>;
