import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/** Marks of derived counters to set again (see ../counter.tables.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('counter_marks')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('entity', 'varchar(16)', (c) => c.notNull())
    .addColumn('row_id', 'bigint', (c) => c.notNull())
    .addColumn('field', 'varchar(32)', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  // A profile's read asks whether its row has a mark waiting (counter.service.ts, pendingSums).
  await db.schema.createIndex('counter_marks_row').on('counter_marks').columns(['row_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('counter_marks').execute();
}
