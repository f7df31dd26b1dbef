/**
 * `inkstone recount`: every row counter recomputed from the rows, with progress on stderr: a bar
 * redrawn in place on a terminal, a line per entity and 10 % otherwise (logs stay readable).
 */
import type { CounterService, RecountProgress, RecountResult } from './counter.service.js';

const WIDTH = 30;

export async function runRecount(
  counters: CounterService,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<RecountResult> {
  const tty = Boolean(stream.isTTY);
  let entity: string | undefined;
  let shown = -1;
  const show = (p: RecountProgress) => {
    const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
    const percent = Math.floor(ratio * 100);
    if (entity !== p.entity) {
      if (tty && entity !== undefined) stream.write('\n');
      entity = p.entity;
      shown = -1;
    }
    const step = tty ? percent : Math.floor(percent / 10) * 10;
    if (step === shown) return;
    shown = step;
    const bar = `${'#'.repeat(Math.round(ratio * WIDTH)).padEnd(WIDTH, '-')}`;
    const line = `${`${p.entity}s`.padEnd(9)} [${bar}] ${String(step).padStart(3)}% ${p.done}/${p.total}, ${p.fixed} fixed`;
    stream.write(tty ? `\r${line}` : `${line}\n`);
  };
  try {
    return await counters.recount({ onProgress: show });
  } finally {
    if (tty && entity !== undefined) stream.write('\n');
  }
}
