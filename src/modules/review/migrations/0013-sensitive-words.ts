import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';
import { DEFAULT_SENSITIVE_WORDS } from '../../../platform/sanitize/default-sensitive-words.js';
import { normalizeWord } from '../sensitive-words.tables.js';

/** The sensitive-word list admins edit (see ../sensitive-words.tables.ts), seeded with the shipped defaults. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sensitive_words')
    .addColumn('word', 'varchar(64)', (c) => c.primaryKey())
    // null: the seed
    .addColumn('added_by', 'bigint')
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  const now = Date.now();
  const seed = [...new Set(DEFAULT_SENSITIVE_WORDS.map(normalizeWord))];
  await db
    .insertInto('sensitive_words')
    .values(seed.map((word) => ({ word, added_by: null, added_at: now })))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sensitive_words').execute();
}
