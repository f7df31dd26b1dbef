/**
 * The admins' queries over the channel catalogue (every channel, hidden ones included). Readers'
 * queries are in channel.repository.ts.
 */
import { sql, type Updateable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { ChannelRow, ChannelsTable } from './channel.tables.js';

export type ChannelChanges = Pick<Updateable<ChannelsTable>, 'name' | 'sequence' | 'is_visible' | 'is_default'>;

const COLUMNS = ['id', 'name', 'sequence', 'is_visible', 'is_default', 'created_at', 'updated_at'] as const;

export function createChannelAdminRepository(db: Db) {
  return {
    /** Every channel in the readers' order (sequence, then id): `limit` + 1 rows from `offset`. */
    list(offset: number, limit: number): Promise<ChannelRow[]> {
      return db
        .selectFrom('channels')
        .select(COLUMNS)
        .orderBy('sequence')
        .orderBy('id')
        .offset(offset)
        .limit(limit + 1)
        .execute();
    },

    find(id: bigint, executor: Db = db): Promise<ChannelRow | undefined> {
      return executor.selectFrom('channels').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    /**
     * Whether another channel (not `except`) has this name, ignoring ASCII case: MySQL's
     * collation already compares so, and the other two databases are made to agree with it.
     */
    async nameTaken(name: string, except?: bigint): Promise<boolean> {
      let q = db
        .selectFrom('channels')
        .select('id')
        .where(sql<string>`lower(name)`, '=', name.toLowerCase());
      if (except !== undefined) q = q.where('id', '<>', except);
      return (await q.executeTakeFirst()) !== undefined;
    },

    /** Channel ids are the small numbers the apps know (1, 2, …): the next one after the largest. */
    async nextId(executor: Db = db): Promise<bigint> {
      const row = await executor
        .selectFrom('channels')
        .select((eb) => eb.fn.max('id').as('top'))
        .executeTakeFirst();
      return BigInt(row?.top ?? 0) + 1n;
    },

    /** Every channel id in the readers' order (a catalogue of a few dozen rows). */
    async orderedIds(executor: Db = db): Promise<bigint[]> {
      const rows = await executor.selectFrom('channels').select('id').orderBy('sequence').orderBy('id').execute();
      return rows.map((row) => row.id);
    },

    async insert(row: ChannelRow, executor: Db = db): Promise<void> {
      await executor.insertInto('channels').values(row).execute();
    },

    async update(id: bigint, changes: ChannelChanges, at: number, executor: Db = db): Promise<void> {
      await executor
        .updateTable('channels')
        .set({ ...changes, updated_at: at })
        .where('id', '=', id)
        .execute();
    },

    /** Positions 1, 2, … in the given order. */
    async renumber(ids: bigint[], at: number, executor: Db = db): Promise<void> {
      for (const [index, id] of ids.entries()) {
        await executor
          .updateTable('channels')
          .set({ sequence: index + 1, updated_at: at })
          .where('id', '=', id)
          .execute();
      }
    },
  };
}

export type ChannelAdminRepository = ReturnType<typeof createChannelAdminRepository>;
