import type { Db } from '../../platform/db/database.js';
import { preparedQuery } from '../../platform/db/prepared-query.js';
import { ArticleStatus, visibleArticleCards, visibleArticles, type ArticleCardRow } from './article.read-model.js';

export type { ArticleCardRow };

export interface ArticleDetailRow extends ArticleCardRow {
  content: string;
  updated_at: number;
  /** 0 = free; otherwise readers see a preview until they buy it. */
  price_cents: number;
}

/** What the related-articles heuristic needs to know about a candidate. */
export interface RelatedCandidate {
  id: bigint;
  title: string;
  published_at: number;
  read_count: number;
  like_count: number;
  comment_count: number;
  collect_count: number;
}

/** Ids per `IN (…)` list: far below every database's placeholder limit. */
const IN_CHUNK = 500;

export interface FeedQuery {
  /** null: across every channel. */
  channelId: bigint | null;
  /** Only articles published strictly before this instant (ms). */
  before: number;
  limit: number;
  excludePinned: boolean;
}

/**
 * One visible article with its body: every article page that misses the caches runs it, and
 * building it was a third of its cost under random reads on SQLite (prepared-query.ts).
 */
const visibleDetailQuery = preparedQuery(['id'], (db, { id }) =>
  visibleArticleCards(db)
    .innerJoin('article_contents as c', 'c.article_id', 'a.id')
    .select(['c.content', 'a.updated_at', 'a.price_cents'])
    .where('a.id', '=', id)
    .where('a.published_at', 'is not', null),
);

export function createArticleRepository(db: Db) {
  const cards = () => visibleArticleCards(db);

  const published = (rows: (Omit<ArticleCardRow, 'published_at'> & { published_at: number | null })[]) =>
    rows as ArticleCardRow[];

  return {
    /**
     * One page of the time-ordered feed. Keyset paging on published_at: when the last row of the
     * page shares its millisecond with rows beyond the page, those rows join this page, because the
     * next page starts strictly before that millisecond and would otherwise skip them.
     */
    async feedPage(query: FeedQuery): Promise<ArticleCardRow[]> {
      const base = () => {
        let q = cards().where('a.published_at', 'is not', null);
        if (query.channelId !== null) q = q.where('a.channel_id', '=', query.channelId);
        if (query.excludePinned) q = q.where('a.is_top', '=', 0);
        return q;
      };
      const rows = published(
        await base()
          .where('a.published_at', '<', query.before)
          .orderBy('a.published_at', 'desc')
          .orderBy('a.id', 'desc')
          .limit(query.limit + 1)
          .execute(),
      );
      if (rows.length <= query.limit) return rows;
      const last = rows[query.limit - 1]!;
      const page = rows.slice(0, query.limit);
      if (rows[query.limit]!.published_at !== last.published_at) return page;
      const ties = published(
        await base()
          .where('a.published_at', '=', last.published_at)
          .where('a.id', '<', last.id)
          .orderBy('a.id', 'desc')
          .execute(),
      );
      return page.concat(ties);
    },

    /** Pinned articles of a channel, newest first. */
    async pinned(channelId: bigint): Promise<ArticleCardRow[]> {
      return published(
        await cards()
          .where('a.channel_id', '=', channelId)
          .where('a.is_top', '=', 1)
          .where('a.published_at', 'is not', null)
          .orderBy('a.published_at', 'desc')
          .limit(10)
          .execute(),
      );
    },

    /** Publish time of the newest visible article in a channel (null = across channels). */
    async newestPublishedAt(channelId: bigint | null): Promise<number | null> {
      let q = db
        .selectFrom('articles')
        .select('published_at')
        .where('status', '=', ArticleStatus.approved)
        .where('deleted_at', 'is', null)
        .where('published_at', 'is not', null);
      if (channelId !== null) q = q.where('channel_id', '=', channelId);
      const row = await q.orderBy('published_at', 'desc').limit(1).executeTakeFirst();
      return row?.published_at ?? null;
    },

    /** An approved, not deleted article with its content and author (A34). */
    async findVisible(id: bigint): Promise<ArticleDetailRow | undefined> {
      const [row] = await visibleDetailQuery.execute(db, { id });
      return row as ArticleDetailRow | undefined;
    },

    /** Visible cards of these ids, in no particular order; invisible or unknown ids are left out. */
    async findCards(ids: bigint[]): Promise<ArticleCardRow[]> {
      const rows: ArticleCardRow[] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const chunk = ids.slice(i, i + IN_CHUNK);
        rows.push(
          ...published(await cards().where('a.id', 'in', chunk).where('a.published_at', 'is not', null).execute()),
        );
      }
      return rows;
    },

    /** Whether the article existed and was deleted (a 410 on the reader site rather than a 404). */
    async isDeleted(id: bigint): Promise<boolean> {
      const row = await db
        .selectFrom('articles')
        .select(['status', 'deleted_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined && (row.deleted_at !== null || row.status === ArticleStatus.deleted);
    },

    /** Visible articles per channel (the sitemap index). */
    async visibleCountsByChannel(): Promise<{ channel_id: bigint; n: number }[]> {
      const rows = await visibleArticles(db)
        .select(['a.channel_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('a.channel_id')
        .orderBy('a.channel_id')
        .execute();
      return rows.map((row) => ({ channel_id: row.channel_id, n: Number(row.n) }));
    },

    /** One sitemap file of a channel: visible articles by id, `offset` into that order. */
    visibleIdsOfChannel(
      channelId: bigint,
      offset: number,
      limit: number,
    ): Promise<{ id: bigint; updated_at: number }[]> {
      return visibleArticles(db)
        .select(['a.id', 'a.updated_at'])
        .where('a.channel_id', '=', channelId)
        .orderBy('a.id')
        .offset(offset)
        .limit(limit)
        .execute();
    },

    /** The channel an article is filed under, whatever its status (cache invalidation). */
    async channelOf(id: bigint): Promise<bigint | undefined> {
      const row = await db.selectFrom('articles').select('channel_id').where('id', '=', id).executeTakeFirst();
      return row?.channel_id;
    },

    /** Newest visible articles of a channel: the pool the related lists of its articles are picked from. */
    relatedCandidates(channelId: bigint, limit: number): Promise<RelatedCandidate[]> {
      return db
        .selectFrom('articles')
        .select(['id', 'title', 'published_at', 'read_count', 'like_count', 'comment_count', 'collect_count'])
        .where('channel_id', '=', channelId)
        .where('status', '=', ArticleStatus.approved)
        .where('deleted_at', 'is', null)
        .where('published_at', 'is not', null)
        .orderBy('published_at', 'desc')
        .limit(limit)
        .execute() as Promise<RelatedCandidate[]>;
    },
  };
}

export type ArticleRepository = ReturnType<typeof createArticleRepository>;
