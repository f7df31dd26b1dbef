/**
 * Counters (seed 000's statistics design): likes, comments, collections, reads, follows and fans
 * move as atomic increments in the key-value store and reach the database in batches, from a
 * scheduled flush. The database column is the base; the kv store holds only the delta not yet
 * flushed; readers see base + delta.
 *
 * What a crash can lose: with Redis, deltas live in Redis and survive an app crash; a flush takes
 * each delta with GETDEL before writing it, so a crash inside a flush loses at most the deltas of
 * that flush (one batch, milliseconds of traffic). In the embedded mode the deltas live in the
 * process, so a crash loses at most one flush interval of counter changes (5 s by default). Losing
 * Redis loses only unflushed deltas, never a count the database already holds, and a cold store
 * needs no rebuild because the database is the base.
 */
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { unlessKvDown, type KeyValueStore } from '../../platform/kv/kv.js';

/** Which counter columns exist, per entity: the only names that ever reach SQL. */
export const COUNTER_FIELDS = {
  article: ['read_count', 'like_count', 'dislike_count', 'comment_count', 'collect_count', 'share_count'],
  user: ['art_count', 'follow_count', 'fans_count', 'like_count', 'read_count'],
  comment: ['like_count', 'reply_count'],
} as const;

export type CounterEntity = keyof typeof COUNTER_FIELDS;
export type CounterField<E extends CounterEntity> = (typeof COUNTER_FIELDS)[E][number];

const TABLES = { article: 'articles', user: 'users', comment: 'comments' } as const;
const DIRTY = 'cnt:dirty';
const FLUSH_BATCH = 500;

/** Own properties only: `constructor` or `__proto__` must not pass for an entity. */
function isCounter(entity: string, field: string): entity is CounterEntity {
  return Object.hasOwn(COUNTER_FIELDS, entity) && (COUNTER_FIELDS[entity as CounterEntity] as readonly string[]).includes(field);
}

export interface CounterChange<E extends CounterEntity = CounterEntity> {
  entity: E;
  id: bigint;
  field: CounterField<E>;
  by: number;
}

export function createCounterService(deps: { kv: KeyValueStore; db: Db; now: () => number }) {
  const { kv, db } = deps;
  const keyOf = (entity: CounterEntity, id: bigint, field: string) => `cnt:${entity}:${id}:${field}`;
  // Feed pages overlay the same cached card objects on every request: their keys are built once.
  const rowKeys = new WeakMap<object, { signature: string; keys: string[] }>();
  const keysOf = (entity: CounterEntity, row: { id: bigint }, fields: readonly string[], signature: string): string[] => {
    const known = rowKeys.get(row);
    if (known?.signature === signature) return known.keys;
    const keys = fields.map((field) => keyOf(entity, row.id, field));
    rowKeys.set(row, { signature, keys });
    return keys;
  };
  type FlushedListener = (entity: CounterEntity, ids: bigint[]) => Promise<void> | void;
  const flushedListeners: { listener: FlushedListener; fields: ReadonlySet<string> | undefined }[] = [];

  return {
    /** Throws (before touching anything) on an unknown entity or field or a non-integer step. */
    async add(changes: CounterChange[]): Promise<void> {
      for (const c of changes) {
        if (!isCounter(c.entity, c.field)) throw new TypeError(`Unknown counter ${String(c.entity)}.${String(c.field)}`);
        if (!Number.isSafeInteger(c.by)) throw new TypeError(`Counter step must be an integer, got ${c.by}`);
      }
      await Promise.all(
        changes
          .filter((c) => c.by !== 0)
          .map(async (c) => {
            const key = keyOf(c.entity, c.id, c.field);
            await kv.incr(key, c.by);
            await kv.zadd(DIRTY, [{ member: key, score: deps.now() }]);
          }),
      );
    },

    /** Adds unflushed deltas to rows that carry the counter columns (lists and details). */
    async overlay<E extends CounterEntity, R extends { id: bigint }>(entity: E, rows: R[], fields: CounterField<E>[]): Promise<R[]> {
      if (rows.length === 0 || fields.length === 0) return rows;
      const signature = `${entity}:${fields.join(',')}`;
      const keys: string[] = [];
      for (const row of rows) keys.push(...keysOf(entity, row, fields, signature));
      // Store down: the flushed counts from the database, a little behind, rather than an error.
      const deltas = await unlessKvDown(kv.getMany(keys), null);
      if (deltas === null || deltas.every((d) => d === null)) return rows;
      return rows.map((row, i) => {
        let copy: R | undefined;
        fields.forEach((field, j) => {
          const delta = Number(deltas[i * fields.length + j] ?? 0);
          if (delta !== 0) {
            copy ??= { ...row };
            const record = copy as unknown as Record<string, number>;
            record[field] = Math.max(0, (record[field] ?? 0) + delta);
          }
        });
        return copy ?? row;
      });
    },

    /**
     * Called after a flush wrote these rows, so caches holding their counts can be dropped. With
     * `fields`, only rows where one of those counters moved are passed (a card cache need not drop
     * an article whose read_count alone moved, since cards do not show it).
     */
    onFlushed(listener: FlushedListener, options: { fields?: readonly string[] } = {}): void {
      flushedListeners.push({ listener, fields: options.fields ? new Set(options.fields) : undefined });
    },

    /** Moves every pending delta into the database; returns how many counters were written. */
    async flush(): Promise<number> {
      let written = 0;
      for (;;) {
        const batch = await kv.zrevrange(DIRTY, 0, FLUSH_BATCH - 1);
        if (batch.length === 0) return written;
        await kv.zrem(DIRTY, ...batch.map((b) => b.member));
        const touched = new Map<CounterEntity, Map<bigint, Set<string>>>();
        for (const [index, { member }] of batch.entries()) {
          const [, entity = '', id = '', field = ''] = member.split(':');
          if (!isCounter(entity, field) || !/^\d+$/.test(id)) {
            // Never reaches SQL; dropped so it does not linger (e.g. a counter since renamed).
            await kv.del(member);
            continue;
          }
          // take = GETDEL: an increment landing after this starts a new delta (and marks it dirty again).
          const delta = Number((await kv.take(member)) ?? 0);
          if (delta === 0) continue;
          try {
            await db
              .updateTable(TABLES[entity] as 'articles')
              .set({ [field]: sql`CASE WHEN ${sql.ref(field)} + ${delta} < 0 THEN 0 ELSE ${sql.ref(field)} + ${delta} END` } as never)
              .where('id', '=', BigInt(id))
              .execute();
          } catch (error) {
            // Give back what this batch took but did not write, so the next flush retries it.
            await kv.incr(member, delta);
            await kv.zadd(DIRTY, batch.slice(index).map((b) => ({ member: b.member, score: deps.now() })));
            throw error;
          }
          written++;
          let rows = touched.get(entity);
          if (!rows) touched.set(entity, (rows = new Map()));
          const rowId = BigInt(id);
          let fields = rows.get(rowId);
          if (!fields) rows.set(rowId, (fields = new Set()));
          fields.add(field);
        }
        for (const [entity, rows] of touched) {
          for (const { listener, fields } of flushedListeners) {
            const ids = [...rows].filter(([, moved]) => !fields || [...moved].some((f) => fields.has(f))).map(([rowId]) => rowId);
            if (ids.length > 0) await listener(entity, ids);
          }
        }
      }
    },
  };
}

export type CounterService = ReturnType<typeof createCounterService>;
