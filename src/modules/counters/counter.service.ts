/**
 * Counters: likes, dislikes, comments, replies, collections, follows, fans, articles written and
 * reads, kept as columns of `articles`, `users` and `comments` so that reads are one column away.
 *
 * Three kinds, chosen by whether rows back the count and how hot its row is:
 *
 * - **Row counters** (`ROW_FIELDS`: every count of relation rows) move in the database, in the same
 *   transaction as the row that justifies them (`counters.write`). A commit holds both or neither,
 *   so a crash at any instant loses nothing and counts nothing twice; there is no flush for them,
 *   so every reader on every node reads one value, and a reader's own write is visible at once. The
 *   price is a row lock on the counted row for the length of a short transaction (hot articles
 *   serialise their likes at commit speed, thousands a second), which a cheap, exact read is worth.
 *   The committed rows are the truth: `recount` recomputes every row counter from them.
 * - **Delta counters** (`DELTA_FIELDS`: read and share counts, which no table records exactly) are
 *   views, far too frequent for a write per view: atomic increments in the key-value store, moved
 *   to the column by the scheduled `flush`; readers add the pending delta (`overlay`). With Redis an
 *   app crash loses none of them; a crash inside a flush can lose the batch it had taken (one
 *   batch, milliseconds of traffic); in the embedded mode a crash loses at most one flush interval.
 * - **Derived counters** (`DERIVED_FIELDS`: an author's likes received) are sums of row counters of
 *   other rows, kept on a row every write of theirs would otherwise lock: each like of any of an
 *   author's articles moved the author's `users` row in its transaction, so all of them queued on
 *   that one row (~250 likes/s per author on PostgreSQL, whatever the batching). A write names the
 *   change as for a row counter; in its transaction a mark is inserted instead (`counter_marks`,
 *   inserts only, so writers never wait on each other), and the scheduled `flush` sets the column
 *   from the sum (`DERIVED_SUMS`) and deletes the marks. So it is exact by construction (no deltas
 *   to lose or count twice), a crash loses no mark (it commits with the write), and the column is
 *   at most one flush interval behind.
 *
 * After a row counter moves (a write, a recount) or a flush writes a delta, `onChanged` listeners
 * drop caches that hold the counted row (article cards), so a cached base never hides a change.
 */
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { dialectOf } from '../../platform/db/dialect.js';
import { ArticleStatus } from '../articles/article.read-model.js';
import { unlessKvDown, type KeyValueStore } from '../../platform/kv/kv.js';

/** Which counter columns exist, per entity: the only names that ever reach SQL. */
export const COUNTER_FIELDS = {
  article: ['read_count', 'like_count', 'dislike_count', 'comment_count', 'collect_count', 'share_count'],
  user: ['art_count', 'follow_count', 'fans_count', 'like_count', 'read_count'],
  comment: ['like_count', 'reply_count'],
} as const;

/** Counters kept as kv deltas (no rows record them exactly); every other counter is a row counter. */
export const DELTA_FIELDS = {
  article: ['read_count', 'share_count'],
  user: ['read_count'],
  comment: [],
} as const satisfies { [E in keyof typeof COUNTER_FIELDS]: readonly (typeof COUNTER_FIELDS)[E][number][] };

/** Counters set by the flush from a sum over other rows' row counters (see the header). */
export const DERIVED_FIELDS = {
  article: [],
  user: ['like_count'],
  comment: [],
} as const satisfies { [E in keyof typeof COUNTER_FIELDS]: readonly (typeof COUNTER_FIELDS)[E][number][] };

export type CounterEntity = keyof typeof COUNTER_FIELDS;

/** What each derived counter sums: a row counter of `table`, over its rows whose `by` is the id. */
const DERIVED_SUMS: Record<string, { table: 'articles'; column: 'like_count'; by: 'user_id' }> = {
  'user.like_count': { table: 'articles', column: 'like_count', by: 'user_id' },
};
export type CounterField<E extends CounterEntity> = (typeof COUNTER_FIELDS)[E][number];

const TABLES = { article: 'articles', user: 'users', comment: 'comments' } as const;
/**
 * Lock order of `write`: comments, then articles, then users, each by id, so two transactions
 * touching the same rows (a reply and the removal of its parent, two users following each other)
 * wait for each other instead of deadlocking.
 */
const LOCK_ORDER: Record<CounterEntity, number> = { comment: 0, article: 1, user: 2 };
const DIRTY = 'cnt:dirty';
const FLUSH_BATCH = 500;
/** From this many rows of one entity, `applyIn` moves them with one UPDATE per column. */
const COLUMN_UPDATE_ROWS = 3;
/** Rows per recount transaction: short enough that the writers it holds up wait milliseconds. */
export const RECOUNT_BATCH = 500;
/** Deadlocks and serialisation failures are retried this many times by `write`. */
const WRITE_ATTEMPTS = 4;

/** Own properties only: `constructor` or `__proto__` must not pass for an entity. */
function isCounter(entity: string, field: string): entity is CounterEntity {
  return (
    Object.hasOwn(COUNTER_FIELDS, entity) &&
    (COUNTER_FIELDS[entity as CounterEntity] as readonly string[]).includes(field)
  );
}

function isDelta(entity: CounterEntity, field: string): boolean {
  return (DELTA_FIELDS[entity] as readonly string[]).includes(field);
}

function isDerived(entity: CounterEntity, field: string): boolean {
  return (DERIVED_FIELDS[entity] as readonly string[]).includes(field);
}

/** A lock conflict the database resolved by aborting us: the whole transaction may simply run again. */
function isRetryable(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  return e?.code === '40P01' || e?.code === '40001' || e?.code === 'ER_LOCK_DEADLOCK' || e?.errno === 1213;
}

/** Runs a transaction again when the database aborted it for a deadlock, up to WRITE_ATTEMPTS times. */
async function retrying<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= WRITE_ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}

export interface CounterChange<E extends CounterEntity = CounterEntity> {
  entity: E;
  id: bigint;
  field: CounterField<E>;
  by: number;
}

export interface RecountProgress {
  entity: CounterEntity;
  /** Rows of this entity recounted so far, and how many there are. */
  done: number;
  total: number;
  /** Counters found wrong (and fixed) so far, over all entities. */
  fixed: number;
}

export interface RecountResult {
  rows: number;
  fixed: number;
  ms: number;
}

function checkChanges(changes: CounterChange[], kind: 'row' | 'delta'): void {
  for (const c of changes) {
    if (!isCounter(c.entity, c.field)) throw new TypeError(`Unknown counter ${String(c.entity)}.${String(c.field)}`);
    if (!Number.isSafeInteger(c.by)) throw new TypeError(`Counter step must be an integer, got ${c.by}`);
    if ((kind === 'delta') !== isDelta(c.entity, c.field)) {
      throw new TypeError(
        `${c.entity}.${c.field} is a ${kind === 'delta' ? 'row counter: move it with write()' : 'delta counter: move it with add()'}`,
      );
    }
  }
}

/**
 * What each row counter counts, for the rows `ids` of one entity: a query per counter that
 * answers (id, n) for the ids that have any. Kept next to the writers' rules (who moves what) so
 * the two stay one definition: a like row is the article's like and its author's like received;
 * every visible comment, reply or not, is one of its article's comments; an approved article is
 * one of its author's articles.
 */
function rowCountQueries(
  db: Db,
  entity: CounterEntity,
  ids: bigint[],
): Record<string, () => Promise<{ id: bigint; n: number | bigint | string }[]>> {
  switch (entity) {
    case 'article':
      return {
        like_count: () =>
          db
            .selectFrom('attitudes')
            .select(['article_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('article_id', 'in', ids)
            .where('attitude', '=', 1)
            .groupBy('article_id')
            .execute(),
        dislike_count: () =>
          db
            .selectFrom('attitudes')
            .select(['article_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('article_id', 'in', ids)
            .where('attitude', '=', 0)
            .groupBy('article_id')
            .execute(),
        collect_count: () =>
          db
            .selectFrom('collections')
            .select(['article_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('article_id', 'in', ids)
            .groupBy('article_id')
            .execute(),
        comment_count: () =>
          db
            .selectFrom('comments')
            .select(['article_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('article_id', 'in', ids)
            .where('status', '=', 1)
            .groupBy('article_id')
            .execute(),
      };
    case 'user':
      return {
        follow_count: () =>
          db
            .selectFrom('follows')
            .select(['user_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('user_id', 'in', ids)
            .groupBy('user_id')
            .execute(),
        fans_count: () =>
          db
            .selectFrom('follows')
            .select(['target_user_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('target_user_id', 'in', ids)
            .groupBy('target_user_id')
            .execute(),
        art_count: () =>
          db
            .selectFrom('articles')
            .select(['user_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('user_id', 'in', ids)
            .where('status', '=', ArticleStatus.approved)
            .groupBy('user_id')
            .execute(),
        like_count: () =>
          db
            .selectFrom('attitudes as t')
            .innerJoin('articles as a', 'a.id', 't.article_id')
            .select(['a.user_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('a.user_id', 'in', ids)
            .where('t.attitude', '=', 1)
            .groupBy('a.user_id')
            .execute(),
      };
    case 'comment':
      return {
        like_count: () =>
          db
            .selectFrom('comment_likes')
            .select(['comment_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('comment_id', 'in', ids)
            .groupBy('comment_id')
            .execute(),
        reply_count: () =>
          db
            .selectFrom('comments')
            .select(['parent_id as id', (eb) => eb.fn.countAll().as('n')])
            .where('parent_id', 'in', ids)
            .where('status', '=', 1)
            .groupBy('parent_id')
            .execute() as never,
      };
  }
}

export function createCounterService(deps: { kv: KeyValueStore; db: Db; now: () => number; newId: () => bigint }) {
  const { kv, db } = deps;
  const keyOf = (entity: CounterEntity, id: bigint, field: string) => `cnt:${entity}:${id}:${field}`;
  // Feed pages overlay the same cached card objects on every request: their keys are built once.
  const rowKeys = new WeakMap<object, { signature: string; keys: string[] }>();
  const keysOf = (
    entity: CounterEntity,
    row: { id: bigint },
    fields: readonly string[],
    signature: string,
  ): string[] => {
    const known = rowKeys.get(row);
    if (known?.signature === signature) return known.keys;
    const keys = fields.map((field) => keyOf(entity, row.id, field));
    rowKeys.set(row, { signature, keys });
    return keys;
  };
  type ChangedListener = (entity: CounterEntity, ids: bigint[]) => Promise<void> | void;
  const changedListeners: { listener: ChangedListener; fields: ReadonlySet<string> | undefined }[] = [];

  /** Tells the listeners which rows' counters moved in the database (entity → id → fields). */
  async function notify(moved: Map<CounterEntity, Map<bigint, Set<string>>>): Promise<void> {
    for (const [entity, rows] of moved) {
      for (const { listener, fields } of changedListeners) {
        const ids = [...rows]
          .filter(([, f]) => !fields || [...f].some((name) => fields.has(name)))
          .map(([rowId]) => rowId);
        if (ids.length > 0) await listener(entity, ids);
      }
    }
  }

  function movedOf(
    changes: { entity: CounterEntity; id: bigint; field: string }[],
  ): Map<CounterEntity, Map<bigint, Set<string>>> {
    const moved = new Map<CounterEntity, Map<bigint, Set<string>>>();
    for (const { entity, id, field } of changes) {
      let rows = moved.get(entity);
      if (!rows) moved.set(entity, (rows = new Map<bigint, Set<string>>()));
      let fields = rows.get(id);
      if (!fields) rows.set(id, (fields = new Set()));
      fields.add(field);
    }
    return moved;
  }

  /**
   * Moves row counters, entities in lock order, never below 0 (a count cannot be negative): one
   * UPDATE per row, by id, for the few rows of one request; one UPDATE per counter column when the
   * changes move many rows of an entity (a batch of likes over many articles), instead of a round
   * trip per row while the batch holds its locks.
   */
  async function applyIn(trx: Db, changes: CounterChange[], derived: 'mark' | 'set'): Promise<void> {
    const rows = new Map<string, { entity: CounterEntity; id: bigint; set: Map<string, number> }>();
    const marked: CounterChange[] = [];
    for (const c of changes) {
      if (c.by === 0) continue;
      if (derived === 'mark' && isDerived(c.entity, c.field)) {
        marked.push(c);
        continue;
      }
      const rowKey = `${c.entity}:${c.id}`;
      let row = rows.get(rowKey);
      if (!row) rows.set(rowKey, (row = { entity: c.entity, id: c.id, set: new Map() }));
      row.set.set(c.field, (row.set.get(c.field) ?? 0) + c.by);
    }
    const byEntity = new Map<CounterEntity, { id: bigint; set: Map<string, number> }[]>();
    for (const row of rows.values()) {
      const list = byEntity.get(row.entity);
      if (list) list.push(row);
      else byEntity.set(row.entity, [row]);
    }
    await markIn(trx, marked);
    const entities = [...byEntity.keys()].sort((a, b) => LOCK_ORDER[a] - LOCK_ORDER[b]);
    for (const entity of entities) {
      const entityRows = byEntity.get(entity)!;
      if (entityRows.length >= COLUMN_UPDATE_ROWS) {
        const moves = entityRows.flatMap(({ id, set }) =>
          [...set].filter(([, by]) => by !== 0).map(([field, by]) => ({ entity, id, field, by }) as CounterChange),
        );
        await addDeltasIn(trx, moves);
        continue;
      }
      entityRows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const row of entityRows) {
        const set: Record<string, unknown> = {};
        for (const [field, by] of row.set) {
          if (by !== 0)
            set[field] = sql`CASE WHEN ${sql.ref(field)} + ${by} < 0 THEN 0 ELSE ${sql.ref(field)} + ${by} END`;
        }
        if (Object.keys(set).length === 0) continue;
        await trx
          .updateTable(TABLES[entity] as 'articles')
          .set(set as never)
          .where('id', '=', row.id)
          .execute();
      }
    }
  }

  /**
   * Adds deltas (one per counter) with one UPDATE per counter column, entities in lock order;
   * never below 0. The steps are written as integer literals (they are safe integers): bound,
   * PostgreSQL would type a CASE of parameters as text.
   */
  async function addDeltasIn(trx: Db, changes: CounterChange[]): Promise<void> {
    const columns = new Map<string, { entity: CounterEntity; field: string; rows: CounterChange[] }>();
    for (const c of changes) {
      if (!Number.isSafeInteger(c.by)) throw new TypeError(`Counter step must be an integer, got ${c.by}`);
      const key = `${c.entity}.${c.field}`;
      let column = columns.get(key);
      if (!column) columns.set(key, (column = { entity: c.entity, field: c.field, rows: [] }));
      column.rows.push(c);
    }
    const ordered = [...columns.values()].sort((a, b) => LOCK_ORDER[a.entity] - LOCK_ORDER[b.entity]);
    for (const { entity, field, rows } of ordered) {
      rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const step = sql`CASE ${sql.ref('id')} ${sql.join(
        rows.map((r) => sql`WHEN ${r.id} THEN ${sql.lit(r.by)}`),
        sql` `,
      )} ELSE 0 END`;
      const column = sql.ref(field);
      await trx
        .updateTable(TABLES[entity] as 'articles')
        .set({ [field]: sql`CASE WHEN ${column} + ${step} < 0 THEN 0 ELSE ${column} + ${step} END` } as never)
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    }
  }

  /** The sums behind a derived counter for these rows, by id; a row with nothing to sum has 0. */
  async function sumsOf(from: Db, name: string, ids: bigint[]): Promise<Map<bigint, number>> {
    const { table, column, by } = DERIVED_SUMS[name]!;
    const found = await from
      .selectFrom(`${table} as s`)
      .select([`s.${by} as id`, (eb) => eb.fn.sum<number | string | bigint>(`s.${column}`).as('n')])
      .where(`s.${by}`, 'in', ids)
      .groupBy(`s.${by}`)
      .execute();
    const sums = new Map(ids.map((id) => [id, 0]));
    for (const { id, n } of found) sums.set(BigInt(id), Number(n ?? 0));
    return sums;
  }

  /**
   * Sets derived counters from their sums. The rows are locked first (SQLite has one writer
   * anyway) and summed after, so of two flushes that took the same row (one node took it, a write
   * marked it again, another node took it) the later one sums later: a stale sum cannot land last.
   * The sums are read by a plain SELECT, then written as literals: summed inside the UPDATE,
   * MariaDB would share-lock every summed article until the commit, and likes of them would wait.
   */
  async function setDerivedIn(trx: Db, rows: { entity: CounterEntity; id: bigint; field: string }[]): Promise<void> {
    const byField = new Map<string, bigint[]>();
    for (const { entity, id, field } of rows) {
      const name = `${entity}.${field}`;
      const ids = byField.get(name);
      if (ids) ids.push(id);
      else byField.set(name, [id]);
    }
    for (const [name, ids] of byField) {
      const [entity, field] = name.split('.') as [CounterEntity, string];
      ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const target = TABLES[entity] as 'users';
      if (dialectOf(trx) !== 'sqlite')
        await trx.selectFrom(target).select('id').where('id', 'in', ids).forUpdate().execute();
      const sums = await sumsOf(trx, name, ids);
      await trx
        .updateTable(target)
        .set({
          [field]: sql`CASE ${sql.ref('id')} ${sql.join(
            ids.map((id) => sql`WHEN ${id} THEN ${sql.lit(sums.get(id)!)}`),
            sql` `,
          )} ELSE ${sql.ref(field)} END`,
        } as never)
        .where('id', 'in', ids)
        .execute();
    }
  }

  /**
   * Runs `work` in a transaction and moves the counters it returns there: row counters in place;
   * derived ones marked for the flush, or (`derived: 'set'`, recount, which locked the row and
   * counted its rows) in place too.
   */
  async function transact<T>(
    work: (trx: Db) => Promise<{ value: T; changes: CounterChange[] }>,
    derived: 'mark' | 'set',
  ): Promise<T> {
    const { value, changes } = await retrying(() =>
      db.transaction().execute(async (trx) => {
        const done = await work(trx);
        checkChanges(done.changes, 'row');
        await applyIn(trx, done.changes, derived);
        return done;
      }),
    );
    const moved = changes.filter((c) => c.by !== 0 && (derived === 'set' || !isDerived(c.entity, c.field)));
    if (moved.length > 0) await notify(movedOf(moved));
    return value;
  }

  /** Marks, in the writer's transaction, the derived counters its changes move (one per row). */
  async function markIn(trx: Db, changes: CounterChange[]): Promise<void> {
    const rows = new Map<string, CounterChange>();
    for (const c of changes) rows.set(`${c.entity}:${c.id}:${c.field}`, c);
    if (rows.size === 0) return;
    await trx
      .insertInto('counter_marks')
      .values([...rows.values()].map((c) => ({ id: deps.newId(), entity: c.entity, row_id: c.id, field: c.field })))
      .execute();
  }

  /**
   * Sets the derived counters of the marks written before this flush began, a batch per
   * transaction that also deletes the batch's marks. Marks written meanwhile wait for the next
   * flush, as deltas do. Returns how many counters were set.
   */
  async function setMarked(): Promise<number> {
    const newest = (
      await db
        .selectFrom('counter_marks')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst()
    )?.id;
    if (newest === null || newest === undefined) return 0;
    let set = 0;
    for (let after = 0n; ;) {
      const marks = await db
        .selectFrom('counter_marks')
        .select(['id', 'entity', 'row_id', 'field'])
        .where('id', '>', after)
        .where('id', '<=', BigInt(newest))
        .orderBy('id')
        .limit(FLUSH_BATCH)
        .execute();
      if (marks.length === 0) return set;
      after = marks.at(-1)!.id;
      const rows = new Map<string, { entity: CounterEntity; id: bigint; field: string }>();
      // A mark of a counter since renamed is deleted with the rest and never reaches SQL.
      for (const m of marks)
        if (isCounter(m.entity, m.field) && isDerived(m.entity, m.field))
          rows.set(`${m.entity}:${m.row_id}:${m.field}`, { entity: m.entity, id: m.row_id, field: m.field });
      await retrying(() =>
        db.transaction().execute(async (trx) => {
          if (rows.size > 0) await setDerivedIn(trx, [...rows.values()]);
          await trx
            .deleteFrom('counter_marks')
            .where(
              'id',
              'in',
              marks.map((m) => m.id),
            )
            .execute();
        }),
      );
      set += rows.size;
      if (rows.size > 0) await notify(movedOf([...rows.values()]));
    }
  }

  /** Adds the kv deltas of `live` (delta counters) to copies of the rows that have any. */
  async function overlayDeltas<R extends { id: bigint }>(
    entity: CounterEntity,
    rows: R[],
    live: string[],
  ): Promise<R[]> {
    if (live.length === 0) return rows;
    const signature = `${entity}:${live.join(',')}`;
    const keys: string[] = [];
    for (const row of rows) keys.push(...keysOf(entity, row, live, signature));
    // Store down: the counts from the database, a little behind, rather than an error.
    const deltas = await unlessKvDown(kv.getMany(keys), null);
    if (deltas === null || deltas.every((d) => d === null)) return rows;
    return rows.map((row, i) => {
      let copy: R | undefined;
      live.forEach((field, j) => {
        const delta = Number(deltas[i * live.length + j] ?? 0);
        if (delta !== 0) {
          copy ??= { ...row };
          const record = copy as unknown as Record<string, number>;
          record[field] = Math.max(0, (record[field] ?? 0) + delta);
        }
      });
      return copy ?? row;
    });
  }

  /**
   * Derived counters read at once: a row with a mark waiting for the flush gets the sum as it is
   * now (one indexed query for the marks, one more only when some are waiting); the others are
   * exact in the column.
   */
  async function pendingSums<R extends { id: bigint }>(
    entity: CounterEntity,
    rows: R[],
    fields: string[],
  ): Promise<R[]> {
    const ids = rows.map((row) => row.id);
    const marked = await db
      .selectFrom('counter_marks')
      .select(['row_id', 'field'])
      .distinct()
      .where('entity', '=', entity)
      .where('row_id', 'in', ids)
      .execute();
    const live = new Map<string, number>();
    for (const field of fields) {
      const marks = new Set(marked.filter((m) => m.field === field).map((m) => m.row_id));
      const pending = [...marks];
      if (pending.length > 0)
        for (const [id, sum] of await sumsOf(db, `${entity}.${field}`, pending)) live.set(`${id}:${field}`, sum);
      // A row without marks may have been read before a flush wrote its sum and deleted its marks
      // (a flush on another node, between the caller's read and the marks query above): read the
      // column again, now that no mark is waiting, so the value never goes back to the old one.
      const settled = ids.filter((id) => !marks.has(id));
      if (settled.length === 0) continue;
      const fresh = await db
        .selectFrom(TABLES[entity] as 'users')
        .select(['id', sql<number>`${sql.ref(field)}`.as('value')])
        .where('id', 'in', settled)
        .execute();
      for (const row of fresh) live.set(`${row.id}:${field}`, Number(row.value));
    }
    if (live.size === 0) return rows;
    return rows.map((row) => {
      const copy = { ...row } as unknown as Record<string, number>;
      let changed = false;
      for (const field of fields) {
        const sum = live.get(`${row.id}:${field}`);
        if (sum !== undefined) {
          copy[field] = sum;
          changed = true;
        }
      }
      return changed ? (copy as unknown as R) : row;
    });
  }

  /**
   * Adds deltas to their kv keys and marks the keys dirty: every increment and the one mark sent at
   * once, in this order. The kv store runs one client's commands in the order sent (Redis on its
   * one connection; the memory store at the call), so each delta exists before its mark, as when
   * they were sent one round trip apart (a detail view paid two round trips for its read counts; it
   * pays one). `add` and a flush giving back what it took but did not write both come here.
   */
  async function pushDeltas(deltas: { member: string; by: number }[]): Promise<void> {
    if (deltas.length === 0) return;
    const score = deps.now();
    await Promise.all([
      ...deltas.map((d) => kv.incr(d.member, d.by)),
      kv.zadd(
        DIRTY,
        deltas.map(({ member }) => ({ member, score })),
      ),
    ]);
  }

  /**
   * Locks the rows a flush batch moves, skipping those another transaction holds (a batch of
   * likes of those articles): waiting for them, the flush kept every row it had already locked,
   * so the likes that came next waited for it in turn, and one tick took 0.8-1.3 s at 1,000 likes/s.
   * Returns the changes whose row it locked (`free`) and those of rows held elsewhere (`held`),
   * whose deltas go back to the store (readers still add them) for the next tick.
   * SQLite has one writer: nothing to skip.
   */
  async function lockUnheld<T extends { entity: CounterEntity; id: bigint }>(
    trx: Db,
    changes: T[],
  ): Promise<{ free: T[]; held: T[] }> {
    if (dialectOf(trx) === 'sqlite') return { free: changes, held: [] };
    const rowKey = (entity: CounterEntity, id: bigint) => `${entity}:${id}`;
    const locked = new Set<string>();
    for (const entity of [...new Set(changes.map((c) => c.entity))].sort((a, b) => LOCK_ORDER[a] - LOCK_ORDER[b])) {
      const ids = [...new Set(changes.filter((c) => c.entity === entity).map((c) => c.id))];
      const rows = await trx
        .selectFrom(TABLES[entity] as 'articles')
        .select('id')
        .where('id', 'in', ids)
        .orderBy('id')
        .forUpdate()
        .skipLocked()
        .execute();
      for (const row of rows) locked.add(rowKey(entity, row.id));
    }
    const free: T[] = [];
    const held: T[] = [];
    for (const c of changes) (locked.has(rowKey(c.entity, c.id)) ? free : held).push(c);
    return { free, held };
  }

  const service = {
    /**
     * Runs `work` in a transaction and moves the row counters it returns in that same transaction,
     * so the rows and their counts commit together; caches holding the moved rows are dropped after
     * the commit. `work` must use only `trx` (on SQLite the transaction holds the one connection)
     * and may run again when the database aborts it for a deadlock, so it must not have effects
     * outside the transaction. Throws (before touching anything) on an unknown or delta counter.
     */
    write: <T>(work: (trx: Db) => Promise<{ value: T; changes: CounterChange[] }>): Promise<T> =>
      transact(work, 'mark'),

    /**
     * Moves row counters inside a transaction the caller runs (one that also writes the rows they
     * count). No cache is told: callers whose rows are cached use `write`.
     */
    async apply(trx: Db, changes: CounterChange[]): Promise<void> {
      checkChanges(changes, 'row');
      await applyIn(trx, changes, 'mark');
    },

    /** Delta counters only (reads, shares). Throws (before touching anything) on any other. */
    async add(changes: CounterChange[]): Promise<void> {
      checkChanges(changes, 'delta');
      await pushDeltas(
        changes.filter((c) => c.by !== 0).map((c) => ({ member: keyOf(c.entity, c.id, c.field), by: c.by })),
      );
    },

    /**
     * Adds unflushed deltas to rows that carry the counter columns (lists and details). Row
     * counters are exact in the row already and are passed through without a kv round trip.
     */
    async overlay<E extends CounterEntity, R extends { id: bigint }>(
      entity: E,
      rows: R[],
      fields: CounterField<E>[],
    ): Promise<R[]> {
      if (rows.length === 0) return rows;
      const derived = fields.filter((field) => isDerived(entity, field));
      const withSums = derived.length > 0 ? await pendingSums(entity, rows, derived) : rows;
      return overlayDeltas(
        entity,
        withSums,
        fields.filter((field) => isDelta(entity, field)),
      );
    },

    /**
     * Called after counters of these rows moved in the database (a write, a flush, a recount), so
     * caches holding their counts can be dropped. With `fields`, only rows where one of those
     * counters moved are passed (a card cache need not drop an article whose read_count alone
     * moved, since cards do not show it).
     */
    onChanged(listener: ChangedListener, options: { fields?: readonly string[] } = {}): void {
      changedListeners.push({ listener, fields: options.fields ? new Set(options.fields) : undefined });
    },

    /**
     * Moves every pending delta into the database and sets every marked derived counter from its
     * sum; returns how many counters were written. Each
     * batch of FLUSH_BATCH counters is taken from the store in one round of concurrent GETDELs and
     * written in one transaction, with one UPDATE per counter column (CASE over the ids): per-counter
     * round trips, each waiting for a turn of a busy event loop, made a tick of 800 counters take
     * 28 s on PostgreSQL + Redis under 2,000 requests/s, and the following ticks were skipped.
     */
    async flush(): Promise<number> {
      let written = await setMarked();
      // As many batches as there were counters waiting: under steady increments the set never
      // empties, and a flush that chased it would run into the next tick (which is then skipped).
      // What is dirtied meanwhile waits for the next flush.
      for (let batches = Math.ceil((await kv.zcard(DIRTY)) / FLUSH_BATCH); batches > 0; batches--) {
        const batch = await kv.zrevrange(DIRTY, 0, FLUSH_BATCH - 1);
        if (batch.length === 0) return written;
        const members = batch.map((b) => b.member);
        await kv.zrem(DIRTY, ...members);
        const valid: { member: string; entity: CounterEntity; id: bigint; field: string }[] = [];
        const junk: string[] = [];
        for (const member of members) {
          const [, entity = '', id = '', field = ''] = member.split(':');
          // Never reaches SQL; dropped so it does not linger (e.g. a counter since renamed).
          if (!isCounter(entity, field) || !/^\d+$/.test(id)) junk.push(member);
          else valid.push({ member, entity, id: BigInt(id), field });
        }
        if (junk.length > 0) await kv.del(...junk);
        // take = GETDEL: an increment landing after this starts a new delta (and marks it dirty again).
        const taken = await Promise.all(valid.map(async (v) => ({ ...v, by: Number((await kv.take(v.member)) ?? 0) })));
        const changes = taken.filter((c) => c.by !== 0);
        if (changes.length === 0) continue;
        let rows: { free: typeof changes; held: typeof changes };
        try {
          rows = await retrying(() =>
            db.transaction().execute(async (trx) => {
              const split = await lockUnheld(trx, changes);
              await addDeltasIn(trx, split.free as CounterChange[]);
              return split;
            }),
          );
        } catch (error) {
          await pushDeltas(changes);
          throw error;
        }
        await pushDeltas(rows.held);
        written += rows.free.length;
        if (rows.free.length > 0) await notify(movedOf(rows.free));
      }
      return written;
    },

    /**
     * Recomputes every row counter from the rows (`inkstone recount`, the operator console), in
     * batches of RECOUNT_BATCH rows, each one short transaction, so it is safe while serving:
     *
     * - A batch first locks its rows (FOR UPDATE; SQLite has one writer anyway). A writer that
     *   committed before holds its relation row and its increment, and the count sees the row; a
     *   writer still running waits for the lock, then adds its +1 to the recounted value, and its
     *   uncommitted row was not counted: either way each row counts exactly once.
     * - Only row counters are recounted; no kv deltas exist for them (pending ones from an older
     *   version are flushed first). Read and share counts have no exact rows and stay as they are.
     */
    async recount(
      options: { onProgress?: (progress: RecountProgress) => void; batchSize?: number } = {},
    ): Promise<RecountResult> {
      const started = Date.now();
      const size = options.batchSize ?? RECOUNT_BATCH;
      const lockRows = dialectOf(db) !== 'sqlite';
      await service.flush();
      let rows = 0;
      let fixed = 0;
      for (const entity of ['article', 'user', 'comment'] as const) {
        const table = TABLES[entity] as 'articles';
        const fields = COUNTER_FIELDS[entity].filter((field) => !isDelta(entity, field));
        const total = Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        let done = 0;
        let after: bigint | undefined;
        options.onProgress?.({ entity, done, total, fixed });
        for (;;) {
          const changed = await transact(async (trx) => {
            let ids = trx.selectFrom(table).select('id').orderBy('id').limit(size);
            if (after !== undefined) ids = ids.where('id', '>', after);
            const batch = (await (lockRows ? ids.forUpdate() : ids).execute()).map((r) => r.id);
            if (batch.length === 0) return { value: null, changes: [] };
            const current = (await trx
              .selectFrom(table)
              .select(['id', ...fields] as never)
              .where('id', 'in', batch)
              .execute()) as unknown as Record<string, number | bigint>[];
            const queries = rowCountQueries(trx, entity, batch);
            const counted = new Map<string, Map<bigint, number>>();
            for (const field of fields) {
              const found = await queries[field]!();
              counted.set(field, new Map(found.map((r) => [BigInt(r.id), Number(r.n)])));
            }
            const changes: CounterChange[] = [];
            for (const row of current) {
              const id = row.id as bigint;
              for (const field of fields) {
                const by = (counted.get(field)!.get(id) ?? 0) - Number(row[field]);
                if (by !== 0) changes.push({ entity, id, field, by } as CounterChange);
              }
            }
            return { value: { ids: batch, changes: changes.length }, changes };
          }, 'set');
          if (changed === null) break;
          after = changed.ids.at(-1);
          rows += changed.ids.length;
          done += changed.ids.length;
          fixed += changed.changes;
          options.onProgress?.({ entity, done, total: Math.max(total, done), fixed });
        }
      }
      return { rows, fixed, ms: Date.now() - started };
    },
  };
  return service;
}

export type CounterService = ReturnType<typeof createCounterService>;
