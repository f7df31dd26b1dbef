/**
 * Crawls the reader site over the demo data the way a search engine would: from `/`, every internal
 * link of every page answers 2xx or 3xx (or the 404/410 a deleted target deserves: none here);
 * every URL of the sitemaps answers 200; every feed is well-formed RSS whose links answer too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/modules/demo/demo-seed.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';

const ORIGIN = 'https://crawl.example';
/** Pages fetched at the most: the demo has ~10 channels × 4 articles here, with users and pages. */
const MAX_PAGES = 400;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: ORIGIN });
  await seedDemoData(t.platform, { articlesPerChannel: 4, search: t.services.search });
});
afterAll(async () => {
  await t?.close();
});

const get = (url: string) => t.app.inject({ url, headers: { accept: 'text/html' } });
const unescape = (href: string) => href.replace(/&amp;/g, '&');

/** The internal links of a page: hrefs on this site, without fragments; outside links are not followed. */
function links(body: string): string[] {
  return [...body.matchAll(/href="([^"]+)"/g)]
    .map((m) => unescape(m[1]!))
    .map((href) => (href.startsWith(ORIGIN) ? href.slice(ORIGIN.length) : href))
    .filter((href) => href.startsWith('/') && !href.startsWith('//'))
    .map((href) => href.split('#')[0]!);
}

/** Well-formed enough for a feed reader: one channel, balanced items, each with a title, link and guid. */
function checkRss(xml: string): string[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(xml).toMatch(/<rss version="2\.0"[^>]*>\s*<channel>[\s\S]*<\/channel>\s*<\/rss>\s*$/);
  const items = [...xml.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => m[1]!);
  expect(items.length).toBeGreaterThan(0);
  expect(xml.split('<item>').length - 1).toBe(items.length);
  for (const item of items) {
    expect(item).toMatch(/<title>[^<]+<\/title>/);
    expect(item).toMatch(/<guid isPermaLink="true">[^<]+<\/guid>/);
    expect(item).toMatch(/<pubDate>[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT<\/pubDate>/);
    // No raw markup characters inside text: every & is an entity.
    expect(item).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
  }
  return items.map((item) => /<link>([^<]+)<\/link>/.exec(item)![1]!.replace(ORIGIN, ''));
}

describe(`crawling the reader site (db=${testDb}, redis=${testRedis})`, () => {
  it('reaches every page from / and every internal link answers 2xx or 3xx', async () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    const broken: string[] = [];
    let fetched = 0;
    while (queue.length > 0 && fetched < MAX_PAGES) {
      const url = queue.shift()!;
      const res = await get(url);
      fetched++;
      if (res.statusCode >= 400) {
        broken.push(`${res.statusCode} ${url}`);
        continue;
      }
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      for (const link of links(res.body)) {
        if (seen.has(link)) continue;
        seen.add(link);
        queue.push(link);
      }
    }
    expect(broken).toEqual([]);
    // Articles, channels, users, pages of more, the stylesheet and icon, and the feed were all reached.
    const kinds = new Set([...seen].map((url) => url.split(/[/?]/)[1]));
    for (const kind of ['articles', 'channels', 'users', 'assets', 'feed.xml']) expect(kinds).toContain(kind);
    expect(fetched).toBeGreaterThan(30);
  });

  it('lists in its sitemaps only URLs that answer 200', async () => {
    const index = (await get('/sitemap.xml')).body;
    const files = [...index.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!.replace(ORIGIN, ''));
    expect(files.length).toBeGreaterThan(0);
    let urls = 0;
    for (const file of files) {
      const sitemap = await get(file);
      expect(sitemap.statusCode, file).toBe(200);
      for (const [, loc] of sitemap.body.matchAll(/<loc>([^<]+)<\/loc>/g)) {
        const res = await get(loc!.replace(ORIGIN, ''));
        expect(res.statusCode, loc).toBe(200);
        urls++;
      }
    }
    const visible = await t.services.articles.visibleCountsByChannel();
    expect(urls).toBe(visible.reduce((sum, c) => sum + c.n, 0));
  });

  it('publishes well-formed RSS whose links answer', async () => {
    const [channel] = await t.services.channels.listVisible();
    const [author] = (await t.services.articles.newest(null, 1)).map((card) => card.user_id);
    for (const feed of ['/feed.xml', `/channels/${channel!.id}/feed.xml`, `/users/${author}/feed.xml`]) {
      const res = await get(feed);
      expect(res.statusCode, feed).toBe(200);
      for (const link of checkRss(res.body)) expect((await get(link)).statusCode, link).toBe(200);
    }
  });
});
