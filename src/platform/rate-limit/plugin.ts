/**
 * Rate limits declared on routes:
 *
 *   app.post('/sms/codes/:mobile', { config: { rateLimit: [
 *     { rule: '1/minute;10/day', key: (request) => (request.params as { mobile?: string }).mobile },
 *     { rule: '20/hour', key: 'ip' },
 *   ] } }, handler)
 *
 * Each limit has its own counters (scope: the route and the limit's position, unless named), so
 * one route's limits never eat another's. Routes without `rateLimit` get the global default rule,
 * keyed by IP and shared by all of them (one budget per client, not one per route); `rateLimit:
 * false` opts out. Only routes registered after `registerRateLimits` are covered.
 *
 * The client IP is `request.ip`, which Fastify derives from X-Forwarded-For only when trustProxy
 * is configured (TRUST_PROXY); otherwise it is the socket address, so a client cannot pick its own.
 *
 * When the counters' store is down, a limit either lets requests through (`onStoreError: 'open'`,
 * the default: browsing must not stop because Redis did) or refuses them with a fast 503 and
 * Retry-After (`'closed'`: limits that guard against abuse — SMS sends, sign-in and password
 * guessing — where an unlimited window would be the attack).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { KvUnavailableError, type KeyValueStore } from '../kv/kv.js';
import { AppError, serviceUnavailable } from '../http/errors.js';
import { RateLimiter, type Decision } from './limiter.js';
import { parseRule, type Window } from './rule.js';

export type RateLimitKey = 'ip' | 'user' | ((request: FastifyRequest) => string | undefined);

export interface RouteRateLimit {
  /** E.g. `10/hour;100/day`. */
  rule: string;
  /** Whose requests are counted together; a function returning undefined (or '') skips the limit. */
  key: RateLimitKey;
  /** Counter namespace; give two routes one scope to make them share a budget. */
  scope?: string;
  message?: string;
  /** What to do when the counters cannot be read (store down): let the request through (default) or refuse with 503. */
  onStoreError?: 'open' | 'closed';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimit | RouteRateLimit[] | false;
  }
}

export interface RateLimitOptions {
  kv: KeyValueStore;
  /** Applied by IP to routes that declare no `rateLimit`, e.g. `600/minute`. */
  defaultRule?: string;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_MESSAGE = 'Too many requests.';

/** Response headers for a decision (IETF RateLimit header draft; seconds). */
export function rateLimitHeaders(decision: Decision): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

/** For services that limit inside a handler: throws the 429 when `decision` is a rejection. */
export function assertAllowed(decision: Decision, message = DEFAULT_MESSAGE): void {
  if (!decision.allowed) throw new AppError('rate_limited', message, rateLimitHeaders(decision));
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function keyOf(key: RateLimitKey, request: FastifyRequest): string | undefined {
  if (key === 'ip') return request.ip;
  if (key === 'user') return request.userId?.toString();
  return key(request) || undefined;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export function registerRateLimits(app: FastifyInstance, options: RateLimitOptions): void {
  const limiter = new RateLimiter(options.kv, options.now ? { now: options.now } : {});
  const defaultLimit: RouteRateLimit | undefined = options.defaultRule
    ? { rule: options.defaultRule, key: 'ip', scope: 'default' }
    : undefined;
  // Parsed here too, so a bad default fails at boot even before any route exists.
  if (options.defaultRule) parseRule(options.defaultRule);

  // Several limits on one route all count; the headers describe the one with the least left.
  const shown = new WeakMap<FastifyRequest, Decision>();

  function enforcer(limit: RouteRateLimit, scope: string, windows: Window[]): Hook {
    return async (request, reply) => {
      const key = keyOf(limit.key, request);
      if (key === undefined) return;
      let decision: Decision;
      try {
        decision = await limiter.hit(scope, key, windows);
      } catch (error) {
        if (!(error instanceof KvUnavailableError)) throw error;
        if (limit.onStoreError === 'closed') throw serviceUnavailable();
        return;
      }
      assertAllowed(decision, limit.message);
      const previous = shown.get(request);
      if (previous && previous.remaining < decision.remaining) return;
      shown.set(request, decision);
      reply.headers(rateLimitHeaders(decision));
    };
  }

  app.addHook('onRoute', (route: RouteOptions) => {
    const declared = route.config?.rateLimit;
    if (declared === false) return;
    const limits = declared === undefined ? asArray(defaultLimit) : asArray(declared);
    const early: Hook[] = [];
    const late: Hook[] = [];
    limits.forEach((limit, index) => {
      const method = asArray(route.method).join(',');
      const scope = limit.scope ?? `${method} ${route.url}#${index}`;
      let windows: Window[];
      try {
        windows = parseRule(limit.rule);
      } catch (error) {
        throw new Error(`${method} ${route.url}: ${(error as Error).message}`, { cause: error });
      }
      const hook = enforcer(limit, scope, windows);
      // IP limits run before the body is read, so a flood costs as little as possible. Other keys
      // need what later stages provide: the parsed (and validated) body, or the user set by auth.
      (limit.key === 'ip' ? early : late).push(hook);
    });
    if (early.length > 0) route.onRequest = [...early, ...asArray(route.onRequest)] as RouteOptions['onRequest'];
    if (late.length > 0) route.preHandler = [...asArray(route.preHandler), ...late] as RouteOptions['preHandler'];
  });
}
