/**
 * autocannon 9 ships no TypeScript types (and there is no @types package installed), so this is a
 * minimal declaration of the part of its API the benchmark uses. Extend it when a scenario needs
 * more (see node_modules/autocannon/README.md for the full option list).
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

    /** Per-connection state shared by the setupRequest/onResponse hooks of one pass over `requests`. */
    type RequestContext = Record<string, unknown>;

    /** One entry of the `requests` sequence each connection loops over. */
    interface Request {
      method?: HttpMethod;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Mutates the request before it is sent; a falsy return restarts the sequence. */
      setupRequest?: (request: Request, context: RequestContext) => Request | null | undefined | false;
      onResponse?: (status: number, body: string, context: RequestContext, headers: Record<string, string>) => void;
    }

    interface Options {
      url: string | string[];
      connections?: number;
      /** Seconds. */
      duration?: number | string;
      amount?: number;
      /** Seconds to wait for a response. */
      timeout?: number;
      pipelining?: number;
      workers?: number;
      bailout?: number;
      method?: HttpMethod;
      title?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      requests?: Request[];
      initialContext?: RequestContext;
      expectBody?: string;
      verifyBody?: (body: string) => boolean;
      excludeErrorStats?: boolean;
      sampleInt?: number;
    }

    /** hdr-histogram-percentiles-obj summary. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total?: number;
      p0_001: number;
      p0_01: number;
      p0_1: number;
      p1: number;
      p2_5: number;
      p10: number;
      p25: number;
      p50: number;
      p75: number;
      p90: number;
      p97_5: number;
      p99: number;
      p99_9: number;
      p99_99: number;
      p99_999: number;
    }

    interface Result {
      title?: string;
      url: string;
      connections: number;
      pipelining: number;
      /** Seconds. */
      duration: number;
      samples: number;
      start: Date;
      finish: Date;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      '1xx': number;
      '2xx': number;
      '3xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds. */
      latency: Histogram & { totalCount: number };
      /** Requests per second (one sample per sampleInt). */
      requests: Histogram & { sent: number };
      /** Bytes per second. */
      throughput: Histogram;
    }

    /** The running instance: an event emitter that is also a promise of the result. */
    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  function autocannon(
    options: autocannon.Options,
    callback: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
