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
import { htmlToText } from '../../platform/search/index.js';
import type { AppContext } from '../module.js';
import { FEED_PAGE_SIZE } from '../articles/article.service.js';
import { accountRoutes } from './web.account.js';
import { actionRoutes } from './web.actions.js';
import { robotsTxt, rss, SITEMAP_PAGE, sitemapFile, sitemapIndex } from './web.feeds.js';
import type { PageMeta, Shell } from './web.layout.js';
import { articlePath, userPath } from './web.pages.js';
import { sharedBody } from './web.compress.js';
import { createSiteRenderer, sendPage, type SiteRenderer } from './web.render.js';
import { csrfToken, registerWebSession } from './web.session.js';
import { ZH } from './web.text.js';
import { viewsFor, type Views } from './web.views.js';

const PAGE_CONFIG = { auth: 'public', page: true, cache: { maxAge: 60 } } as const;
const COMMENTS_PAGE = 20;
const SEARCH_PAGE = 10;

const Cursor = Type.Optional(Type.String({ pattern: '^[0-9]{1,20}$', maxLength: 20 }));
const IdParams = Type.Object({ id: Type.String({ maxLength: 24 }) });

function sendXml(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply.type(`${type}; charset=utf-8`).header('x-content-type-options', 'nosniff').send(body);
}

/** Plain text of an article's HTML for a description (the search snippets' own conversion), cut short. */
function summary(htmlText: string, max = 120): string {
  const text = htmlToText(htmlText).trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export async function webRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const site = createSiteRenderer(ctx);
  const { origin, files } = site;

  function problemPage(v: Views, problem: Problem, reply: FastifyReply): { title: string; text: string } {
    if (problem.code === 'rate_limited')
      return { title: v.TEXT.otherErrorTitle, text: v.TEXT.tooFast(Number(reply.getHeader('retry-after') ?? 60)) };
    if (problem.code === 'not_found' || problem.code === 'method_not_allowed')
      return { title: v.TEXT.notFoundTitle, text: v.TEXT.notFoundBody };
    if (problem.code === 'gone') return { title: v.TEXT.goneTitle, text: v.TEXT.goneBody };
    if (problem.requestId) return { title: v.TEXT.errorTitle, text: v.TEXT.errorBody };
    // A field's problem reads as "field：reason", one per line, like the API's message names them.
    const message =
      typeof problem.message === 'string'
        ? problem.message
        : Object.entries(problem.message as Record<string, unknown>)
            .map(([field, reason]) => `${field}：${String(reason)}`)
            .join('\n');
    return { title: v.TEXT.otherErrorTitle, text: message };
  }

  setErrorPage(app, async (request, reply, problem) => {
    const v = viewsFor(request);
    const { title, text } = problemPage(v, problem, reply);
    const meta: PageMeta = { title, description: text, canonical: `${origin}${request.url}`, noindex: true };
    // An error page is never cached by anyone: the next try may succeed.
    reply.header('cache-control', 'no-store');
    let tabs: Shell['tabs'] = [];
    try {
      tabs = await ctx.services.channels.forUser(undefined);
    } catch {
      // The error may be the database itself: the page still renders, without tabs.
    }
    return sendPage(
      reply,
      v.layout({ origin, ...files, tabs, reader: null }, meta, null, v.errorBody(title, text, problem.requestId)),
    );
  });

  for (const asset of site.assets.values()) {
    app.get(asset.path, { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(sharedBody(reply, asset.body)),
    );
  }
  // Pages without our <link rel="icon"> (the payment cashier, the API docs) make browsers ask here.
  const icon = site.assets.get('icon.svg')!;
  app.get(
    '/favicon.ico',
    { config: { auth: 'public', cache: { maxAge: 86_400 } }, schema: { hide: true } },
    (_q, reply) => reply.type(icon.type).send(icon.body),
  );
  feedRoutes(app, ctx, site);

  // Pages and forms: their own scope, the only one where cookies, form bodies and CSRF exist.
  await app.register(async (scope) => {
    await registerWebSession(scope, ctx);
    readingRoutes(scope, ctx, site);
    accountRoutes(scope, ctx, site);
    actionRoutes(scope, ctx, site);
  });
}

function readingRoutes(app: FastifyInstance, { services, present }: AppContext, site: SiteRenderer): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { origin, visibleChannel } = site;

  /** A feed page (home: channel 0, the recommender; a channel: its timeline), with a link onward. */
  async function feedPage(request: FastifyRequest, channelId: bigint, cursor: string | undefined) {
    const timestamp = cursor === undefined ? Date.now() : Number(cursor);
    const page = await services.feed.page(request.reader ? { userId: request.reader.id } : {}, {
      channelId,
      timestamp,
      withTop: true,
    });
    const base = channelId === 0n ? '/' : `/channels/${channelId}`;
    const next = page.cards.length >= FEED_PAGE_SIZE ? `${base}?t=${page.preTimestamp}` : null;
    return { page, base, next };
  }

  r.get(
    '/',
    { config: PAGE_CONFIG, schema: { hide: true, querystring: Type.Object({ t: Cursor }) } },
    async (request, reply) => {
      const v = viewsFor(request);
      const known = site.kept(request);
      if (known) return sendPage(reply, known.bytes);
      const { page, next } = await feedPage(request, 0n, request.query.t);
      const meta: PageMeta = {
        title: v.TEXT.siteName,
        description: v.TEXT.siteDescription,
        canonical: `${origin}/`,
        feed: `${origin}/feed.xml`,
        ...(request.query.t ? { noindex: true } : {}),
      };
      return site.page(request, reply, { meta, current: 0n, body: v.feedBody(v.TEXT.recommend, page.cards, next) });
    },
  );

  r.get(
    '/channels/:id',
    { config: PAGE_CONFIG, schema: { hide: true, params: IdParams, querystring: Type.Object({ t: Cursor }) } },
    async (request, reply) => {
      const v = viewsFor(request);
      const known = site.kept(request);
      if (known) return sendPage(reply, known.bytes);
      const channelId = toId(request.params.id, 'id');
      const channel = await visibleChannel(channelId);
      if (!channel) throw new AppError('not_found', 'Not found.');
      const { page, next } = await feedPage(request, channelId, request.query.t);
      const meta: PageMeta = {
        title: channel.name,
        description: v.TEXT.feedTitle(channel.name),
        canonical: `${origin}/channels/${channelId}`,
        feed: `${origin}/channels/${channelId}/feed.xml`,
        ...(request.query.t ? { noindex: true } : {}),
      };
      return site.page(request, reply, { meta, current: channelId, body: v.feedBody(channel.name, page.cards, next) });
    },
  );

  r.get(
    '/articles/:id',
    { config: PAGE_CONFIG, schema: { hide: true, params: IdParams, querystring: Type.Object({ c: Cursor }) } },
    async (request, reply) => {
      const v = viewsFor(request);
      const id = toId(request.params.id, 'id');
      const known = site.kept(request);
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
      const readerId = request.reader?.id ?? null;
      const ref = { id, user_id: entry.user_id, channel_id: entry.channel_id };
      const [cards, comments, flags, access] = await Promise.all([
        services.articles.cards([id]),
        services.comments.list({
          type: 'a',
          source: id,
          limit: COMMENTS_PAGE,
          ...(cursor === undefined ? {} : { offset: cursor }),
          ...(readerId === null ? {} : { viewerId: readerId }),
        }),
        readerId === null ? null : services.engagement.viewerFlags(readerId, ref),
        services.payments.contentAccess(readerId, { id, authorId: entry.user_id, priceCents: entry.priceCents }),
        // A page view is a read, exactly as the app's A34 counts it (and a signed-in reader's history).
        services.engagement.recordRead(readerId, id, entry.user_id, 'other'),
        readerId === null ? null : services.articles.viewed(readerId, ref),
      ]);
      const card = cards[0];
      const content = access.full ? entry.content : services.payments.previewOf(entry.content);
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
      const reader =
        flags === null
          ? null
          : {
              csrf: csrfToken(reply),
              liked: flags.attitude === 1,
              collected: flags.isCollected,
              following: flags.isFollowed,
              own: readerId === entry.user_id,
            };
      const body = v.articleBody(
        {
          entry,
          reader,
          access,
          payments: services.payments.provider !== null,
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
      return site.page(request, reply, { meta, current: entry.channel_id, body, authorId: entry.user_id });
    },
  );

  r.get(
    '/articles/:id/comments/:comment',
    {
      config: PAGE_CONFIG,
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 24 }), comment: Type.String({ maxLength: 24 }) }),
        querystring: Type.Object({ c: Cursor }),
      },
    },
    async (request, reply) => {
      const v = viewsFor(request);
      const known = site.kept(request);
      if (known) return sendPage(reply, known.bytes);
      const articleId = toId(request.params.id, 'id');
      const commentId = toId(request.params.comment, 'comment');
      const readerId = request.reader?.id;
      const cursor = request.query.c === undefined ? undefined : BigInt(request.query.c);
      const [parent, replies] = await Promise.all([
        services.comments.topLevel(commentId, readerId),
        services.comments.list({
          type: 'c',
          source: commentId,
          limit: COMMENTS_PAGE,
          ...(cursor === undefined ? {} : { offset: cursor }),
          ...(readerId === undefined ? {} : { viewerId: readerId }),
        }),
      ]);
      if (!parent || !replies.article || replies.article.id !== articleId)
        throw new AppError('not_found', 'Not found.');
      const here = `${articlePath(articleId)}/comments/${commentId}`;
      const hasMore = replies.lastId !== null && replies.lastId !== replies.endId;
      const title = `${v.TEXT.repliesHeading} · ${replies.article.title}`;
      return site.page(request, reply, {
        meta: { title, description: parent.content.slice(0, 120), canonical: `${origin}${here}`, noindex: true },
        current: null,
        body: v.repliesBody(
          {
            article: { id: articleId, title: replies.article.title },
            parent,
            replies: { rows: replies.rows, next: hasMore ? `${here}?c=${replies.lastId}` : null },
            csrf: request.reader ? csrfToken(reply) : null,
            avatar: (stored) => present.avatar(stored),
          },
          (ms) => present.time.iso(ms),
        ),
      });
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
      const v = viewsFor(request);
      const known = site.kept(request);
      if (known) return sendPage(reply, known.bytes);
      const q = (request.query.q ?? '').trim();
      const page = request.query.page ?? 1;
      const readerId = request.reader?.id ?? null;
      // A signed-in reader's searches go into their history (A04), shown when the box is empty.
      const result = q
        ? await services.search.search({ q, page, perPage: SEARCH_PAGE, userId: readerId })
        : { total_count: 0, results: [] };
      const history =
        readerId !== null && !q
          ? { words: await services.search.history.list(readerId), csrf: csrfToken(reply) }
          : null;
      const next =
        page * SEARCH_PAGE < result.total_count ? `/search?q=${encodeURIComponent(q)}&page=${page + 1}` : null;
      const meta: PageMeta = {
        title: v.TEXT.searchHeading(q),
        description: v.TEXT.siteDescription,
        canonical: `${origin}/search`,
        noindex: true,
        searchQuery: q,
      };
      return site.page(request, reply, {
        meta,
        current: null,
        body: v.searchBody(q, result.total_count, result.results, next, history),
      });
    },
  );

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
      const v = viewsFor(request);
      const known = site.kept(request);
      if (known) return sendPage(reply, known.bytes);
      const userId = toId(request.params.id, 'id');
      const user = await profileOf(services, userId);
      const page = request.query.page ?? 1;
      const list = await services.engagement.userArticles(userId, { page, per_page: FEED_PAGE_SIZE });
      const cards = await services.articles.cards(list.rows.map((row) => row.id));
      const next = page * FEED_PAGE_SIZE < list.total ? `${userPath(userId)}?page=${page + 1}` : null;
      const meta: PageMeta = {
        title: user.name,
        description: user.intro || v.TEXT.profileDescription(user.name),
        canonical: `${origin}${userPath(userId)}`,
        type: 'profile',
        image: present.avatar(user.photo),
        feed: `${origin}${userPath(userId)}/feed.xml`,
        ...(page > 1 ? { noindex: true } : {}),
      };
      const readerId = request.reader?.id;
      const profile = {
        id: userId,
        reader:
          readerId === undefined
            ? null
            : {
                csrf: csrfToken(reply),
                following: readerId !== userId && (await services.relations.isFollowing(readerId, userId)),
                own: readerId === userId,
              },
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
      return site.page(request, reply, { meta, current: null, body: v.profileBody(profile, cards, next) });
    },
  );
}

/** Robots, sitemaps and RSS: the same for everybody, no cookie involved. */
function feedRoutes(app: FastifyInstance, { services }: AppContext, site: SiteRenderer): void {
  // Feeds and sitemaps are read by machines: they speak the site's first language.
  const TEXT = ZH;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { origin, visibleChannel } = site;

  r.get(
    '/users/:id/feed.xml',
    { config: { auth: 'public', cache: { maxAge: 300 } }, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const userId = toId(request.params.id, 'id');
      const user = await profileOf(services, userId);
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

/** A user's public profile; unknown and disabled users are a 404. */
async function profileOf(services: AppContext['services'], userId: bigint) {
  try {
    return (await services.users.profiles.publicProfile(userId, undefined)).user;
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 400) throw new AppError('not_found', 'Not found.');
    throw error;
  }
}
