/**
 * What search engines and feed readers fetch: robots.txt, the sitemap index with one file per
 * channel and page (50,000 URLs each, the protocol's limit: a million articles is a few dozen
 * files), and RSS 2.0 feeds of the newest articles.
 */
import { escapeHtml as escapeXml } from '../../platform/web/html.js';
import type { CardEntry } from '../articles/article.presenter.js';

/** URLs per sitemap file (the sitemaps.org limit). */
export const SITEMAP_PAGE = 50_000;

export function robotsTxt(origin: string): string {
  // Searches, the reader's own pages, sign-in and the language switch are nobody's to index.
  const unlisted = ['/search', '/me', '/login', '/lang/', '/payments/'];
  return `User-agent: *\nAllow: /\n${unlisted.map((p) => `Disallow: ${p}\n`).join('')}\nSitemap: ${origin}/sitemap.xml\n`;
}

export function sitemapIndex(origin: string, files: { channelId: bigint; page: number }[]): string {
  const entries = files
    .map((f) => `<sitemap><loc>${escapeXml(`${origin}/sitemaps/${f.channelId}-${f.page}.xml`)}</loc></sitemap>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries}\n</sitemapindex>\n`;
}

export function sitemapFile(origin: string, rows: { id: bigint; updated_at: number }[]): string {
  const entries = rows
    .map(
      (row) =>
        `<url><loc>${escapeXml(`${origin}/articles/${row.id}`)}</loc><lastmod>${new Date(row.updated_at).toISOString()}</lastmod></url>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries}\n</urlset>\n`;
}

export interface RssChannel {
  title: string;
  /** Absolute URL of the page the feed follows. */
  link: string;
  /** Absolute URL of the feed itself. */
  self: string;
  description: string;
}

export function rss(origin: string, channel: RssChannel, cards: readonly CardEntry[]): string {
  const items = cards
    .map((card) => {
      const link = `${origin}/articles/${card.id}`;
      return [
        '<item>',
        `<title>${escapeXml(card.title)}</title>`,
        `<link>${escapeXml(link)}</link>`,
        `<guid isPermaLink="true">${escapeXml(link)}</guid>`,
        `<dc:creator>${escapeXml(card.aut_name)}</dc:creator>`,
        `<pubDate>${new Date(card.published_at).toUTCString()}</pubDate>`,
        '</item>',
      ].join('');
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>${escapeXml(channel.title)}</title>
<link>${escapeXml(channel.link)}</link>
<description>${escapeXml(channel.description)}</description>
<language>zh-CN</language>
<atom:link href="${escapeXml(channel.self)}" rel="self" type="application/rss+xml"/>
${items}
</channel>
</rss>
`;
}
