/**
 * How a reader page leaves: the shell around its body (assets, channel tabs, the reader's corner),
 * security headers, and caching. An anonymous page is the same for everybody: it is kept by URL
 * for a second and declared fresh for a minute (`public, max-age=60`, set by the route's config).
 * A signed-in reader's page is theirs alone: `private, no-cache`, never kept.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NearCache } from '../../platform/cache/near-cache.js';
import { Html } from '../../platform/web/html.js';
import type { AppContext } from '../module.js';
import { csrfToken } from './web.session.js';
import { loadAssets, pageAssets } from './web.assets.js';
import { sharedBody } from './web.compress.js';
import type { CurrentTab, PageMeta, Shell, ShellReader } from './web.layout.js';
import { langOf, viewsOf } from './web.views.js';

/**
 * No inline script or style, no outside origin: assets come from this site; images may come from
 * wherever the article's (sanitized) HTML or the storage points. `connect-src 'self'` lets the
 * script fetch and open the notification socket here only.
 */
export const SITE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https: http:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Anonymous pages rendered once are served as the same bytes (and ETag, hashed once) this long. */
const RENDERED_PAGES = {
  max: 500,
  ttlMs: 1_000,
  maxBytes: 8 << 20,
  sizeOf: (page: { bytes: Buffer }) => page.bytes.length,
} as const;

/** Sends a page: a Buffer is shared (a kept page) and goes compressed; an Html is this request's own. */
export function sendPage(reply: FastifyReply, page: Html | Buffer): FastifyReply {
  reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', SITE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'strict-origin-when-cross-origin')
    .header('vary', 'Cookie');
  return reply.send(page instanceof Html ? page.value : sharedBody(reply, page));
}

export interface PageParts {
  meta: PageMeta;
  current: CurrentTab;
  body: Html;
  /** An article page's author: its read is counted again when the kept page is served. */
  authorId?: bigint;
}

export function createSiteRenderer({ services, platform, present }: AppContext) {
  const origin = platform.config.publicUrl.replace(/\/+$/, '');
  const assets = loadAssets();
  const files = pageAssets();
  const rendered = new NearCache<string, { bytes: Buffer; authorId?: bigint }>(RENDERED_PAGES);
  // The same URL in another language is another page.
  const keyOf = (request: FastifyRequest) => `${langOf(request)} ${request.url}`;

  const visibleChannel = async (id: bigint) => (await services.channels.listVisible()).find((c) => c.id === id);

  async function readerOf(request: FastifyRequest, reply: FastifyReply): Promise<ShellReader | null> {
    if (!request.reader) return null;
    const me = await services.users.profiles.me(request.reader.id);
    return { name: me.name, photo: present.avatar(me.photo), csrf: csrfToken(reply) };
  }

  /** The reader's channels (or the defaults) as tabs, plus the page's own channel when it is not one of them. */
  async function shell(request: FastifyRequest, reply: FastifyReply, current: CurrentTab = null): Promise<Shell> {
    const own = await services.channels.forUser(request.reader?.id);
    let tabs = own;
    if (current !== null && current !== 0n && !own.some((c) => c.id === current)) {
      const extra = await visibleChannel(current);
      if (extra) tabs = [...own, extra];
    }
    return { origin, ...files, tabs, reader: await readerOf(request, reply) };
  }

  return {
    origin,
    assets,
    files,
    visibleChannel,
    shell,

    /** An anonymous visitor's page kept from a moment ago for this URL (never for a signed-in reader). */
    kept(request: FastifyRequest): { bytes: Buffer; authorId?: bigint } | undefined {
      return request.reader ? undefined : rendered.peek(keyOf(request))?.value;
    },

    /** Renders the page in its shell and sends it; an anonymous page is kept for the next visitor. */
    async page(request: FastifyRequest, reply: FastifyReply, parts: PageParts): Promise<FastifyReply> {
      const shellParts = await shell(request, reply, parts.current);
      const markup = viewsOf(langOf(request)).layout(shellParts, parts.meta, parts.current, parts.body);
      if (request.reader) return sendPage(reply.header('cache-control', 'private, no-cache'), markup);
      const bytes = Buffer.from(markup.value);
      rendered.set(keyOf(request), { bytes, ...(parts.authorId === undefined ? {} : { authorId: parts.authorId }) });
      return sendPage(reply, bytes);
    },

    /** A page that is never cached anywhere (forms, the reader's own lists). */
    async privatePage(request: FastifyRequest, reply: FastifyReply, parts: PageParts): Promise<FastifyReply> {
      const shellParts = await shell(request, reply, parts.current);
      return sendPage(
        reply.header('cache-control', 'no-store'),
        viewsOf(langOf(request)).layout(shellParts, parts.meta, parts.current, parts.body),
      );
    },
  };
}

export type SiteRenderer = ReturnType<typeof createSiteRenderer>;
