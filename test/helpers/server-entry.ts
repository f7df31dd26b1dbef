import path from 'node:path';
import { inject } from 'vitest';

/**
 * Arguments for `spawn(process.execPath, inkstone(...))`: the real `inkstone` command (src/main.ts)
 * as transpiled once per run by test/setup/compile-src.ts, instead of `--import tsx src/main.ts`.
 */
export function inkstone(...args: string[]): string[] {
  return [inject('serverEntry'), ...args];
}

/** The transpiled JavaScript of a repository file (`src/…` or `test/cluster/fixtures/…`), for a child process. */
export function compiled(file: string): string {
  return path.join(inject('buildRoot'), file.replace(/\.ts$/, '.js'));
}
