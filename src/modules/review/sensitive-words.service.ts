/**
 * The sensitive-word list admins edit (console and admin API), stored in `sensitive_words`, and the
 * matcher built from it. A change rebuilds this process's matcher at once and bumps a version key
 * in the key-value store; every instance polls that key and reloads from the database when it
 * moved (as the cache does, the shared store is how instances learn of a change: the event bus is
 * in-process). SENSITIVE_WORDS_FILE, when set, adds its words to the table's (read-only here).
 */
import fs from 'node:fs';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { badRequest, invalidField } from '../../platform/http/errors.js';
import { unlessKvDown, type KeyValueStore } from '../../platform/kv/kv.js';
import {
  createSensitiveWordFilter,
  parseWordList,
  type SensitiveWordFilter,
} from '../../platform/sanitize/sensitive-words.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SensitiveWordRow, SensitiveWordsRepository } from './sensitive-words.repository.js';
import { normalizeWord, WORD_MAX } from './sensitive-words.tables.js';

/** The whole list is one automaton in every process: bounded. */
export const MAX_WORDS = 20_000;
/** Words per request (add, remove, replace). */
export const MAX_BATCH = 5_000;
const VERSION_KEY = 'review:sensitive-words:version';
const POLL_MS = 5_000;

export interface SensitiveWordsLogger {
  warn(obj: object, msg: string): void;
}

export interface WordChange {
  added: string[];
  removed: string[];
  /** Words in the list afterwards. */
  size: number;
}

export function createSensitiveWordsService(deps: {
  db: Db;
  repository: SensitiveWordsRepository;
  kv: KeyValueStore;
  audit: AuditService;
  clock: Clock;
  /** SENSITIVE_WORDS_FILE: words added to the table's, re-read on every reload. */
  file?: string | null;
  logger: SensitiveWordsLogger;
}) {
  const { db, repository, kv, audit, clock } = deps;
  // The shipped defaults until the table is read (before the app listens: see load()).
  const filter: SensitiveWordFilter = createSensitiveWordFilter();
  let seenVersion: string | null | undefined;
  let fileMtime = 0;
  let timer: NodeJS.Timeout | undefined;

  async function fileWords(): Promise<string[]> {
    if (!deps.file) return [];
    const stat = await fs.promises.stat(deps.file);
    fileMtime = stat.mtimeMs;
    return parseWordList(await fs.promises.readFile(deps.file, 'utf8'));
  }

  /** The shared version, or undefined while the kv store is down (the list is then read anyway). */
  const sharedVersion = () => unlessKvDown(kv.get(VERSION_KEY), undefined);

  async function load(): Promise<void> {
    // Version first: a change landing while we read is then seen as new on the next poll. With
    // the store down the version is unknown (undefined), so the first poll that reads one reloads.
    const version = await sharedVersion();
    const words = [...(await repository.allWords()), ...(await fileWords())];
    await filter.reload(words);
    seenVersion = version;
  }

  async function poll(): Promise<void> {
    const version = await sharedVersion();
    let fileChanged = false;
    if (deps.file) fileChanged = (await fs.promises.stat(deps.file)).mtimeMs !== fileMtime;
    if (version !== seenVersion || fileChanged) await load();
  }

  /** Cleans a request's words: trimmed, normalised, distinct; 400 naming `words` for a bad one. */
  function clean(words: readonly string[]): string[] {
    if (words.length > MAX_BATCH) throw invalidField('words', `at most ${MAX_BATCH} words at a time`);
    const out = new Set<string>();
    for (const raw of words) {
      const word = normalizeWord(raw);
      if (word === '') continue;
      if (word.length > WORD_MAX)
        throw invalidField('words', `a word is at most ${WORD_MAX} characters: ${word.slice(0, 20)}…`);
      out.add(word);
    }
    return [...out];
  }

  async function changed(): Promise<void> {
    // The change is committed: tell the other instances if the store answers (if not, they
    // reload when it is back, as their version is then unknown or old), and reload here.
    await unlessKvDown(kv.incr(VERSION_KEY), 0);
    await load();
  }

  async function change(
    actorId: bigint,
    add: readonly string[],
    remove: readonly string[] | 'all-others',
  ): Promise<WordChange> {
    const result = await db.transaction().execute(async (trx) => {
      const keep = new Set(add);
      const removed = await repository.remove(
        trx,
        remove === 'all-others' ? (await repository.allWords(trx)).filter((w) => !keep.has(w)) : remove,
      );
      const added = await repository.add(trx, add, actorId, clock.now());
      const size = await repository.count(trx);
      if (size > MAX_WORDS) throw badRequest({ words: `the list holds at most ${MAX_WORDS} words` });
      if (added.length > 0 || removed.length > 0) {
        await audit.record(
          {
            actorId,
            action:
              remove === 'all-others'
                ? 'sensitive_words.replace'
                : added.length > 0
                  ? 'sensitive_words.add'
                  : 'sensitive_words.remove',
            targetType: 'sensitive_words',
            targetId: 'list',
            before: removed.length > 0 ? { removed } : undefined,
            after: added.length > 0 ? { added } : undefined,
          },
          trx,
        );
      }
      return { added, removed, size };
    });
    if (result.added.length > 0 || result.removed.length > 0) await changed();
    return result;
  }

  return {
    /** The matcher the review policy and the MP article service use; always the current list. */
    filter,
    load,

    /** Polls for changes made on other instances. */
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        poll().catch((err: unknown) =>
          deps.logger.warn({ err }, 'sensitive-word list reload failed; keeping the current one'),
        );
      }, POLL_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },

    async page(page: number, perPage: number): Promise<{ rows: SensitiveWordRow[]; more: boolean; total: number }> {
      const rows = await repository.page((page - 1) * perPage, perPage);
      const more = rows.length > perPage;
      if (more) rows.length = perPage;
      return { rows, more, total: await repository.count() };
    },

    add: (actorId: bigint, words: readonly string[]) => change(actorId, clean(words), []),
    remove: (actorId: bigint, words: readonly string[]) => change(actorId, [], clean(words)),
    /** The list becomes exactly `words`. */
    replace: (actorId: bigint, words: readonly string[]) => change(actorId, clean(words), 'all-others'),
  };
}

export type SensitiveWordsService = ReturnType<typeof createSensitiveWordsService>;
