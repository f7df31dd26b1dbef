/**
 * What search reads from the article tables: documents to index (any status but deleted and
 * banned, so MP search finds its author's drafts) and the MP result rows.
 */
import type { Db } from '../../platform/db/database.js';
import { ArticleStatus } from '../articles/article.read-model.js';

/** Statuses kept in the index: draft, pending, approved, rejected (not deleted, not banned). */
export const INDEXED_STATUSES = [
  ArticleStatus.draft,
  ArticleStatus.pending,
  ArticleStatus.approved,
  ArticleStatus.rejected,
];

export interface ArticleSourceRow {
  id: bigint;
  user_id: bigint;
  status: number;
  published_at: number | null;
  title: string;
  content: string | null;
  read_count: number;
  like_count: number;
  comment_count: number;
  collect_count: number;
  share_count: number;
}

export interface ArticleState {
  id: bigint;
  status: number;
  updated_at: number;
}

export interface MpSearchRow {
  id: bigint;
  title: string;
  status: number;
  published_at: number | null;
  created_at: number;
  cover_type: number;
  cover_images: string;
}

const IN_CHUNK = 500;

export function createSearchRepository(db: Db) {
  const sources = () =>
    db
      .selectFrom('articles as a')
      .leftJoin('article_contents as c', 'c.article_id', 'a.id')
      .select([
        'a.id',
        'a.user_id',
        'a.status',
        'a.published_at',
        'a.title',
        'c.content',
        'a.read_count',
        'a.like_count',
        'a.comment_count',
        'a.collect_count',
        'a.share_count',
      ])
      .where('a.status', 'in', INDEXED_STATUSES)
      .where('a.deleted_at', 'is', null);

  return {
    /** The article as the index should hold it, or undefined when it must not be indexed. */
    async source(id: bigint): Promise<ArticleSourceRow | undefined> {
      return (await sources().where('a.id', '=', id).executeTakeFirst()) as ArticleSourceRow | undefined;
    },

    /** Indexable articles after `afterId`, in id order (reindex). */
    async sourcesAfter(afterId: bigint | null, limit: number): Promise<ArticleSourceRow[]> {
      let q = sources();
      if (afterId !== null) q = q.where('a.id', '>', afterId);
      return (await q.orderBy('a.id').limit(limit).execute()) as ArticleSourceRow[];
    },

    /** The indexable articles with these ids (catch-up), in no particular order. */
    async sourcesOf(ids: bigint[]): Promise<ArticleSourceRow[]> {
      const out: ArticleSourceRow[] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        out.push(
          ...((await sources()
            .where('a.id', 'in', ids.slice(i, i + IN_CHUNK))
            .execute()) as ArticleSourceRow[]),
        );
      }
      return out;
    },

    /** Indexable articles after `afterId` up to `upTo`, in id order: what the catch-up compares with the index. */
    async statesAfter(afterId: bigint | null, upTo: bigint, limit: number): Promise<ArticleState[]> {
      let q = db
        .selectFrom('articles')
        .select(['id', 'status', 'updated_at'])
        .where('status', 'in', INDEXED_STATUSES)
        .where('deleted_at', 'is', null)
        .where('id', '<=', upTo);
      if (afterId !== null) q = q.where('id', '>', afterId);
      return q.orderBy('id').limit(limit).execute();
    },

    /** The highest article id of any status (the catch-up's high-water mark), or null without articles. */
    async maxArticleId(): Promise<bigint | null> {
      const row = await db.selectFrom('articles').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row?.id ?? null;
    },

    async countIndexable(upTo?: bigint): Promise<number> {
      let q = db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', INDEXED_STATUSES)
        .where('deleted_at', 'is', null);
      if (upTo !== undefined) q = q.where('id', '<=', upTo);
      const row = await q.executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** Which of these ids are still indexable (the reindex sweep removes the others). */
    async indexableIds(ids: bigint[]): Promise<Set<bigint>> {
      const out = new Set<bigint>();
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const rows = await db
          .selectFrom('articles')
          .select('id')
          .where('id', 'in', ids.slice(i, i + IN_CHUNK))
          .where('status', 'in', INDEXED_STATUSES)
          .where('deleted_at', 'is', null)
          .execute();
        for (const row of rows) out.add(row.id);
      }
      return out;
    },

    /** M16 rows of these ids that are the author's and not deleted, in no particular order. */
    async mpRows(ids: bigint[], authorId: bigint): Promise<MpSearchRow[]> {
      if (ids.length === 0) return [];
      return db
        .selectFrom('articles')
        .select(['id', 'title', 'status', 'published_at', 'created_at', 'cover_type', 'cover_images'])
        .where('id', 'in', ids)
        .where('user_id', '=', authorId)
        .where('status', 'in', INDEXED_STATUSES)
        .where('deleted_at', 'is', null)
        .execute() as Promise<MpSearchRow[]>;
    },
  };
}

export type SearchRepository = ReturnType<typeof createSearchRepository>;
