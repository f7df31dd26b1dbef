/**
 * The reader site over HTTP (issue 14): pages rendered from the same services as the API, with
 * HTTP caching, escaping, share metadata, real pagination links, HTML error pages (404, 410, 400,
 * 500 with the request id) while the APIs keep their JSON errors, and the crawler files.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';

let t: TestApp;
const HTML = { accept: 'text/html,application/xhtml+xml' };

beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: 'https://news.example' });
});
afterAll(async () => {
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = HTML) => t.app.inject({ url, headers });
const hrefs = (body: string, prefix: string) =>
  [...body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => h.startsWith(prefix));
const meta = (body: string, property: string) =>
  new RegExp(`<meta (?:property|name)="${property}" content="([^"]*)"`).exec(body)?.[1];

async function channelWithArticles(count: number, title = (i: number) => `Story ${i}`) {
  const channel = await newChannel(t.platform, { is_default: 1 });
  const author = await newUser(t.platform);
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const row = await newArticle(t.platform, {
      user_id: author.id,
      channel_id: channel.id,
      title: title(i),
      published_at: Date.now() - (i + 1) * 60_000,
    });
    ids.push(row.id);
  }
  return { channel, author, ids };
}

describe(`reader site (db=${testDb}, redis=${testRedis})`, () => {
  it('serves the home page as HTML with a strict CSP, its hashed stylesheet immutable, and ETag/304', async () => {
    const { ids } = await channelWithArticles(2);
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.body).toContain('<html lang="zh-CN">');
    expect(res.body).toContain('<link rel="canonical" href="https://news.example/"');
    // The recommender's first page links to articles; the new channel is a tab.
    expect(hrefs(res.body, '/articles/').length).toBeGreaterThan(0);
    expect(res.body).toContain(`href="/articles/${ids[0]}"`);

    const [css] = hrefs(res.body, '/assets/site.');
    expect(css).toMatch(/^\/assets\/site\.[A-Za-z0-9_-]{12}\.css$/);
    const sheet = await get(css!, {});
    expect(sheet.statusCode).toBe(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const again = await get('/', { ...HTML, 'if-none-match': String(res.headers.etag) });
    expect(again.statusCode).toBe(304);
  });

  it('pages a channel with real links that work without JavaScript', async () => {
    const { channel, ids } = await channelWithArticles(12);
    const first = await get(`/channels/${channel.id}`);
    expect(first.statusCode, first.body.match(/<main[\s\S]*<\/main>/)?.[0]).toBe(200);
    expect(first.body).toContain(`<title>${channel.name} - Inkstone 墨石</title>`);
    expect(first.body).toMatch(new RegExp(`href="/channels/${channel.id}" aria-current="page"`));
    expect(first.body).not.toMatch(/href="\/" aria-current/);
    const onFirst = hrefs(first.body, '/articles/');
    expect(onFirst).toEqual(ids.slice(0, 10).map((id) => `/articles/${id}`));
    const [next] = hrefs(first.body, `/channels/${channel.id}?t=`);
    expect(next).toBeDefined();
    const second = await get(next!.replace(/&amp;/g, '&'));
    expect(second.statusCode).toBe(200);
    expect(hrefs(second.body, '/articles/')).toEqual(ids.slice(10).map((id) => `/articles/${id}`));
    expect(hrefs(second.body, `/channels/${channel.id}?t=`)).toEqual([]);
    // A later page is not a page search engines should index on its own.
    expect(meta(second.body, 'robots')).toBe('noindex');
    expect((await get('/channels/999999999999')).statusCode).toBe(404);
  });

  it('renders an article with share metadata, JSON-LD, related articles and comments, and counts the read', async () => {
    const { ids, author } = await channelWithArticles(3, (i) => `Kubernetes operators part ${i}`);
    const id = ids[0]!;
    await t.platform.db
      .updateTable('articles')
      .set({ cover_type: 1, cover_images: JSON.stringify(['https://img.example/cover.png']) })
      .where('id', '=', id)
      .execute();
    await t.services.articles.invalidateArticle(id);
    const reader = await newUser(t.platform);
    await t.services.comments.create({ userId: reader.id, target: id, content: 'Nice & clear <b>article</b>' });

    const res = await get(`/articles/${id}`);
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('<h1>Kubernetes operators part 0</h1>');
    expect(meta(body, 'og:type')).toBe('article');
    expect(meta(body, 'og:url')).toBe(`https://news.example/articles/${id}`);
    expect(meta(body, 'og:image')).toBe('https://img.example/cover.png');
    expect(meta(body, 'twitter:card')).toBe('summary_large_image');
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(body)![1]!);
    expect(ld).toMatchObject({
      '@type': 'NewsArticle',
      headline: 'Kubernetes operators part 0',
      author: { '@type': 'Person', name: author.name },
      isAccessibleForFree: true,
    });
    // Related articles of the same channel link onward; the comment is there, escaped.
    expect(hrefs(body, '/articles/')).toEqual(expect.arrayContaining([`/articles/${ids[1]}`, `/articles/${ids[2]}`]));
    expect(body).toContain('Nice &amp; clear &lt;b&gt;article&lt;/b&gt;');
    expect(body).toContain('评论（1）');

    // A second view within a second is served from the rendered page, and still counts as a read.
    const again = await get(`/articles/${id}`);
    expect(again.body).toBe(body);
    await t.services.engagement.flushReads();
    const reads = await t.platform.db
      .selectFrom('article_reads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('article_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(reads.n)).toBe(2);
  });

  it('escapes every piece of user text, in the body and in attributes', async () => {
    const evil = `<script>alert(1)</script>"' onmouseover="x`;
    const { ids } = await channelWithArticles(1, () => evil);
    const body = (await get(`/articles/${ids[0]}`)).body;
    expect(body).not.toContain('<script>alert(1)');
    expect(body).not.toContain('" onmouseover="x');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=&quot;x');
    // JSON-LD keeps the title as data that can never close its script element.
    expect(body).toContain('\\u003cscript>alert(1)\\u003c/script>');
  });

  it('shows a paid article’s preview only, with the price', async () => {
    const { ids } = await channelWithArticles(1);
    const id = ids[0]!;
    const paragraphs = Array.from({ length: 8 }, (_, i) => `<p>Paragraph ${i} of the paid story.</p>`).join('');
    await t.platform.db
      .updateTable('article_contents')
      .set({ content: paragraphs })
      .where('article_id', '=', id)
      .execute();
    await t.platform.db.updateTable('articles').set({ price_cents: 990 }).where('id', '=', id).execute();
    await t.services.articles.invalidateArticle(id);
    const body = (await get(`/articles/${id}`)).body;
    expect(body).toContain('¥9.90');
    expect(body).toContain('Paragraph 0 of the paid story.');
    expect(body).not.toContain('Paragraph 7 of the paid story.');
    expect(body).toContain('"isAccessibleForFree":false');
  });

  it('answers 410 for a deleted article, 404 for unknown ones and paths, 400 for a bad id: HTML pages', async () => {
    const { ids } = await channelWithArticles(1);
    await t.platform.db
      .updateTable('articles')
      .set({ status: ArticleStatus.deleted, deleted_at: Date.now() })
      .where('id', '=', ids[0]!)
      .execute();
    await t.services.articles.invalidateArticle(ids[0]!);
    const gone = await get(`/articles/${ids[0]}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(gone.headers['cache-control']).toBe('no-store');
    expect(gone.body).toContain('文章已删除');
    expect(meta(gone.body, 'robots')).toBe('noindex');

    const unknown = await get('/articles/123456789');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('页面不存在');

    const path = await get('/no/such/page');
    expect(path.statusCode).toBe(404);
    expect(path.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(path.body).toContain('页面不存在');

    const bad = await get('/articles/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toBe('text/html; charset=utf-8');

    // The APIs keep their JSON errors, whatever the client accepts; so does a client asking for JSON.
    const api = await get('/app/v1_0/no-such-route');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ message: 'Not found.', code: 'not_found' });
    const plain = await get('/no/such/page', { accept: 'application/json' });
    expect(plain.json()).toEqual({ message: 'Not found.', code: 'not_found' });
  });

  it('searches with highlighted results, paged by links, and escapes the query everywhere', async () => {
    const { ids } = await channelWithArticles(12, (i) => `Quokka field notes ${i}`);
    for (const id of ids) await t.services.search.indexArticle(id);
    const res = await get('/search?q=quokka');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<em>Quokka</em> field notes');
    expect(res.body).toContain('共 12 篇');
    expect(res.body).toContain('value="quokka"');
    expect(meta(res.body, 'robots')).toBe('noindex');
    expect(hrefs(res.body, '/articles/')).toHaveLength(10);
    const second = await get('/search?q=quokka&page=2');
    expect(hrefs(second.body, '/articles/')).toHaveLength(2);

    const evil = await get(`/search?q=${encodeURIComponent('<script>x</script>"')}`);
    expect(evil.statusCode).toBe(200);
    expect(evil.body).not.toContain('<script>x');
    expect(evil.body).toContain('&lt;script&gt;x&lt;/script&gt;&quot;');
  });

  it('shows a user’s profile with their articles and feed; unknown users are a 404', async () => {
    const { author, ids } = await channelWithArticles(3);
    const res = await get(`/users/${author.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<h1>${author.name}</h1>`);
    expect(meta(res.body, 'og:type')).toBe('profile');
    expect(hrefs(res.body, '/articles/')).toEqual(ids.map((id) => `/articles/${id}`));
    const feed = await get(`/users/${author.id}/feed.xml`, {});
    for (const id of ids) expect(feed.body).toContain(`<link>https://news.example/articles/${id}</link>`);
    // Articles link their author.
    expect((await get(`/articles/${ids[0]}`)).body).toContain(`href="/users/${author.id}"`);
    expect((await get('/users/987654321')).statusCode).toBe(404);
  });

  it('publishes robots.txt, a sitemap index with one file per channel, and RSS feeds', async () => {
    const { channel, ids } = await channelWithArticles(3);
    const robots = await get('/robots.txt', {});
    expect(robots.body).toContain('Sitemap: https://news.example/sitemap.xml');

    const index = await get('/sitemap.xml', {});
    expect(index.headers['content-type']).toBe('application/xml; charset=utf-8');
    const file = `https://news.example/sitemaps/${channel.id}-1.xml`;
    expect(index.body).toContain(`<loc>${file}</loc>`);
    const urls = await get(`/sitemaps/${channel.id}-1.xml`, {});
    expect(urls.statusCode).toBe(200);
    for (const id of ids) expect(urls.body).toContain(`<loc>https://news.example/articles/${id}</loc>`);
    expect((await get(`/sitemaps/${channel.id}-2.xml`, {})).statusCode).toBe(404);

    const feed = await get(`/channels/${channel.id}/feed.xml`, {});
    expect(feed.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(feed.body).toContain('<rss version="2.0"');
    for (const id of ids) expect(feed.body).toContain(`<link>https://news.example/articles/${id}</link>`);
    const site = await get('/feed.xml', {});
    expect(site.body).toContain(`<link>https://news.example/articles/${ids[0]}</link>`);
  });
});

describe(`reader site failures (db=${testDb}, redis=${testRedis})`, () => {
  it('masks a failure as a 500 page carrying the request id', async () => {
    const own = await buildTestApp();
    try {
      const channel = await newChannel(own.platform);
      const author = await newUser(own.platform);
      const article = await newArticle(own.platform, { user_id: author.id, channel_id: channel.id });
      // A real failure under the page: the comments table is gone.
      await own.platform.db.schema.dropTable('comments').execute();
      const res = await own.app.inject({
        url: `/articles/${article.id}`,
        headers: { ...HTML, 'x-request-id': 'page-500' },
      });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('<code>page-500</code>');
      expect(res.body).not.toMatch(/comments|SQL|stack/i);
    } finally {
      await own.close();
    }
  });

  it('sends shared pages and assets compressed (brotli or gzip, as accepted), each compressed once', async () => {
    const { channel } = await channelWithArticles(3);
    const url = `/channels/${channel.id}`;
    const plain = await get(url);
    const br = await get(url, { ...HTML, 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers.vary)).toBe('Cookie, Accept-Encoding, Authorization');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    const gzip = await get(url, { ...HTML, 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);
    // The same bytes again: the same ETag, so a revalidation is a 304.
    const again = await get(url, { ...HTML, 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
    expect(again.statusCode).toBe(304);

    const [css] = hrefs(plain.body, '/assets/site.');
    const asset = await get(css!, { 'accept-encoding': 'br' });
    expect(asset.headers['content-encoding']).toBe('br');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });
});
