/**
 * After each full collection V8 sets the next heap limit at the live size times a factor it
 * derives from the allocation rate and its own speed. A server that allocates fast around a small
 * live set gets a factor near its maximum (4): under random article reads the heap held ~150 MB
 * live in ~300 MB and the process peaked above 500 MB. A fixed factor of 1.5 kept the same
 * throughput with ~100 MB less (bench/README.md, round 6); 1.3 cost throughput.
 *
 * V8 reads the flag at every collection, so setting it at start-up takes effect; one given on the
 * command line (`node --heap-growing-percent=…`) wins.
 */
import v8 from 'node:v8';

const FLAG = 'heap-growing-percent';

/** True when the factor was set; false for 0 (V8's own) or when the command line already sets it. */
export function applyHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): boolean {
  const given = execArgv.some((arg) => arg.replace(/_/g, '-').startsWith(`--${FLAG}`));
  if (percent <= 0 || given) return false;
  v8.setFlagsFromString(`--${FLAG}=${percent}`);
  return true;
}
