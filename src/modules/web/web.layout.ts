/**
 * The shell every reader page shares: head (title, description, canonical URL, Open Graph,
 * Twitter card, JSON-LD, the feed link), the header with search and channel tabs, the footer.
 * The stylesheet is the only asset; no script is inline (the CSP forbids it).
 */
import { html, jsonForScript, type Html } from '../../platform/web/html.js';
import type { Text } from './web.text.js';

export interface ChannelTab {
  id: bigint;
  name: string;
}

export interface PageMeta {
  title: string;
  description: string;
  /** Absolute URL of this page's canonical address. */
  canonical: string;
  /** Open Graph type: `website` for lists, `article` for an article, `profile` for a user. */
  type?: 'website' | 'article' | 'profile';
  /** Absolute URL of the share image (an article's first cover). */
  image?: string;
  /** Structured data for search engines (schema.org), as JSON-LD. */
  jsonLd?: object;
  /** Absolute URL of the RSS feed that goes with this page. */
  feed?: string;
  /** Keep a page out of search engines (search results, errors). */
  noindex?: boolean;
  /** What the search box shows (the search page's own query). */
  searchQuery?: string;
  /** Further scripts this page needs (hashed asset paths), run before the site's own. */
  scripts?: readonly string[];
}

export interface Shell {
  /** Absolute origin of the site (PUBLIC_URL), for canonical and share URLs. */
  origin: string;
  /** `/assets/site.<hash>.css` */
  stylesheet: string;
  /** `/assets/icon.<hash>.svg` */
  icon: string;
  /** `/assets/site.<hash>.js`: enhancements only (every page works without it). */
  script: string;
  tabs: readonly ChannelTab[];
  /** The signed-in reader, or null (the page is then the same for everybody and may be cached). */
  reader: ShellReader | null;
}

export interface ShellReader {
  name: string;
  photo: string;
  /** The CSRF token for this page's forms and fetches. */
  csrf: string;
}

/** This page's local path (from its canonical URL), for links that come back to it. */
const path = (shell: Shell, meta: PageMeta) =>
  meta.canonical.startsWith(shell.origin) ? meta.canonical.slice(shell.origin.length) || '/' : '/';

/** A hidden field with the page's CSRF token: every form that writes has one. */
export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

/** Which tab is current: 0 for 推荐, a channel id, or none. */
export type CurrentTab = bigint | null;

/** The templates below in one language: `TEXT` is that language's table (web.text.ts). */
export function layoutIn(TEXT: Text) {
  /** The header's account corner: sign-in link, or the reader's name and a sign-out button. */
  function account(shell: Shell, meta: PageMeta): Html {
    const reader = shell.reader;
    if (!reader) {
      const here = path(shell, meta);
      const next = here === '/' || here.startsWith('/login') ? '' : `?next=${encodeURIComponent(here)}`;
      return html`<a class="account" href="/login${next}">${TEXT.signIn}</a>`;
    }
    return html`<div class="account">
      <a href="/me"><img src="${reader.photo}" alt="" width="28" height="28" /><span>${reader.name}</span></a>
      <form method="post" action="/logout">
        ${csrfField(reader.csrf)}<button type="submit" class="link">${TEXT.signOut}</button>
      </form>
    </div>`;
  }

  function tabs(shell: Shell, current: CurrentTab): Html {
    const tab = (href: string, name: string, active: boolean) =>
      html`<li><a href="${href}" ${active ? html`aria-current="page"` : ''}>${name}</a></li>`;
    return html`<nav aria-label="${TEXT.channels}">
      <ul class="tabs">
        ${tab('/', TEXT.recommend, current === 0n)}
        ${shell.tabs.map((c) => tab(`/channels/${c.id}`, c.name, current === c.id))}
      </ul>
    </nav>`;
  }

  function layout(shell: Shell, meta: PageMeta, current: CurrentTab, body: Html): Html {
    const title = meta.title === TEXT.siteName ? meta.title : `${meta.title} - ${TEXT.siteName}`;
    return html`<!doctype html>
      <html lang="${TEXT.lang}">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${title}</title>
          <meta name="description" content="${meta.description}" />
          <link rel="canonical" href="${meta.canonical}" />
          ${meta.noindex ? html`<meta name="robots" content="noindex" />` : ''}
          <meta property="og:site_name" content="${TEXT.siteName}" />
          <meta property="og:locale" content="${TEXT.ogLocale}" />
          <meta property="og:type" content="${meta.type ?? 'website'}" />
          <meta property="og:title" content="${meta.title}" />
          <meta property="og:description" content="${meta.description}" />
          <meta property="og:url" content="${meta.canonical}" />
          ${meta.image ? html`<meta property="og:image" content="${meta.image}" />` : ''}
          <meta name="twitter:card" content="${meta.image ? 'summary_large_image' : 'summary'}" />
          <meta name="twitter:title" content="${meta.title}" />
          <meta name="twitter:description" content="${meta.description}" />
          ${meta.image ? html`<meta name="twitter:image" content="${meta.image}" />` : ''}
          ${meta.feed ? html`<link rel="alternate" type="application/rss+xml" title="${TEXT.siteName}" href="${meta.feed}" />` : ''}
          <link rel="stylesheet" href="${shell.stylesheet}" />
          <link rel="icon" href="${shell.icon}" type="image/svg+xml" />
          ${(meta.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
          <script src="${shell.script}" defer></script>
          <meta name="theme-color" content="#c7161e" />
          ${shell.reader ? html`<meta name="csrf-token" content="${shell.reader.csrf}" />` : ''}
          ${
            meta.jsonLd
              ? html`<script type="application/ld+json">
                  ${jsonForScript(meta.jsonLd)}
                </script>`
              : ''
          }
        </head>
        <body>
          <a class="skip" href="#main">${TEXT.skipToContent}</a>
          <header class="site-header">
            <div class="bar">
              <a class="brand" href="/">${TEXT.siteName}</a>
              <form class="search" role="search" action="/search" method="get">
                <input
                  type="search"
                  name="q"
                  value="${meta.searchQuery ?? ''}"
                  aria-label="${TEXT.searchPlaceholder}"
                  placeholder="${TEXT.searchPlaceholder}"
                />
                <button type="submit">${TEXT.search}</button>
              </form>
              ${account(shell, meta)}
            </div>
            ${tabs(shell, current)}
          </header>
          <main id="main">${body}</main>
          <footer class="site-footer">
            <p>${TEXT.footer}</p>
            <p>
              <a
                href="/lang/${TEXT.otherLang}?next=${encodeURIComponent(path(shell, meta))}"
                lang="${TEXT.otherLang}"
                hreflang="${TEXT.otherLang}"
                rel="nofollow"
                >${TEXT.otherLanguage}</a
              >
            </p>
          </footer>
        </body>
      </html> `;
  }

  return { layout };
}
