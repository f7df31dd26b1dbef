/**
 * What the open platform's pages share with the reader's other own pages (web.account.ts): the
 * signed-in reader or a trip to the sign-in page, and the /me shell with its menu, never cached.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Html } from '../../platform/web/html.js';
import type { MeSection } from '../web/web.account.pages.js';
import type { SiteRenderer } from '../web/web.render.js';
import { viewsFor } from '../web/web.views.js';

export const PAGE_CONFIG = { auth: 'public', page: true } as const;
export const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
/** `?saved=1` and the like: a notice on the page a form came back to. */
export const Flag = Type.Optional(Type.String({ maxLength: 10 }));
/** Client ids: the provider's (nanoid) and ours (base64url), both URL-safe. */
export const ClientIdParams = Type.Object({ clientId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

/** A form post about one client (revoke, rotate, delete): a page route behind the CSRF check. */
export function clientFormPost(app: FastifyInstance) {
  return {
    config: PAGE_CONFIG,
    preHandler: app.csrfProtection,
    schema: { hide: true, params: ClientIdParams, body: Type.Object({ _csrf: Csrf }) },
  };
}

/** The reader on a page of their own; a signed-out visitor is sent to sign in and brought back. */
export function readerOf(request: FastifyRequest, reply: FastifyReply): bigint | null {
  if (request.reader) return request.reader.id;
  void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
  return null;
}

/** A page in the reader's own section (the /me menu), never cached. */
export function mePage(
  site: SiteRenderer,
  request: FastifyRequest,
  reply: FastifyReply,
  section: MeSection,
  title: string,
  body: Html,
): Promise<FastifyReply> {
  const v = viewsFor(request);
  return site.privatePage(request, reply, {
    meta: { title, description: v.TEXT.meTitle, canonical: `${site.origin}${request.url}`, noindex: true },
    current: null,
    body: v.meLayout(section, body),
  });
}
