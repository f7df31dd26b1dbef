export { parseRule, type Window } from './rule.js';
export { RateLimiter, type Decision } from './limiter.js';
export {
  assertAllowed,
  rateLimitHeaders,
  registerRateLimits,
  type RateLimitKey,
  type RateLimitOptions,
  type RouteRateLimit,
} from './plugin.js';
