/**
 * The reader site (issue 14): server-rendered pages on the same port as the APIs, read through
 * the same services (feed, articles, comments, engagement), so a page and the app always show
 * the same thing. Anonymous pages carry the same HTTP caching as the API (ETag/304, a short
 * public max-age); errors on these pages, and unknown paths a browser asks for, get an HTML page.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/http/errors.js';
import { setErrorPage, type Problem } from '../../platform/http/http-layer.js';
import { toId } from '../../platform/http/ids.js';
import { Html } from '../../platform/web/html.js';
import { NearCache } from '../../platform/cache/near-cache.js';
import { htmlToText } from '../../platform/search/index.js';
import type { AppContext } from '../module.js';
import { FEED_PAGE_SIZE } from '../articles/article.service.js';
import { loadAssets } from './web.assets.js';
import { robotsTxt, rss, SITEMAP_PAGE, sitemapFile, sitemapIndex } from './web.feeds.js';
import { layout, type CurrentTab, type PageMeta, type Shell } from './web.layout.js';
import { articleBody, articlePath, errorBody, feedBody, profileBody, searchBody, userPath } from './web.pages.js';
import { TEXT } from './web.text.js';

/**
 * No inline script or style, no outside origin: assets come from this site; images may come from
 * wherever the article's (sanitized) HTML or the storage points.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https: http:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_CONFIG = { auth: 'public', page: true, cache: { maxAge: 60 } } as const;
const COMMENTS_PAGE = 20;
const SEARCH_PAGE = 10;

const Cursor = Type.Optional(Type.String({ pattern: '^[0-9]{1,20}$', maxLength: 20 }));
const IdParams = Type.Object({ id: Type.String({ maxLength: 24 }) });

function sendPage(reply: FastifyReply, page: Html | Buffer): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'strict-origin-when-cross-origin')
    .send(page instanceof Html ? page.value : page);
}

/**
 * Anonymous pages are the same for everybody and already declared fresh for a minute
 * (`public, max-age=60`): a page rendered once is served as the same bytes (and ETag, hashed once)
 * for this long. The article page still counts each view as a read.
 */
const RENDERED_PAGES = { max: 500, ttlMs: 1_000 } as const;

function sendXml(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply.type(`${type}; charset=utf-8`).header('x-content-type-options', 'nosniff').send(body);
}

/** Plain text of an article's HTML for a description (the search snippets' own conversion), cut short. */
function summary(htmlText: string, max = 120): string {
  const text = htmlToText(htmlText).trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function webRoutes(app: FastifyInstance, { services, platform, present }: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const origin = platform.config.publicUrl.replace(/\/+$/, '');
  const assets = loadAssets();
  const stylesheet = assets.get('site.css')!.path;
  const icon = assets.get('icon.svg')!.path;
  const script = assets.get('site.js')!.path;

  const visibleChannel = async (id: bigint) => (await services.channels.listVisible()).find((c) => c.id === id);

  /** The default channels as tabs, plus the page's own channel when it is not one of them. */
  async function shell(current: CurrentTab = null): Promise<Shell> {
    const defaults = await services.channels.forUser(undefined);
    let tabs = defaults;
    if (current !== null && current !== 0n && !defaults.some((c) => c.id === current)) {
      const own = await visibleChannel(current);
      if (own) tabs = [...defaults, own];
    }
    return { origin, stylesheet, icon, script, tabs };
  }

  const rendered = new NearCache<string, { bytes: Buffer; authorId?: bigint }>(RENDERED_PAGES);

  /** The page, rendered and kept by its URL; `authorId`: an article page's author (its read on a cache hit). */
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    page: { meta: PageMeta; current: CurrentTab; body: Html; authorId?: bigint },
  ) {
    const bytes = Buffer.from(layout(await shell(page.current), page.meta, page.current, page.body).value);
    rendered.set(request.url, { bytes, ...(page.authorId === undefined ? {} : { authorId: page.authorId }) });
    return sendPage(reply, bytes);
  }

  const renderedPage = (request: FastifyRequest) => rendered.peek(request.url)?.value;

  function problemPage(problem: Problem): { title: string; text: string } {
    if (problem.code === 'not_found' || problem.code === 'method_not_allowed')
      return { title: TEXT.notFoundTitle, text: TEXT.notFoundBody };
    if (problem.code === 'gone') return { title: TEXT.goneTitle, text: TEXT.goneBody };
    if (problem.requestId) return { title: TEXT.errorTitle, text: TEXT.errorBody };
    const message = typeof problem.message === 'string' ? problem.message : JSON.stringify(problem.message);
    return { title: TEXT.otherErrorTitle, text: message };
  }

  setErrorPage(app, async (request, reply, problem) => {
    const { title, text } = problemPage(problem);
    const meta: PageMeta = { title, description: text, canonical: `${origin}${request.url}`, noindex: true };
    // An error page is never cached by anyone: the next try may succeed.
    reply.header('cache-control', 'no-store');
    let tabs: Shell['tabs'] = [];
    try {
      tabs = (await shell()).tabs;
    } catch {
      // The error may be the database itself: the page still renders, without tabs.
    }
    return sendPage(
      reply,
      layout({ origin, stylesheet, icon, script, tabs }, meta, null, errorBody(title, text, problem.requestId)),
    );
  });

  for (const asset of assets.values()) {
    r.get(asset.path, { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(asset.body),
    );
  }

  /** A feed page (home: channel 0, the recommender; a channel: its timeline), with a link onward. */
  async function feedPage(channelId: bigint, cursor: string | undefined) {
    const timestamp = cursor === undefined ? Date.now() : Number(cursor);
    const page = await services.feed.page({}, { channelId, timestamp, withTop: true });
    const base = channelId === 0n ? '/' : `/channels/${channelId}`;
    const next = page.cards.length >= FEED_PAGE_SIZE ? `${base}?t=${page.preTimestamp}` : null;
    return { page, base, next };
  }

  r.get(
    '/',
    { config: PAGE_CONFIG, schema: { hide: true, querystring: Type.Object({ t: Cursor }) } },
    async (request, reply) => {
      const known = renderedPage(request);
      if (known) return sendPage(reply, known.bytes);
      const { page, next } = await feedPage(0n, request.query.t);
      const meta: PageMeta = {
        title: TEXT.siteName,
        description: TEXT.siteDescription,
        canonical: `${origin}/`,
        feed: `${origin}/feed.xml`,
        ...(request.query.t ? { noindex: true } : {}),
      };
      return render(request, reply, { meta, current: 0n, body: feedBody(TEXT.recommend, page.cards, next) });
    },
  );

  r.get(
    '/channels/:id',
    { config: PAGE_CONFIG, schema: { hide: true, params: IdParams, querystring: Type.Object({ t: Cursor }) } },
    async (request, reply) => {
      const known = renderedPage(request);
      if (known) return sendPage(reply, known.bytes);
      const channelId = toId(request.params.id, 'id');
      const channel = await visibleChannel(channelId);
      if (!channel) throw new AppError('not_found', 'Not found.');
      const { page, next } = await feedPage(channelId, request.query.t);
      const meta: PageMeta = {
        title: channel.name,
        description: TEXT.feedTitle(channel.name),
        canonical: `${origin}/channels/${channelId}`,
        feed: `${origin}/channels/${channelId}/feed.xml`,
        ...(request.query.t ? { noindex: true } : {}),
      };
      return render(request, reply, { meta, current: channelId, body: feedBody(channel.name, page.cards, next) });
    },
  );

  r.get(
    '/articles/:id',
    { config: PAGE_CONFIG, schema: { hide: true, params: IdParams, querystring: Type.Object({ c: Cursor }) } },
    async (request, reply) => {
      const id = toId(request.params.id, 'id');
      const known = renderedPage(request);
      if (known) {
        await services.engagement.recordRead(null, id, known.authorId!, 'other');
        return sendPage(reply, known.bytes);
      }
      let entry;
      try {
        entry = await services.articles.detail(id);
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found' && (await services.articles.isDeleted(id)))
          throw new AppError('gone', 'Gone.');
        throw error;
      }
      const paid = entry.priceCents > 0;
      const cursor = request.query.c === undefined ? undefined : BigInt(request.query.c);
      const [cards, comments] = await Promise.all([
        services.articles.cards([id]),
        services.comments.list({
          type: 'a',
          source: id,
          limit: COMMENTS_PAGE,
          ...(cursor === undefined ? {} : { offset: cursor }),
        }),
        // A page view is a read, exactly as the app's A34 counts it.
        services.engagement.recordRead(null, id, entry.user_id, 'other'),
      ]);
      const card = cards[0];
      const content = paid ? services.payments.previewOf(entry.content) : entry.content;
      const hasMore = comments.lastId !== null && comments.lastId !== comments.endId;
      const canonical = `${origin}${articlePath(id)}`;
      const description = summary(content) || entry.title;
      const image = card?.cover.images[0];
      const meta: PageMeta = {
        title: entry.title,
        description,
        canonical,
        type: 'article',
        ...(image ? { image } : {}),
        ...(cursor === undefined ? {} : { noindex: true }),
        jsonLd: {
          '@context': 'https://schema.org',
          '@type': 'NewsArticle',
          headline: entry.title,
          description,
          datePublished: `${entry.pubdate}`,
          dateModified: new Date(entry.updated_at).toISOString(),
          author: { '@type': 'Person', name: entry.aut_name },
          mainEntityOfPage: canonical,
          ...(image ? { image: [image] } : {}),
          isAccessibleForFree: !paid,
        },
      };
      const body = articleBody(
        {
          entry,
          counts: card,
          content,
          paid: paid ? { yuan: (entry.priceCents / 100).toFixed(2) } : null,
          comments: {
            total: comments.totalCount,
            rows: comments.rows,
            next: hasMore ? `${articlePath(id)}?c=${comments.lastId}#comments` : null,
          },
          avatar: (stored) => present.avatar(stored),
        },
        (ms) => present.time.iso(ms),
      );
      return render(request, reply, { meta, current: entry.channel_id, body, authorId: entry.user_id });
    },
  );

  r.get(
    '/search',
    {
      config: PAGE_CONFIG,
      schema: {
        hide: true,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
      },
    },
    async (request, reply) => {
      const known = renderedPage(request);
      if (known) return sendPage(reply, known.bytes);
      const q = (request.query.q ?? '').trim();
      const page = request.query.page ?? 1;
      const result = q
        ? await services.search.search({ q, page, perPage: SEARCH_PAGE, userId: null })
        : { total_count: 0, results: [] };
      const next =
        page * SEARCH_PAGE < result.total_count ? `/search?q=${encodeURIComponent(q)}&page=${page + 1}` : null;
      const meta: PageMeta = {
        title: TEXT.searchHeading(q),
        description: TEXT.siteDescription,
        canonical: `${origin}/search`,
        noindex: true,
        searchQuery: q,
      };
      return render(request, reply, {
        meta,
        current: null,
        body: searchBody(q, result.total_count, result.results, next),
      });
    },
  );

  /** A user's public profile and published articles; unknown and disabled users are a 404. */
  async function profileOf(userId: bigint) {
    try {
      return (await services.users.profiles.publicProfile(userId, undefined)).user;
    } catch (error) {
      if (error instanceof AppError && error.statusCode === 400) throw new AppError('not_found', 'Not found.');
      throw error;
    }
  }

  r.get(
    '/users/:id',
    {
      config: PAGE_CONFIG,
      schema: {
        hide: true,
        params: IdParams,
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
    },
    async (request, reply) => {
      const known = renderedPage(request);
      if (known) return sendPage(reply, known.bytes);
      const userId = toId(request.params.id, 'id');
      const user = await profileOf(userId);
      const page = request.query.page ?? 1;
      const list = await services.engagement.userArticles(userId, { page, per_page: FEED_PAGE_SIZE });
      const cards = await services.articles.cards(list.rows.map((row) => row.id));
      const next = page * FEED_PAGE_SIZE < list.total ? `${userPath(userId)}?page=${page + 1}` : null;
      const meta: PageMeta = {
        title: user.name,
        description: user.intro || TEXT.profileDescription(user.name),
        canonical: `${origin}${userPath(userId)}`,
        type: 'profile',
        image: present.avatar(user.photo),
        feed: `${origin}${userPath(userId)}/feed.xml`,
        ...(page > 1 ? { noindex: true } : {}),
      };
      const profile = {
        name: user.name,
        photo: present.avatar(user.photo),
        intro: user.intro,
        counts: {
          articles: user.art_count,
          following: user.follow_count,
          fans: user.fans_count,
          likes: user.like_count,
        },
      };
      return render(request, reply, { meta, current: null, body: profileBody(profile, cards, next) });
    },
  );

  r.get(
    '/users/:id/feed.xml',
    { config: { auth: 'public', cache: { maxAge: 300 } }, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const userId = toId(request.params.id, 'id');
      const user = await profileOf(userId);
      const list = await services.engagement.userArticles(userId, { page: 1, per_page: 20 });
      const cards = await services.articles.cards(list.rows.map((row) => row.id));
      const channel = {
        title: TEXT.profileDescription(user.name),
        link: `${origin}${userPath(userId)}`,
        self: `${origin}${userPath(userId)}/feed.xml`,
        description: user.intro || TEXT.profileDescription(user.name),
      };
      return sendXml(reply, 'application/rss+xml', rss(origin, channel, cards));
    },
  );

  r.get('/robots.txt', { config: { auth: 'public', cache: { maxAge: 3600 } }, schema: { hide: true } }, (_q, reply) =>
    reply.type('text/plain; charset=utf-8').send(robotsTxt(origin)),
  );

  r.get(
    '/sitemap.xml',
    { config: { auth: 'public', cache: { maxAge: 3600 } }, schema: { hide: true } },
    async (_request, reply) => {
      const counts = await services.articles.visibleCountsByChannel();
      const files = counts.flatMap(({ channel_id, n }) =>
        Array.from({ length: Math.ceil(n / SITEMAP_PAGE) }, (_, page) => ({ channelId: channel_id, page: page + 1 })),
      );
      return sendXml(reply, 'application/xml', sitemapIndex(origin, files));
    },
  );

  r.get(
    '/sitemaps/:file',
    {
      config: { auth: 'public', cache: { maxAge: 3600 } },
      schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[0-9]{1,20}-[0-9]{1,6}\\.xml$' }) }) },
    },
    async (request, reply) => {
      const [channel, page] = request.params.file.replace('.xml', '').split('-');
      const rows = await services.articles.visibleIdsOfChannel(
        toId(channel!, 'file'),
        (Number(page) - 1) * SITEMAP_PAGE,
        SITEMAP_PAGE,
      );
      if (rows.length === 0) throw new AppError('not_found', 'Not found.');
      return sendXml(reply, 'application/xml', sitemapFile(origin, rows));
    },
  );

  r.get(
    '/feed.xml',
    { config: { auth: 'public', cache: { maxAge: 300 } }, schema: { hide: true } },
    async (_request, reply) => {
      const cards = await services.articles.newest(null, 20);
      const channel = {
        title: TEXT.siteName,
        link: `${origin}/`,
        self: `${origin}/feed.xml`,
        description: TEXT.siteDescription,
      };
      return sendXml(reply, 'application/rss+xml', rss(origin, channel, cards));
    },
  );

  r.get(
    '/channels/:id/feed.xml',
    { config: { auth: 'public', cache: { maxAge: 300 } }, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const channelId = toId(request.params.id, 'id');
      const found = await visibleChannel(channelId);
      if (!found) throw new AppError('not_found', 'Not found.');
      const cards = await services.articles.newest(channelId, 20);
      const channel = {
        title: TEXT.feedTitle(found.name),
        link: `${origin}/channels/${channelId}`,
        self: `${origin}/channels/${channelId}/feed.xml`,
        description: TEXT.feedTitle(found.name),
      };
      return sendXml(reply, 'application/rss+xml', rss(origin, channel, cards));
    },
  );
}
