/**
 * The media platform's article queries: an author's own articles (M11–M15) and the review queue
 * (moderation). Every status change is a compare-and-set on the status the service read, so two
 * writers racing (an edit and a moderator's decision) never both win, and the side effects that
 * follow a change (counters, events) happen exactly once.
 */
import type { Selectable, Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { ArticlesTable, NewArticle } from '../articles/article.tables.js';

export type ArticleUpdate = Updateable<ArticlesTable>;

/** An article as the media platform reads it (no counters): exactly the columns of ARTICLE_COLUMNS. */
export type MpArticleRow = Pick<Selectable<ArticlesTable>, MpColumn>;

export interface MpArticleWithContent extends MpArticleRow {
  content: string;
}

/** A review-queue row: the article plus its author's name. */
export interface ReviewRow extends MpArticleRow {
  aut_name: string;
}

export interface StatsRow {
  id: bigint;
  title: string;
  allow_comment: number;
  comment_count: number;
  read_count: number;
  like_count: number;
  share_count: number;
  collect_count: number;
}

export interface ListFilter {
  userId: bigint;
  statuses: number[];
  channelIds?: bigint[];
  /** created_at ≥ from (ms), when given. */
  from?: number;
  /** created_at < until (ms), when given. */
  until?: number;
}

const ARTICLE_COLUMNS = [
  'a.id',
  'a.user_id',
  'a.channel_id',
  'a.title',
  'a.cover_type',
  'a.cover_images',
  'a.status',
  'a.allow_comment',
  'a.reject_reason',
  'a.review_flags',
  'a.price_cents',
  'a.created_at',
  'a.updated_at',
  'a.published_at',
  'a.deleted_at',
] as const;
type MpColumn = (typeof ARTICLE_COLUMNS)[number] extends `a.${infer C extends keyof ArticlesTable}` ? C : never;

export function createMpArticleRepository(db: Db) {
  const filtered = (filter: ListFilter) => {
    let q = db
      .selectFrom('articles as a')
      .where('a.user_id', '=', filter.userId)
      .where('a.status', 'in', filter.statuses);
    if (filter.channelIds && filter.channelIds.length > 0) q = q.where('a.channel_id', 'in', filter.channelIds);
    if (filter.from !== undefined) q = q.where('a.created_at', '>=', filter.from);
    if (filter.until !== undefined) q = q.where('a.created_at', '<', filter.until);
    return q;
  };

  return {
    /** Inserts the article and its content in one transaction; `within` joins it (decision log). */
    async insert(row: NewArticle, content: string, within?: (trx: Db) => Promise<void>): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('articles').values(row).execute();
        await trx.insertInto('article_contents').values({ article_id: row.id, content }).execute();
        if (within) await within(trx);
      });
    },

    /** Any article by id, with its content. */
    async find(id: bigint): Promise<MpArticleWithContent | undefined> {
      return db
        .selectFrom('articles as a')
        .innerJoin('article_contents as c', 'c.article_id', 'a.id')
        .select([...ARTICLE_COLUMNS, 'c.content'])
        .where('a.id', '=', id)
        .executeTakeFirst();
    },

    /** The article's state without its content (status checks before a write). */
    async state(id: bigint): Promise<MpArticleRow | undefined> {
      return db.selectFrom('articles as a').select(ARTICLE_COLUMNS).where('a.id', '=', id).executeTakeFirst();
    },

    /**
     * Compare-and-set: applies `set` (and the new content) only while the article still is the
     * version the caller read (its status and updated_at; every write here moves updated_at
     * forward). Returns false, changing nothing, when someone changed it meanwhile. `within` runs
     * in the same transaction after a successful update.
     */
    async transition(
      id: bigint,
      expect: { status: number; updated_at: number },
      set: ArticleUpdate,
      options: { content?: string; within?: (trx: Db) => Promise<void> } = {},
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('articles')
          .set(set)
          .where('id', '=', id)
          .where('status', '=', expect.status)
          .where('updated_at', '=', expect.updated_at)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        if (options.content !== undefined) {
          await trx
            .updateTable('article_contents')
            .set({ content: options.content })
            .where('article_id', '=', id)
            .execute();
        }
        if (options.within) await options.within(trx);
        return true;
      });
    },

    /** One page of an author's articles, newest first. */
    async list(filter: ListFilter, offset: number, limit: number): Promise<MpArticleRow[]> {
      if (filter.statuses.length === 0) return [];
      return filtered(filter)
        .select(ARTICLE_COLUMNS)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    /** How many rows `list` can page through with this filter. */
    async count(filter: ListFilter): Promise<number> {
      if (filter.statuses.length === 0) return 0;
      const row = await filtered(filter)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** The counters of these articles (M11 `statistic` and `comment`), base values from the database. */
    async stats(ids: bigint[]): Promise<StatsRow[]> {
      if (ids.length === 0) return [];
      return db
        .selectFrom('articles')
        .select([
          'id',
          'title',
          'allow_comment',
          'comment_count',
          'read_count',
          'like_count',
          'share_count',
          'collect_count',
        ])
        .where('id', 'in', ids)
        .execute();
    },

    /** Visible comments and replies written by the author's followers, per article. */
    async fansCommentCounts(authorId: bigint, ids: bigint[]): Promise<Map<bigint, number>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('comments as c')
        .innerJoin('follows as f', (join) =>
          join.onRef('f.user_id', '=', 'c.user_id').on('f.target_user_id', '=', authorId),
        )
        .select(['c.article_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('c.article_id', 'in', ids)
        .where('c.status', '=', 1)
        .groupBy('c.article_id')
        .execute();
      return new Map(rows.map((r) => [r.article_id, Number(r.n)]));
    },

    /** The review queue: articles in these statuses, oldest change first, with the author's name. */
    async reviewPage(statuses: number[], offset: number, limit: number): Promise<ReviewRow[]> {
      return db
        .selectFrom('articles as a')
        .innerJoin('users as u', 'u.id', 'a.user_id')
        .select([...ARTICLE_COLUMNS, 'u.name as aut_name'])
        .where('a.status', 'in', statuses)
        .orderBy('a.updated_at', 'asc')
        .orderBy('a.id', 'asc')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async reviewCount(statuses: number[]): Promise<number> {
      const row = await db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', statuses)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async authorName(userId: bigint): Promise<string | undefined> {
      const row = await db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst();
      return row?.name;
    },
  };
}

export type MpArticleRepository = ReturnType<typeof createMpArticleRepository>;
