/**
 * Whether the services the app depends on answer: the database, the key-value store and the
 * storage. One probe each, bounded in time (a load balancer asking /readyz needs an answer within
 * a second, outage or not). Used by /readyz and by the console's system page.
 */
import { sql } from 'kysely';
import type { Platform } from './platform.js';

const PROBE_TIMEOUT_MS = 800;

/** `ok`, or why not (the error's message, or that no answer came in time). */
export async function probe(run: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Per dependency, `ok` or the error; the kv entry is named `redis` when Redis carries it. */
export async function dependencyChecks(platform: Platform): Promise<Record<string, string>> {
  const [database, kv, storage] = await Promise.all([
    probe(() => sql`select 1`.execute(platform.db)),
    probe(() => platform.kv.ping()),
    probe(() => platform.storage.ping()),
  ]);
  return { database, [platform.kv.kind === 'redis' ? 'redis' : 'kv']: kv, storage };
}
