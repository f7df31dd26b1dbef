/**
 * `inkstone reindex`: rebuilds the search index from the database with a progress bar on stderr
 * (redrawn in place on a terminal, a line per 10 % otherwise, so logs stay readable).
 */
import type { ReindexProgress, SearchService } from './search.service.js';

const BAR = 30;
const LABELS: Record<ReindexProgress['phase'], string> = {
  index: 'indexing',
  sweep: 'sweeping',
  vocabulary: 'vocabulary',
};

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  const started = Date.now();
  let phase: ReindexProgress['phase'] | undefined;
  let lastDraw = 0;
  let lastTenth = -1;
  return {
    update(p: ReindexProgress) {
      const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
      const changed = phase !== p.phase;
      if (changed && phase !== undefined && tty) stream.write('\n');
      phase = p.phase;
      if (changed) lastTenth = -1;
      const seconds = (Date.now() - started) / 1000;
      if (tty) {
        const now = Date.now();
        if (!changed && ratio < 1 && now - lastDraw < 100) return;
        lastDraw = now;
        const filled = Math.round(ratio * BAR);
        stream.write(
          `\r${LABELS[p.phase].padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${p.done}/${p.total}  ${seconds.toFixed(1)}s`,
        );
      } else {
        const tenth = Math.floor(ratio * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        stream.write(`${LABELS[p.phase]}: ${tenth * 10}% (${p.done}/${p.total}, ${seconds.toFixed(1)}s)\n`);
      }
    },
    done() {
      if (tty && phase !== undefined) stream.write('\n');
    },
  };
}

export async function runReindex(search: SearchService, stream: NodeJS.WriteStream = process.stderr) {
  const progress = progressPrinter(stream);
  try {
    return await search.reindex({ onProgress: (p) => progress.update(p) });
  } finally {
    progress.done();
  }
}
