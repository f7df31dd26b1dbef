/**
 * Process-local Prometheus metrics, on a registry of their own (never prom-client's global one,
 * so several apps in one process — tests, the benchmark — do not collide):
 *
 * - inkstone_http_requests_total{method,route,status}
 * - inkstone_http_request_duration_seconds{method,route} (histogram)
 * - inkstone_db_queries_total{operation}: statements executed through `platform.db`
 * - inkstone_cache_requests_total{result}: cache-aside reads, hit | miss | shared
 * - the default process and Node.js metrics (CPU, memory, event loop lag, GC, handles)
 *
 * `route` is the route's pattern (`/app/v1_0/articles/:article_id`), never the raw URL, and
 * `<unmatched>` for requests no route answered, so label values stay a small fixed set.
 * With several worker processes each has its own numbers; scrape each or add up per instance.
 */
import type { KyselyPlugin } from 'kysely';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { CacheOutcome } from '../cache/cache.js';
import { QueryCounterPlugin, type QueryOperation } from './query-counter.js';
import { createRecentWindow, type RecentTraffic } from './recent.js';

export const UNMATCHED_ROUTE = '<unmatched>';

export interface Metrics {
  readonly registry: Registry;
  /** Attach to the Kysely instance the app uses: `db.withPlugin(metrics.queryCounter)`. */
  readonly queryCounter: KyselyPlugin;
  /** Statements executed so far through the instrumented db (queries per request = delta / requests). */
  dbQueries(): number;
  /** For `new Cache(kv, { onResult })`. */
  cacheResult(outcome: CacheOutcome): void;
  /** One finished HTTP request; `route` is the pattern (or UNMATCHED_ROUTE). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** This process's requests, errors and latency over the last five minutes (the console's dashboard). */
  recentTraffic(): RecentTraffic;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Process and Node.js metrics (default true). */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'inkstone_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'inkstone_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const queries = new Counter({
    name: 'inkstone_db_queries_total',
    help: 'Database statements executed by the app, by operation.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const cache = new Counter({
    name: 'inkstone_cache_requests_total',
    help: 'Cache-aside reads by result: hit (from the kv store), miss (loaded here), shared (answered by a load already running).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  // Every label value exists from the start, so rates work from the first scrape.
  for (const operation of ['select', 'insert', 'update', 'delete', 'other'] as const) queries.inc({ operation }, 0);
  for (const result of ['hit', 'miss', 'shared'] as const) cache.inc({ result }, 0);

  const requestChildren = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();

  const recent = createRecentWindow();

  let dbQueries = 0;
  const queryCounter = new QueryCounterPlugin((operation: QueryOperation) => {
    dbQueries++;
    queries.inc({ operation });
  });

  return {
    registry,
    queryCounter,
    contentType: registry.contentType,
    dbQueries: () => dbQueries,
    cacheResult: (outcome) => cache.inc({ result: outcome }),
    observeRequest(method, route, status, seconds) {
      // The labelled children are looked up once per (method, route, status): prom-client hashes
      // the label object on every call otherwise, a visible share of a cached request's cost.
      const key = `${method} ${status} ${route}`;
      let child = requestChildren.get(key);
      if (!child) {
        child = { count: requests.labels(method, route, String(status)), duration: duration.labels(method, route) };
        requestChildren.set(key, child);
      }
      child.count.inc();
      child.duration.observe(seconds);
      recent.observe(status, seconds);
    },
    recentTraffic: () => recent.read(),
    render: () => registry.metrics(),
  };
}
