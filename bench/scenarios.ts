/**
 * The benchmark scenarios. Add an entry to `scenarios` to measure another endpoint: a fixed
 * `path`, or a `setup` that prepares data (signs in, finds an id…) and returns the request(s),
 * or an autocannon `requests` sequence for multi-step flows (see the sketch at the end).
 *
 * Ids are 64-bit integers in the API's JSON, beyond what a JS number holds exactly: take them
 * from the raw response text (see `ids`), never from JSON.parse.
 */
import type autocannon from 'autocannon';

/** 'bare' and 'bare:<name>' are bare node:http servers, each answering one fixed body. */
export type Target = 'inkstone' | 'bare' | `bare:${string}`;

/** What autocannon sends. `requests` (a sequence each connection loops over) wins over `path`. */
export interface RequestSpec {
  method?: autocannon.HttpMethod;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  requests?: autocannon.Request[];
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  bytes: Buffer;
}

/** Given to every setup; one per run, so setups can share what they fetched through `memo`. */
export interface ScenarioContext {
  /** Base URLs, e.g. http://127.0.0.1:41234 (bare is undefined until `startBare` ran). */
  baseUrl(target: Target): string | undefined;
  /** One request to a target (for setup and checks; not measured). */
  request(target: Target, path: string, init?: RequestInit): Promise<HttpResult>;
  /** Runs `compute` once per run and key; later calls get the same promise. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * Starts the bare node:http server `target` (default 'bare') answering `body` (once per target;
   * later calls must pass the same size).
   */
  startBare(body: Buffer, target?: Exclude<Target, 'inkstone'>): Promise<void>;
}

export interface Scenario extends RequestSpec {
  /** Short, unique; the CLI filter matches on it (`npm run bench -- feed`). */
  name: string;
  description: string;
  target: Target;
  /** Concurrent connections for this scenario (default: the run's setting). */
  connections?: number;
  /** Runs before the warm-up; its result overrides the static request fields. Throw to fail. */
  setup?: (ctx: ScenarioContext) => Promise<RequestSpec | void>;
}

/** A ratio printed after the table: scenario req/s ÷ baseline req/s (measured, never asserted). */
export interface Comparison {
  label: string;
  scenario: string;
  baseline: string;
  /** The goal for the ratio, e.g. 0.6 for "≥ 60 %". */
  target: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers for setups

export class SetupError extends Error {}

export function expectStatus(result: HttpResult, expected: number, what: string): void {
  if (result.status !== expected) {
    throw new SetupError(`${what}: expected HTTP ${expected}, got ${result.status}: ${result.text.slice(0, 300)}`);
  }
}

/** Every value of an id field, as digit strings, read from raw JSON text (ids exceed 2^53). */
export function ids(jsonText: string, field: string): string[] {
  const pattern = new RegExp(`"${field}"\\s*:\\s*"?(\\d+)"?`, 'g');
  return [...jsonText.matchAll(pattern)].map((match) => match[1] as string);
}

export interface FeedPage {
  path: string;
  text: string;
  bytes: Buffer;
}

/**
 * The first page of channel 1's feed as the app asks for it (timestamp = now, pinned first),
 * fetched once per run: the feed scenario requests it, the bare server answers its size and the
 * article scenario takes an id from it.
 */
export function firstFeedPage(ctx: ScenarioContext): Promise<FeedPage> {
  return ctx.memo('first-feed-page', async () => {
    const path = `/app/v1_1/articles?channel_id=1&timestamp=${Date.now()}&with_top=1`;
    const result = await ctx.request('inkstone', path);
    expectStatus(result, 200, `GET ${path}`);
    if (ids(result.text, 'art_id').length === 0)
      throw new SetupError(`GET ${path}: the page has no articles (demo data missing?)`);
    return { path, text: result.text, bytes: result.bytes };
  });
}

/** The demo reader (seeded by the server) and the demo SMS code. */
const DEMO_READER = { mobile: '13611111111', code: '246810' };

/** The demo reader's token pair, signed in once per run through the real endpoint. */
function session(ctx: ScenarioContext): Promise<{ token: string; refresh_token: string }> {
  return ctx.memo('session', async () => {
    const result = await ctx.request('inkstone', '/app/v1_0/authorizations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DEMO_READER),
    });
    expectStatus(result, 201, 'POST /app/v1_0/authorizations');
    const data = (JSON.parse(result.text) as { data?: { token?: unknown; refresh_token?: unknown } }).data;
    if (typeof data?.token !== 'string' || typeof data.refresh_token !== 'string') {
      throw new SetupError('POST /app/v1_0/authorizations: no token pair in the answer');
    }
    return { token: data.token, refresh_token: data.refresh_token };
  });
}

/** An access token of the demo reader. */
export async function signIn(ctx: ScenarioContext): Promise<string> {
  return (await session(ctx)).token;
}

async function bearer(ctx: ScenarioContext): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signIn(ctx)}` };
}

/** An unpinned article of the first feed page (the ordinary case): pairs each card's art_id with its is_top. */
async function ordinaryArticlePath(ctx: ScenarioContext): Promise<string> {
  const page = await firstFeedPage(ctx);
  let id = ids(page.text, 'art_id')[0];
  let current: string | undefined;
  for (const [, field, value] of page.text.matchAll(/"(art_id|is_top)"\s*:\s*(\d+)/g)) {
    if (field === 'art_id') current = value;
    else if (value === '0' && current) {
      id = current;
      break;
    }
  }
  return `/app/v1_0/articles/${id}`;
}

/** Channel 0's first page (the app's timestamp = now), checked once with these headers. */
async function recommendPath(ctx: ScenarioContext, headers: Record<string, string>): Promise<string> {
  const path = `/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1`;
  const result = await ctx.request('inkstone', path, { headers });
  expectStatus(result, 200, `GET ${path}`);
  if (ids(result.text, 'art_id').length === 0) throw new SetupError(`GET ${path}: no recommended articles`);
  return path;
}

// ---------------------------------------------------------------------------------------------
// The scenarios, in run order

export const scenarios: Scenario[] = [
  {
    name: 'healthz',
    description: 'GET /healthz: liveness, the smallest route through the full HTTP layer',
    target: 'inkstone',
    path: '/healthz',
  },
  {
    name: 'channels',
    description: 'GET /app/v1_0/channels: all channels (A31)',
    target: 'inkstone',
    path: '/app/v1_0/channels',
    async setup(ctx) {
      const result = await ctx.request('inkstone', '/app/v1_0/channels');
      expectStatus(result, 200, 'GET /app/v1_0/channels');
      if (ids(result.text, 'id').length === 0)
        throw new SetupError('GET /app/v1_0/channels: no channels (demo data missing?)');
    },
  },
  {
    name: 'user',
    description: 'GET /app/v1_0/user signed in (A27): token check, session and user state from the kv cache',
    target: 'inkstone',
    async setup(ctx) {
      const headers = await bearer(ctx);
      expectStatus(await ctx.request('inkstone', '/app/v1_0/user', { headers }), 200, 'GET /app/v1_0/user');
      return { path: '/app/v1_0/user', headers };
    },
  },
  {
    name: 'refresh',
    description: 'PUT /app/v1_0/authorizations with the refresh token (A12): a new access token per request',
    target: 'inkstone',
    async setup(ctx) {
      const headers = { authorization: `Bearer ${(await session(ctx)).refresh_token}` };
      expectStatus(
        await ctx.request('inkstone', '/app/v1_0/authorizations', { method: 'PUT', headers }),
        201,
        'PUT /app/v1_0/authorizations',
      );
      return { path: '/app/v1_0/authorizations', method: 'PUT', headers };
    },
  },
  {
    name: 'feed',
    description: 'GET /app/v1_1/articles first page of channel 1, with pinned (A32)',
    target: 'inkstone',
    async setup(ctx) {
      return { path: (await firstFeedPage(ctx)).path };
    },
  },
  {
    name: 'feed-user',
    description: 'the feed scenario signed in (Bearer token of the demo reader)',
    target: 'inkstone',
    async setup(ctx) {
      const headers = await bearer(ctx);
      const path = (await firstFeedPage(ctx)).path;
      expectStatus(await ctx.request('inkstone', path, { headers }), 200, `GET ${path} signed in`);
      return { path, headers };
    },
  },
  {
    name: 'article',
    description: 'GET /app/v1_0/articles/:id for an article of the first feed page (A34), anonymous',
    target: 'inkstone',
    async setup(ctx) {
      const path = await ordinaryArticlePath(ctx);
      const result = await ctx.request('inkstone', path);
      expectStatus(result, 200, `GET ${path}`);
      return { path };
    },
  },
  {
    name: 'article-user',
    description: 'the article scenario signed in (per-reader flags, read hook)',
    target: 'inkstone',
    async setup(ctx) {
      const headers = await bearer(ctx);
      const path = await ordinaryArticlePath(ctx);
      expectStatus(await ctx.request('inkstone', path, { headers }), 200, `GET ${path} signed in`);
      return { path, headers };
    },
  },
  {
    name: 'web-article',
    description: 'GET /articles/:id, the reader site page of the article scenario (HTML), anonymous',
    target: 'inkstone',
    async setup(ctx) {
      const path = (await ordinaryArticlePath(ctx)).replace('/app/v1_0/articles/', '/articles/');
      expectStatus(await ctx.request('inkstone', path), 200, `GET ${path}`);
      return { path };
    },
  },
  {
    name: 'web-home',
    description: 'GET /, the reader site home page (HTML: the recommender first page), anonymous',
    target: 'inkstone',
    async setup(ctx) {
      expectStatus(await ctx.request('inkstone', '/'), 200, 'GET /');
      return { path: '/' };
    },
  },
  {
    name: 'recommend',
    description: 'GET /app/v1_1/articles channel 0, first page, anonymous (the shared hot list)',
    target: 'inkstone',
    async setup(ctx) {
      return { path: await recommendPath(ctx, {}) };
    },
  },
  {
    name: 'recommend-user',
    description: 'channel 0 first page signed in (a personal ranking and session per refresh)',
    target: 'inkstone',
    async setup(ctx) {
      const headers = await bearer(ctx);
      return { path: await recommendPath(ctx, headers), headers };
    },
  },
  {
    name: 'recommend-scroll',
    description: 'channel 0 signed in: a first page, then 4 more following pre_timestamp (one session per 5 requests)',
    target: 'inkstone',
    async setup(ctx) {
      const headers = await bearer(ctx);
      await recommendPath(ctx, headers);
      const page = (n: number): autocannon.Request => ({
        method: 'GET',
        headers,
        setupRequest(request, context) {
          const timestamp = n === 0 ? Date.now() : context.next;
          return { ...request, path: `/app/v1_1/articles?channel_id=0&timestamp=${String(timestamp)}&with_top=1` };
        },
        onResponse(status, body, context) {
          // The cursor is an integer well below 2^53: JSON.parse keeps it exact.
          if (status === 200)
            context.next = (JSON.parse(body) as { data: { pre_timestamp: number } }).data.pre_timestamp;
        },
      });
      return { requests: [0, 1, 2, 3, 4].map(page) };
    },
  },
  {
    name: 'bare',
    description: 'bare node:http answering a fixed JSON body the size of the first feed page',
    target: 'bare',
    async setup(ctx) {
      const page = await firstFeedPage(ctx);
      await ctx.startBare(page.bytes);
      const result = await ctx.request('bare', page.path);
      expectStatus(result, 200, 'bare server');
      if (result.bytes.length !== page.bytes.length) {
        throw new SetupError(`bare server answers ${result.bytes.length} bytes, the feed page is ${page.bytes.length}`);
      }
      return { path: page.path };
    },
  },
];

export const comparisons: Comparison[] = [{ label: 'feed ÷ bare', scenario: 'feed', baseline: 'bare', target: 0.6 }];

/*
 * Sketch for later scenarios (authenticated, multi-step):
 *
 *   {
 *     name: 'user',
 *     description: 'GET /app/v1_0/user with a bearer token',
 *     target: 'inkstone',
 *     async setup(ctx) {
 *       const token = await ctx.memo('token', () => signIn(ctx));   // POST /app/v1_0/authorizations
 *       return { path: '/app/v1_0/user', headers: { authorization: `Bearer ${token}` } };
 *     },
 *   }
 *
 * A token refresh flow would return `requests: [{ method: 'PUT', path: …, setupRequest, onResponse }]`
 * instead, carrying the token between requests in autocannon's per-connection context.
 */
