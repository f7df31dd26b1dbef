/**
 * A small load driver for outage tests: a few concurrent loops sending requests through
 * `app.inject` until stopped, recording each answer's status and latency per category.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.js';
import { pause, until } from '../helpers/wait.js';

export interface Sample {
  category: string;
  status: number;
  ms: number;
  at: number;
}

export interface Request {
  category: string;
  options: InjectOptions;
}

export class Recorder {
  readonly samples: Sample[] = [];

  async send(t: TestApp, request: Request): Promise<LightMyRequestResponse> {
    const started = performance.now();
    const res = await t.app.inject(request.options);
    this.samples.push({
      category: request.category,
      status: res.statusCode,
      ms: performance.now() - started,
      at: Date.now(),
    });
    return res;
  }

  /** Per category: count, status mix, share of 200 and worst latency (all samples or those in [from, to]). */
  summary(filter: (s: Sample) => boolean = () => true) {
    const byCategory = new Map<string, Sample[]>();
    for (const s of this.samples.filter(filter)) {
      const list = byCategory.get(s.category) ?? [];
      list.push(s);
      byCategory.set(s.category, list);
    }
    return [...byCategory].map(([category, list]) => {
      const statuses: Record<string, number> = {};
      for (const s of list) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
      return {
        category,
        requests: list.length,
        statuses,
        ok: list.filter((s) => s.status === 200).length / list.length,
        worstMs: Math.round(Math.max(...list.map((s) => s.ms))),
      };
    });
  }
}

/** `concurrency` loops over `requests` (round robin, offset per loop) until `stop()`. */
export function drive(t: TestApp, recorder: Recorder, requests: Request[], concurrency: number, pauseMs = 5) {
  let running = true;
  const loops = Array.from({ length: concurrency }, async (_, loop) => {
    let i = loop;
    while (running) {
      await recorder.send(t, requests[i++ % requests.length]!);
      await pause(pauseMs);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** How long `check` took to hold: the outage tests report recovery times. */
export async function timeUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  await until(what, check, { timeoutMs, intervalMs: 100 });
  return Date.now() - started;
}
