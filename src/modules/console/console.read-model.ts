/**
 * What the console's dashboard counts: read-only aggregates over other features' tables
 * (users, articles, comments, reports, orders), one query per figure, grouped by day in SQL so a
 * million rows cost a million-row scan at most, never a million rows sent here. Time columns are
 * epoch milliseconds; a day starts at midnight in the site's zone (`offsetMs` east of UTC).
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/database.js';

export const DAY_MS = 86_400_000;

export interface DailyCount {
  /** The day's start, epoch ms (midnight in the site's zone). */
  day: number;
  n: number;
}

export interface DashboardFigures {
  signUps: DailyCount[];
  articles: DailyCount[];
  comments: DailyCount[];
  reports: DailyCount[];
  paidOrders: DailyCount[];
  revenueCents: DailyCount[];
  pendingReview: number;
  openReports: number;
}

/** `column` floored to its day: integer arithmetic that SQLite, PostgreSQL and MariaDB agree on. */
function dayOf(column: string, offsetMs: number): RawBuilder<number> {
  const shifted = sql`(${sql.ref(column)} + ${offsetMs})`;
  return sql<number>`(${shifted} - (${shifted} % ${DAY_MS}) - ${offsetMs})`;
}

export interface UserListRow {
  id: bigint;
  name: string;
  mobile: string;
  role: string;
  status: number;
  verified: number;
  created_at: number;
}

export interface OrderListRow {
  id: bigint;
  kind: string;
  status: string;
  buyer_id: bigint;
  author_id: bigint;
  article_id: bigint | null;
  amount_cents: number;
  refunded_cents: number;
  subject: string;
  created_at: number;
  paid_at: number | null;
}

export interface ReportGroup {
  articleId: bigint;
  title: string;
  status: number;
  count: number;
  latest: number;
  /** How many reports gave each reason (type 0–8). */
  types: Record<number, number>;
  /** The free-text remarks of "other" reports (never who wrote them). */
  remarks: string[];
}

export const ORDER_STATUSES = ['pending', 'paid', 'refunded', 'closed'] as const;

export interface OrderFilter {
  status: (typeof ORDER_STATUSES)[number];
  buyerId?: bigint;
  authorId?: bigint;
  /** Created at or after (ms). */
  from?: number;
  /** Created before (ms). */
  to?: number;
}

export interface EarningsRow {
  authorId: bigint;
  name: string;
  credits: number;
  debits: number;
}

export function createConsoleReadModel(db: Db) {
  async function daily(
    offsetMs: number,
    table: 'users' | 'articles' | 'comments' | 'reports' | 'payment_orders',
    column: string,
    since: number,
    where?: Expression<SqlBool>,
    sum?: string,
  ): Promise<DailyCount[]> {
    const day = dayOf(column, offsetMs);
    // Grouped and ordered by position: the day expression carries parameters, and PostgreSQL
    // would not see a GROUP BY with other parameter numbers as the same expression.
    let query = db
      .selectFrom(table)
      .select([day.as('day'), (sum ? sql<number>`sum(${sql.ref(sum)})` : sql<number>`count(*)`).as('n')])
      .where(sql.ref(column), '>=', since)
      .groupBy(sql`1`)
      .orderBy(sql`1`);
    if (where) query = query.where(where);
    const rows = await query.execute();
    // MariaDB answers sums as decimals (strings), PostgreSQL counts as bigints.
    return rows.map((row) => ({ day: Number(row.day), n: Number(row.n) }));
  }

  return {
    /**
     * Users by exact id or mobile, or by name prefix (the name index serves it), newest first:
     * a page at a time by keyset (ids below `before`), as fast on the last page as on the first.
     */
    async users(q: string, before: bigint | undefined, limit: number): Promise<{ rows: UserListRow[]; more: boolean }> {
      let query = db
        .selectFrom('users')
        .select(['id', 'name', 'mobile', 'role', 'status', 'verified', 'created_at'])
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (before !== undefined) query = query.where('id', '<', before);
      if (/^1\d{10}$/.test(q)) query = query.where('mobile', '=', q);
      else if (/^\d{1,19}$/.test(q)) query = query.where('id', '=', BigInt(q));
      // LIKE's wildcards are dropped, not escaped: SQLite has no default escape character.
      else if (q.replace(/[\\%_]/g, '')) query = query.where('name', 'like', `${q.replace(/[\\%_]/g, '')}%`);
      const rows = await query.execute();
      return { rows: rows.slice(0, limit), more: rows.length > limit };
    },

    /** A user's latest articles in any state (the console's user page), newest first. */
    userArticles(userId: bigint, limit = 10) {
      return db
        .selectFrom('articles')
        .select(['id', 'title', 'status', 'updated_at'])
        .where('user_id', '=', userId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },

    /**
     * Reported articles, most reported first, a page at a time, with the reasons counted. Who
     * reported is never read: the console shows reasons, not reporters.
     */
    async reportGroups(offset: number, limit: number): Promise<{ rows: ReportGroup[]; more: boolean }> {
      const groups = await db
        .selectFrom('reports as r')
        .innerJoin('articles as a', 'a.id', 'r.article_id')
        .select([
          'r.article_id',
          'a.title',
          'a.status',
          sql<number>`count(*)`.as('n'),
          sql<number>`max(r.created_at)`.as('latest'),
        ])
        .groupBy(['r.article_id', 'a.title', 'a.status'])
        .orderBy(sql`count(*)`, 'desc')
        .orderBy('r.article_id', 'desc')
        .offset(offset)
        .limit(limit + 1)
        .execute();
      const page = groups.slice(0, limit);
      const ids = page.map((g) => g.article_id);
      const reasons =
        ids.length === 0
          ? []
          : await db
              .selectFrom('reports')
              .select(['article_id', 'type', 'remark'])
              .where('article_id', 'in', ids)
              .execute();
      const rows = page.map((g) => {
        const mine = reasons.filter((r) => r.article_id === g.article_id);
        const types: Record<number, number> = {};
        for (const r of mine) types[r.type] = (types[r.type] ?? 0) + 1;
        return {
          articleId: g.article_id,
          title: g.title,
          status: g.status,
          count: Number(g.n),
          latest: Number(g.latest),
          types,
          remarks: mine.map((r) => r.remark).filter(Boolean),
        };
      });
      return { rows, more: groups.length > limit };
    },

    /** Orders of one status, newest first, a page at a time. */
    /** Orders newest first, a page at a time by keyset (ids below `before`). */
    async orders(
      filter: OrderFilter,
      before: bigint | undefined,
      limit: number,
    ): Promise<{ rows: OrderListRow[]; more: boolean }> {
      let query = db
        .selectFrom('payment_orders')
        .select([
          'id',
          'kind',
          'status',
          'buyer_id',
          'author_id',
          'article_id',
          'amount_cents',
          'refunded_cents',
          'subject',
          'created_at',
          'paid_at',
        ])
        .where('status', '=', filter.status)
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (before !== undefined) query = query.where('id', '<', before);
      if (filter.buyerId !== undefined) query = query.where('buyer_id', '=', filter.buyerId);
      if (filter.authorId !== undefined) query = query.where('author_id', '=', filter.authorId);
      if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
      const rows = await query.execute();
      return { rows: rows.slice(0, limit), more: rows.length > limit };
    },

    /**
     * What each author earned (credits), lost to refunds (debits) and holds (the difference), from
     * the ledger, most first; a page at a time. Scans the authors' entries (the ledger's account
     * index), which an admin page can afford; the MP shows one author's figures by the same sums.
     */
    async earnings(offset: number, limit: number): Promise<{ rows: EarningsRow[]; more: boolean }> {
      const credit = sql<number>`sum(case when e.direction = 'credit' then e.amount_cents else 0 end)`;
      const debit = sql<number>`sum(case when e.direction = 'debit' then e.amount_cents else 0 end)`;
      const rows = await db
        .selectFrom('ledger_entries as e')
        .leftJoin('users as u', 'u.id', 'e.user_id')
        .select(['e.user_id', 'u.name', credit.as('credits'), debit.as('debits')])
        .where('e.account', '=', 'author')
        .groupBy(['e.user_id', 'u.name'])
        .orderBy(sql`sum(case when e.direction = 'credit' then e.amount_cents else -e.amount_cents end)`, 'desc')
        .orderBy('e.user_id', 'desc')
        .offset(offset)
        .limit(limit + 1)
        .execute();
      return {
        rows: rows.slice(0, limit).map((r) => ({
          authorId: r.user_id!,
          name: r.name ?? String(r.user_id),
          credits: Number(r.credits),
          debits: Number(r.debits),
        })),
        more: rows.length > limit,
      };
    },

    async figures(since: number, offsetMs: number): Promise<DashboardFigures> {
      const [signUps, articles, comments, reports, paidOrders, revenueCents, pending, open] = await Promise.all([
        daily(offsetMs, 'users', 'created_at', since),
        daily(offsetMs, 'articles', 'published_at', since, sql<SqlBool>`status = 2`),
        daily(offsetMs, 'comments', 'created_at', since),
        daily(offsetMs, 'reports', 'created_at', since),
        daily(offsetMs, 'payment_orders', 'paid_at', since, sql<SqlBool>`paid_at is not null`),
        daily(offsetMs, 'payment_orders', 'paid_at', since, sql<SqlBool>`paid_at is not null`, 'amount_cents'),
        db
          .selectFrom('articles')
          .select(sql<number>`count(*)`.as('n'))
          .where('status', '=', 1)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('reports')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow(),
      ]);
      return {
        signUps,
        articles,
        comments,
        reports,
        paidOrders,
        revenueCents,
        pendingReview: Number(pending.n),
        openReports: Number(open.n),
      };
    },
  };
}

export type ConsoleReadModel = ReturnType<typeof createConsoleReadModel>;
