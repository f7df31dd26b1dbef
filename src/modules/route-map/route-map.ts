/**
 * The route maps of A01 (`GET /app/`) and M01 (`GET /mp/`): every registered endpoint of a
 * service, keyed by an endpoint name, valued by the service-internal path in the original's Flask
 * form (`/app/v1_0/articles/:article_id` → `/v1_0/articles/<int:article_id>`).
 *
 * Nothing here lists routes by hand: paths come from the routes Fastify actually registers (see
 * route-map.routes.ts). Names are the original's for the endpoints it had (so the map reads like
 * the original's), and derived from the path for the rest.
 */

export type Service = 'app' | 'mp';

export interface RegisteredRoute {
  url: string;
  /** JSON schema of the path parameters, when the route declares one. */
  params?: { properties?: Record<string, { type?: string; pattern?: string }> };
}

/** The original's endpoint names (`<blueprint>.<endpoint>`), by service and internal path. */
const KNOWN_NAMES: Record<Service, Record<string, string>> = {
  app: {
    '/v1_0/sms/codes/<mobile:mobile>': 'user.SMSVerificationCode',
    '/v1_0/authorizations': 'user.Authorization',
    '/v1_0/user/followings': 'user.Followings',
    '/v1_0/user/followings/<int:target>': 'user.Following',
    '/v1_0/user/channels': 'user.Channels',
    '/v1_0/user/channels/<int:target>': 'user.Channel',
    '/v1_0/user/blacklists': 'user.Blacklists',
    '/v1_0/user/blacklists/<int:target>': 'user.Blacklist',
    '/v1_0/articles/<int:article_id>': 'news.Article',
    '/v1_0/articles': 'news.Articles',
    '/v1_0/users/<int:user_id>/articles': 'news.UserArticles',
    '/v1_0/user/articles': 'news.CurrentUserArticles',
    '/v1_0/article/collections': 'news.ArticleCollections',
    '/v1_0/article/collections/<int:target>': 'news.ArticleCollection',
    '/v1_0/article/likings': 'news.ArticleLikings',
    '/v1_0/article/likings/<int:target>': 'news.ArticleLiking',
    '/v1_0/article/dislikes': 'news.ArticleDislikes',
    '/v1_0/article/dislikes/<int:target>': 'news.ArticleDislike',
    '/v1_0/article/reports': 'news.ArticleReports',
    '/v1_0/comments': 'news.Comments',
    '/v1_0/comment/likings': 'news.CommentLikings',
    '/v1_0/comment/likings/<int:target>': 'news.CommentLiking',
    '/v1_0/channels': 'news.Channels',
    '/v1_0/user/histories': 'news.UserReadingHistories',
    '/v1_0/announcements': 'notice.Announcements',
    '/v1_0/announcements/<int:target>': 'notice.Announcement',
    '/imtest/<event>': 'notice.IMTest',
    '/v1_0/search': 'search.Search',
    '/v1_0/suggestion': 'search.Suggestion',
    '/v1_0/search/histories': 'search.Histories',
    // Endpoints of the contract that the 2019 snapshot lacks, named in the same style.
    '/v1_0/user': 'user.CurrentUser',
    '/v1_0/users/<int:target>': 'user.User',
  },
  mp: {
    '/v1_0/captchas/<mobile:mobile>': 'user.Captcha',
    '/v1_0/sms/codes/<mobile:mobile>': 'user.SMSVerificationCode',
    '/v1_0/authorizations': 'user.Authorization',
    '/v1_0/user/profile': 'user.UserProfile',
    '/v1_0/user/photo': 'user.UserPhoto',
    '/v1_0/user/images': 'news.UserImages',
    '/v1_0/user/images/<int:target>': 'news.UserImage',
  },
};

/** `<int:target>` → `<target>`: names match whatever converter a route declares. */
const bare = (path: string) => path.replace(/<[a-z]+:([A-Za-z0-9_]+)>/g, '<$1>');

const NAMES_BY_BARE_PATH: Record<Service, Map<string, string>> = {
  app: new Map(Object.entries(KNOWN_NAMES.app).map(([path, name]) => [bare(path), name])),
  mp: new Map(Object.entries(KNOWN_NAMES.mp).map(([path, name]) => [bare(path), name])),
};

/** Blueprint of a derived name, by the path's first segment (the original's grouping). */
const BLUEPRINTS: Record<string, string> = {
  sms: 'user',
  authorizations: 'user',
  captchas: 'user',
  user: 'user',
  users: 'user',
  followers: 'user',
  articles: 'news',
  article: 'news',
  comments: 'news',
  comment: 'news',
  channels: 'news',
  reading: 'news',
  announcements: 'notice',
  imtest: 'notice',
  search: 'search',
  suggestion: 'search',
  statistics: 'statistic',
};

const VERSION = /^v\d+_\d+$/;
const DIGIT_PATTERN = /^\^?(\[0-9\]|\\d)/;

/** `:name` or `:name(regex)` in a Fastify path → the Flask converter form. */
function flaskParam(name: string, regex: string | undefined, schema: RegisteredRoute['params']): string {
  const declared = schema?.properties?.[name];
  const isInt =
    (regex !== undefined && DIGIT_PATTERN.test(regex)) ||
    declared?.type === 'integer' ||
    (declared?.pattern !== undefined && DIGIT_PATTERN.test(declared.pattern));
  if (name === 'mobile') return '<mobile:mobile>';
  return isInt ? `<int:${name}>` : `<${name}>`;
}

/** `/app/v1_0/user/channels/:target(^\d+$)` → `/v1_0/user/channels/<int:target>` (null when not under the service). */
export function internalPath(service: Service, route: RegisteredRoute): string | null {
  const prefix = `/${service}`;
  if (!route.url.startsWith(`${prefix}/`) || route.url.includes('*')) return null;
  const rest = route.url.slice(prefix.length);
  if (rest === '/' || rest === '') return null;
  const segments = rest
    .split('/')
    .slice(1)
    .filter((segment) => segment !== '')
    .map((segment) => {
      const match = /^:([A-Za-z0-9_]+)(?:\((.*)\))?$/.exec(segment);
      return match ? flaskParam(match[1]!, match[2], route.params) : segment;
    });
  return `/${segments.join('/')}`;
}

const pascal = (word: string) =>
  word
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

/** A name for an endpoint the original did not have: `/v1_0/user/sessions/<int:target>` → `user.UserSession`. */
export function derivedName(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const version = segments.find((s) => VERSION.test(s));
  const words = segments.filter((s) => !VERSION.test(s));
  const endsWithParam = words.at(-1)?.startsWith('<') ?? false;
  const literals = words.filter((s) => !s.startsWith('<'));
  const blueprint = BLUEPRINTS[literals[0] ?? ''] ?? literals[0] ?? 'root';
  let name = literals.map(pascal).join('') || 'Root';
  if (endsWithParam && name.endsWith('s')) name = name.slice(0, -1);
  if (version && version !== 'v1_0') name += `_${version.toUpperCase()}`;
  return `${blueprint}.${name}`;
}

/** The map for one service: one entry per path (a path's methods share it, as Flask resources did). */
export function buildRouteMap(service: Service, routes: Iterable<RegisteredRoute>): Record<string, string> {
  const paths = new Set<string>();
  for (const route of routes) {
    const path = internalPath(service, route);
    if (path !== null) paths.add(path);
  }
  const map: Record<string, string> = {};
  for (const path of [...paths].sort()) {
    const base = NAMES_BY_BARE_PATH[service].get(bare(path)) ?? derivedName(path);
    let name = base;
    for (let n = 2; name in map; n++) name = `${base}_${n}`;
    map[name] = path;
  }
  return map;
}
