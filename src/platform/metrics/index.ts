export { createMetrics, UNMATCHED_ROUTE, type Metrics, type MetricsOptions } from './metrics.js';
export { QueryCounterPlugin, type QueryOperation } from './query-counter.js';
export { checkMetricsAccess, registerMetrics, type MetricsAccess } from './http.js';
export { createRecentWindow, type RecentTraffic, type RecentWindow } from './recent.js';
