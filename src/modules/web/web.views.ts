/**
 * The site's templates in each of its languages, and which one a request reads. zh-CN unless the
 * reader chose English (the footer's language link sets the `inkstone_lang` cookie); a page is
 * kept, cached and tagged per language.
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { accountPagesIn } from './web.account.pages.js';
import { layoutIn } from './web.layout.js';
import { pagesIn } from './web.pages.js';
import { EN, ZH, type Text } from './web.text.js';

export const LANG_COOKIE = 'inkstone_lang';
export type Lang = 'zh-CN' | 'en';

function viewsIn(TEXT: Text) {
  return { TEXT, ...layoutIn(TEXT), ...pagesIn(TEXT), ...accountPagesIn(TEXT) };
}

export type Views = ReturnType<typeof viewsIn>;

const VIEWS: Record<Lang, Views> = { 'zh-CN': viewsIn(ZH), en: viewsIn(EN) };

/** The language a request reads: the cookie's, when it names one of ours. */
export function langOf(request: FastifyRequest): Lang {
  // Site routes have parsed cookies; others (errors of unknown paths, the payment result) read the header.
  const cookies = (request as { cookies?: Record<string, string | undefined> }).cookies;
  const header = request.headers.cookie;
  const value =
    cookies?.[LANG_COOKIE] ?? (header?.includes(LANG_COOKIE) ? fastifyCookie.parse(header)[LANG_COOKIE] : undefined);
  return value === 'en' ? 'en' : 'zh-CN';
}

export const viewsFor = (request: FastifyRequest): Views => VIEWS[langOf(request)];
export const viewsOf = (lang: Lang): Views => VIEWS[lang];
