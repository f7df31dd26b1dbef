import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/platform/db/batch-writer.js';
import { pause, until } from '../helpers/wait.js';

function writer(options: { maxRows?: number; intervalMs?: number; fail?: boolean } = {}) {
  const batches: number[][] = [];
  const errors: number[] = [];
  const w = new BatchWriter<number>({
    ...options,
    write: async (rows) => {
      await pause(5); // a write takes a while: flush() must wait for one under way
      if (options.fail) throw new Error('down');
      batches.push(rows);
    },
    onError: (_error, rows) => errors.push(rows),
  });
  return { w, batches, errors };
}

describe('BatchWriter', () => {
  it('writes what was added within the interval as one batch', async () => {
    const { w, batches } = writer({ intervalMs: 30 });
    for (let i = 0; i < 5; i++) w.add(i);
    expect(batches).toEqual([]);
    await until('the interval wrote', () => batches.length > 0);
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
    expect(w.pending).toBe(0);
  });

  it('writes at maxRows without waiting, and flush() waits for batches already under way', async () => {
    const { w, batches } = writer({ maxRows: 3, intervalMs: 60_000 });
    for (let i = 0; i < 7; i++) w.add(i);
    await w.flush();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('logs and drops a batch that fails, and goes on', async () => {
    const failing = writer({ fail: true });
    failing.w.add(1);
    failing.w.add(2);
    await failing.w.flush();
    expect(failing.errors).toEqual([2]);
    await failing.w.flush(); // nothing pending: no write, no error
    expect(failing.errors).toEqual([2]);
  });
});
