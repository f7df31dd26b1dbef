import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { onConflictIgnore } from '../../platform/db/dialect.js';
import type { SensitiveWordsTable } from './sensitive-words.tables.js';

export type SensitiveWordRow = Selectable<SensitiveWordsTable> & { added_by_name: string | null };

export function createSensitiveWordsRepository(db: Db) {
  return {
    /** Every word, for the matcher (the list is bounded by the service's MAX_WORDS). */
    async allWords(executor: Db = db): Promise<string[]> {
      const rows = await executor.selectFrom('sensitive_words').select('word').orderBy('word').execute();
      return rows.map((row) => row.word);
    },

    async count(executor: Db = db): Promise<number> {
      const row = await executor
        .selectFrom('sensitive_words')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** A page in word order, with the adder's name; one row more than `limit` tells there is a next page. */
    async page(offset: number, limit: number): Promise<SensitiveWordRow[]> {
      return db
        .selectFrom('sensitive_words as w')
        .leftJoin('users as u', 'u.id', 'w.added_by')
        .select(['w.word', 'w.added_by', 'w.added_at', 'u.name as added_by_name'])
        .orderBy('w.word')
        .limit(limit + 1)
        .offset(offset)
        .execute();
    },

    /** Inserts the words not there yet; returns those it inserted. */
    async add(executor: Db, words: readonly string[], addedBy: bigint, at: number): Promise<string[]> {
      const added: string[] = [];
      // One statement per word: the dialects disagree on how many rows an ignored multi-row insert reports.
      for (const word of words) {
        const result = await onConflictIgnore(
          executor,
          executor.insertInto('sensitive_words').values({ word, added_by: addedBy, added_at: at }),
          ['word'],
        ).executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) added.push(word);
      }
      return added;
    },

    /** Deletes the words; returns those that were there. */
    async remove(executor: Db, words: readonly string[]): Promise<string[]> {
      if (words.length === 0) return [];
      const present = await executor
        .selectFrom('sensitive_words')
        .select('word')
        .where('word', 'in', [...words])
        .execute();
      if (present.length === 0) return [];
      const gone = present.map((row) => row.word);
      await executor.deleteFrom('sensitive_words').where('word', 'in', gone).execute();
      return gone;
    },
  };
}

export type SensitiveWordsRepository = ReturnType<typeof createSensitiveWordsRepository>;
