import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/platform/events/events.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import {
  account,
  artCount,
  bearer,
  img,
  reader,
  SITE,
  storedArticle,
  writer,
  type Account,
  type ArticleBody,
} from './helpers.js';

let t: TestApp;
let w: ReturnType<typeof writer>;
let r: ReturnType<typeof reader>;
let channel: bigint;
let otherChannel: bigint;
let hiddenChannel: bigint;
let author: Account;
let other: Account;
let appUser: Account;
const changes: DomainEvents['article.changed'][] = [];

const body = (values: Partial<ArticleBody> = {}): ArticleBody => ({
  title: 'A fine article title',
  content: '<p>Hello <strong>world</strong></p>',
  cover: { type: 0, images: [] },
  channel_id: String(channel),
  ...values,
});

const data = (res: { body: string }) => parseBody(res.body).data;
const eventsFor = (id: string) => changes.filter((e) => String(e.articleId) === id);

describe(`media-platform articles (M10–M15) (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    t.platform.events.subscribe('article.changed', (event) => void changes.push(event));
    w = writer(t);
    r = reader(t);
    channel = (await newChannel(t.platform)).id;
    otherChannel = (await newChannel(t.platform)).id;
    hiddenChannel = (await newChannel(t.platform, { is_visible: 0 })).id;
    author = await account(t, 'mp', { name: '作者甲' });
    other = await account(t, 'mp', { name: '作者乙' });
    appUser = await account(t, 'app');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('M10 lists the channels publicly, exactly as A31', async () => {
    const mp = await t.app.inject({ url: '/mp/v1_0/channels' });
    const app = await t.app.inject({ url: '/app/v1_0/channels' });
    expect(mp.statusCode).toBe(200);
    expect(parseBody(mp.body)).toEqual(parseBody(app.body));
    const ids = data(mp).channels.map((c: { id: unknown }) => String(c.id));
    expect(ids).toContain(String(channel));
    expect(ids).not.toContain(String(hiddenChannel));
  });

  it('needs a verified (MP) token on every article endpoint: none is 401, an app token 403', async () => {
    const { id } = await w.create(author, body(), true);
    const calls = [
      { method: 'GET', url: '/mp/v1_0/articles' },
      { method: 'POST', url: '/mp/v1_0/articles', payload: body() },
      { method: 'GET', url: `/mp/v1_0/articles/${id}` },
      { method: 'PUT', url: `/mp/v1_0/articles/${id}`, payload: body() },
      { method: 'DELETE', url: `/mp/v1_0/articles/${id}` },
    ] as const;
    for (const call of calls) {
      const anonymous = await t.app.inject({ ...call });
      expect(anonymous.statusCode, `${call.method} ${call.url}`).toBe(401);
      const app = await t.app.inject({ ...call, headers: bearer(appUser.token) });
      expect(app.statusCode, `${call.method} ${call.url}`).toBe(403);
      expect(app.json()).toEqual({ message: 'User must be real info verified.', code: 'verification_required' });
    }
    expect((await storedArticle(t, id)).status).toBe(ArticleStatus.draft);
  });

  it('M12 draft=true stores a draft (0) that M13 returns as written; ids are exact 64-bit content ids', async () => {
    const before = await artCount(t, author.id);
    const res = await w.post(author, body({ title: '  Draft   number one  ', price: 990, id: 'ignored' }), true);
    expect(res.statusCode).toBe(201);
    const { id, status } = data(res);
    expect(status).toBe(ArticleStatus.draft);
    expect(String(id)).toMatch(/^\d{16,19}$/);
    const got = await w.get(author, String(id));
    expect(got.statusCode).toBe(200);
    expect(data(got)).toEqual({
      id: String(id),
      title: 'Draft number one',
      channel_id: Number(channel),
      content: '<p>Hello <strong>world</strong></p>',
      cover: { type: 0, images: [] },
      status: 0,
      price: 990,
      reject_reason: null,
    });
    expect(await artCount(t, author.id)).toBe(before);
    await t.platform.events.settle();
    expect(eventsFor(String(id))).toMatchObject([{ visible: false }]);
    expect((await r.detail(String(id))).statusCode).toBe(404);
  });

  it('M12 without draft submits for review; the auto policy approves a clean article at once', async () => {
    const before = await artCount(t, author.id);
    const { id, status } = await w.create(author, body({ title: 'Approved right away' }));
    expect(status).toBe(ArticleStatus.approved);
    const stored = await storedArticle(t, id);
    expect(stored.published_at).not.toBeNull();
    expect(stored.review_flags).toBeNull();
    expect(stored.price_cents).toBe(0);
    expect(await artCount(t, author.id)).toBe(before + 1);
    const decisions = await t.platform.db
      .selectFrom('moderation_decisions')
      .selectAll()
      .where('article_id', '=', BigInt(id))
      .execute();
    expect(decisions).toMatchObject([{ moderator_id: null, decision: 'approve', from_status: 1, to_status: 2 }]);
    await t.platform.events.settle();
    expect(eventsFor(id)).toMatchObject([{ visible: true }]);
    expect((await r.detail(id)).statusCode).toBe(200);
    expect(await r.feedIds(channel)).toContain(id);
  });

  it('the auto policy leaves an article with a sensitive word pending, flagged, and out of the app', async () => {
    const before = await artCount(t, author.id);
    const { id, status } = await w.create(
      author,
      body({ title: 'Contains 敏感词 here', content: '<p>and an ONLINE CASINO</p>' }),
    );
    expect(status).toBe(ArticleStatus.pending);
    const stored = await storedArticle(t, id);
    expect(JSON.parse(stored.review_flags!)).toEqual(['敏感词', 'online casino']);
    expect(stored.published_at).toBeNull();
    expect(await artCount(t, author.id)).toBe(before);
    expect((await r.detail(id)).statusCode).toBe(404);
  });

  describe('bad input answers 400 naming the field', () => {
    const cases: [string, Partial<ArticleBody> | ((b: ArticleBody) => ArticleBody), string][] = [
      ['a 4-character title', { title: 'abcd' }, 'title'],
      ['a title of only spaces around 4 characters', { title: '   abcd   ' }, 'title'],
      ['a 31-character title', { title: 'x'.repeat(31) }, 'title'],
      ['a 31-character Chinese title', { title: '长'.repeat(31) }, 'title'],
      ['a title with HTML', { title: '<b>bold</b> title' }, 'title'],
      ['a missing title', (b) => ({ ...b, title: undefined }), 'title'],
      ['empty content <p></p>', { content: '<p></p>' }, 'content'],
      ['whitespace-only content', { content: '   \n  ' }, 'content'],
      ['content of only tags', { content: '<p><br></p><div> &nbsp; </div>' }, 'content'],
      ['content that is only a script', { content: '<script>alert(1)</script>' }, 'content'],
      ['an empty content string', { content: '' }, 'content'],
      ['cover type 1 without an image', { cover: { type: 1, images: [] } }, 'cover'],
      ['cover type 3 with two images', { cover: { type: 3, images: [img('a'), img('b')] } }, 'cover'],
      ['cover type 0 with an image', { cover: { type: 0, images: [img('a')] } }, 'cover'],
      ['cover type 2', { cover: { type: 2, images: [img('a'), img('b')] } }, 'cover'],
      ['a cover image from another site', { cover: { type: 1, images: ['https://evil.example/x.jpg'] } }, 'cover'],
      ['a javascript: cover image', { cover: { type: 1, images: ['javascript:alert(1)'] } }, 'cover'],
      ['an unknown channel', { channel_id: '987654321012' }, 'channel_id'],
      ['a hidden channel', () => body({ channel_id: String(hiddenChannel) }), 'channel_id'],
      ['channel 0', { channel_id: 0 }, 'channel_id'],
      ['a non-numeric channel', { channel_id: 'abc' }, 'channel_id'],
      ['a negative price', { price: -1 }, 'price'],
      ['a fractional price', { price: 1.5 }, 'price'],
    ];
    for (const [what, change, field] of cases) {
      it(what, async () => {
        const payload = typeof change === 'function' ? change(body()) : body(change);
        for (const res of [await w.post(author, payload), await w.post(author, payload, true)]) {
          expect(res.statusCode, res.body).toBe(400);
          const message = res.json().message;
          expect(typeof message === 'object' ? Object.keys(message)[0]!.split('.')[0] : message).toBe(field);
        }
      });
    }

    it('a draft flag that is not a boolean', async () => {
      const res = await w.post(author, body(), 'maybe');
      expect(res.statusCode).toBe(400);
      expect(Object.keys(res.json().message)).toEqual(['draft']);
    });

    it('accepts 5 and 30 characters (after trimming), Chinese included', async () => {
      for (const title of ['abcde', '  五个汉字啊  ', 'y'.repeat(30), '三'.repeat(30)]) {
        const res = await w.post(author, body({ title }), true);
        expect(res.statusCode, title).toBe(201);
      }
    });
  });

  describe('covers', () => {
    const imgs = (...names: string[]) => names.map((n) => `<p><img src="${img(n)}"></p>`).join('');

    it('type -1 picks 0, 1 or 3 images from the content (images from other sites never count)', async () => {
      const foreign = '<img src="https://evil.example/x.jpg">';
      const cases: [string, number, string[]][] = [
        [`<p>no images</p>${foreign}`, 0, []],
        [imgs('a') + foreign, 1, ['a']],
        [foreign + imgs('a', 'b'), 1, ['a']],
        [imgs('a', 'b', 'c'), 3, ['a', 'b', 'c']],
        [imgs('a', 'b', 'c', 'd'), 3, ['a', 'b', 'c']],
      ];
      for (const [content, type, names] of cases) {
        const { id } = await w.create(author, body({ content, cover: { type: -1, images: [] } }), true);
        expect(data(await w.get(author, id)).cover, content).toEqual({ type, images: names.map(img) });
      }
    });

    it('an absent cover is automatic too', async () => {
      const { id } = await w.create(
        author,
        { title: 'No cover field', content: imgs('z'), channel_id: Number(channel) },
        true,
      );
      expect(data(await w.get(author, id)).cover).toEqual({ type: 1, images: [img('z')] });
    });

    it('stores our own images as storage keys and returns absolute URLs', async () => {
      const { id } = await w.create(
        author,
        body({ cover: { type: 3, images: [img('x'), img('y'), `${SITE}/elsewhere/z.png`] } }),
        true,
      );
      expect(JSON.parse((await storedArticle(t, id)).cover_images)).toEqual([
        'covers/x.jpg',
        'covers/y.jpg',
        `${SITE}/elsewhere/z.png`,
      ]);
      expect(data(await w.get(author, id)).cover).toEqual({
        type: 3,
        images: [img('x'), img('y'), `${SITE}/elsewhere/z.png`],
      });
    });
  });

  it('never lets scripts or event handlers out of any endpoint (M13, M11, A34, the feed)', async () => {
    const payload =
      '<p onclick="alert(1)">Intro</p><script>alert(1)</script><img src=x onerror=alert(1)>' +
      `<img src="${img('ok')}" onerror="alert(1)"><a href="javascript:alert(1)">link</a><a href="java&#x09;script:alert(1)">t</a>` +
      '<iframe src="https://evil.example"></iframe><math><mi xlink:href="javascript:alert(1)">m</mi></math>' +
      '<style>body{}</style><a href="https://example.com" onmouseover="alert(1)">ok</a>' +
      // An unclosed <svg> swallows the rest of the document, as it would in a browser: dropped whole.
      '<svg/onload=alert(1)><p>inside the svg</p>';
    const { id, status } = await w.create(
      author,
      body({ title: 'Is 1 < 2 > 0? Safe', content: payload, cover: { type: -1 } }),
    );
    expect(status).toBe(ArticleStatus.approved);
    const bad = /<script|onerror|onclick|onload|onmouseover|javascript:|<iframe|<svg|<math|<style/i;
    const m13 = await w.get(author, id);
    expect(data(m13).content).toBe(
      `<p>Intro</p><img src="${img('ok')}" /><a rel="noopener noreferrer nofollow">link</a><a rel="noopener noreferrer nofollow">t</a>` +
        '<a rel="noopener noreferrer nofollow" href="https://example.com/">ok</a>',
    );
    expect(data(m13).title).toBe('Is 1 < 2 > 0? Safe');
    const a34 = await r.detail(id);
    expect(a34.statusCode).toBe(200);
    expect(data(a34).content).toBe(data(m13).content);
    for (const res of [
      m13,
      a34,
      await w.list(author, 'per_page=50'),
      await t.app.inject({ url: `/app/v1_1/articles?channel_id=${channel}&timestamp=${Date.now() + 1000}&with_top=0` }),
    ]) {
      expect(res.body).not.toMatch(bad);
    }
  });

  describe('M14 edit', () => {
    it('replaces the article; draft=true keeps a draft, draft=false submits it', async () => {
      const { id } = await w.create(author, body({ title: 'Before the edit', price: 100 }), true);
      const edited = await w.put(
        author,
        id,
        body({ title: 'After the edit!', content: '<h2>New</h2>', channel_id: Number(otherChannel), id }),
        true,
      );
      expect(edited.statusCode).toBe(201);
      expect(data(edited)).toEqual({ id, status: 0 });
      expect(data(await w.get(author, id))).toMatchObject({
        title: 'After the edit!',
        content: '<h2>New</h2>',
        channel_id: Number(otherChannel),
        price: 100,
      });
      const submitted = await w.put(author, id, body({ title: 'After the edit!', price: 0 }));
      expect(data(submitted).status).toBe(ArticleStatus.approved);
      expect((await storedArticle(t, id)).price_cents).toBe(0);
    });

    it('takes an approved article out of the app until it is approved again, keeping its first publish time', async () => {
      const { id } = await w.create(author, body({ title: 'Published then edited' }));
      const first = (await storedArticle(t, id)).published_at;
      const count = await artCount(t, author.id);
      expect((await w.put(author, id, body({ title: 'Published then edited' }), true)).statusCode).toBe(201);
      expect(await artCount(t, author.id)).toBe(count - 1);
      await t.platform.events.settle();
      expect((await r.detail(id)).statusCode).toBe(404);
      expect(await r.feedIds(channel)).not.toContain(id);

      expect(data(await w.put(author, id, body({ title: 'Published, edited, back' }))).status).toBe(
        ArticleStatus.approved,
      );
      expect(await artCount(t, author.id)).toBe(count);
      expect((await storedArticle(t, id)).published_at).toBe(first);
      await t.platform.events.settle();
      expect(data(await r.detail(id)).title).toBe('Published, edited, back');
      expect(eventsFor(id).map((e) => e.visible)).toEqual([true, false, true]);
    });

    it('validates like M12', async () => {
      const { id } = await w.create(author, body(), true);
      const res = await w.put(author, id, body({ cover: { type: 3, images: [img('a')] } }));
      expect(res.statusCode).toBe(400);
      expect(Object.keys(res.json().message)).toEqual(['cover']);
      expect((await w.put(author, id, body({ title: 'abc' }))).statusCode).toBe(400);
    });
  });

  describe('M15 delete', () => {
    it('soft-deletes a draft: status 4 and deleted_at; then it is gone from M13 and a second delete is 400', async () => {
      const { id } = await w.create(author, body(), true);
      const res = await w.remove(author, id);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const stored = await storedArticle(t, id);
      expect(stored.status).toBe(ArticleStatus.deleted);
      expect(stored.deleted_at).not.toBeNull();
      expect((await w.get(author, id)).statusCode).toBe(404);
      const again = await w.remove(author, id);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
      expect((await w.put(author, id, body())).statusCode).toBe(400);
    });

    it('deletes an approved article too (decision: authors may withdraw), which leaves the app and art_count', async () => {
      const { id } = await w.create(author, body({ title: 'Soon withdrawn' }));
      const count = await artCount(t, author.id);
      expect((await w.remove(author, id)).statusCode).toBe(204);
      expect(await artCount(t, author.id)).toBe(count - 1);
      await t.platform.events.settle();
      expect(eventsFor(id).at(-1)).toMatchObject({ visible: false });
      expect((await r.detail(id)).statusCode).toBe(404);
      expect(await r.feedIds(channel)).not.toContain(id);
    });

    it('404/400 for unknown ids', async () => {
      expect((await w.get(author, '123456789')).statusCode).toBe(404);
      expect((await w.remove(author, '123456789')).statusCode).toBe(400);
      expect((await w.put(author, '123456789', body())).statusCode).toBe(400);
    });
  });

  describe('another author’s articles', () => {
    it('cannot be read (404), edited or deleted (400 "Invalid article."), whatever their status', async () => {
      for (const draft of [true, false]) {
        const { id } = await w.create(other, body({ title: 'Someone else’s work' }), draft);
        const got = await w.get(author, id);
        expect(got.statusCode).toBe(404);
        expect(got.json()).toEqual({ message: 'The article does not exist.', code: 'not_found' });
        const put = await w.put(author, id, body({ title: 'Hijacked title' }));
        expect(put.statusCode).toBe(400);
        expect(put.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
        const del = await w.remove(author, id);
        expect(del.statusCode).toBe(400);
        expect(del.json()).toEqual({ message: 'Invalid article.', code: 'bad_request' });
        const stored = await storedArticle(t, id);
        expect(stored.title).toBe('Someone else’s work');
        expect(stored.deleted_at).toBeNull();
      }
    });

    it('never show up in the lists', async () => {
      const { id } = await w.create(other, body({ title: 'Only mine: zebra' }));
      for (const query of [
        'per_page=100',
        'status=0&status=1&status=2&status=3&status=4&per_page=100',
        'response_type=comment&per_page=100',
        'response_type=statistic&per_page=100',
      ]) {
        const ids = data(await w.list(author, query)).results.map((a: { id: unknown }) => String(a.id));
        expect(ids, query).not.toContain(id);
      }
      expect(data(await w.list(other, 'per_page=100')).results.map((a: { id: unknown }) => String(a.id))).toContain(id);
    });
  });

  describe('M11 list', () => {
    let lister: Account;
    const ids = {} as Record<'draft' | 'pending' | 'approved' | 'other' | 'rejected' | 'deleted', string>;

    beforeAll(async () => {
      lister = await account(t, 'mp');
      ids.draft = (await w.create(lister, body({ title: 'List: a draft' }), true)).id;
      ids.pending = (await w.create(lister, body({ title: 'List: 敏感词 pending' }))).id;
      ids.approved = (
        await w.create(
          lister,
          body({ title: 'List: approved one', content: `<p><img src="${img('c')}"></p>`, cover: { type: -1 } }),
        )
      ).id;
      ids.other = (await w.create(lister, body({ title: 'List: other channel', channel_id: String(otherChannel) }))).id;
      ids.rejected = (await w.create(lister, body({ title: 'List: rejected' }), true)).id;
      await t.platform.db
        .updateTable('articles')
        .set({ status: ArticleStatus.rejected })
        .where('id', '=', BigInt(ids.rejected))
        .execute();
      ids.deleted = (await w.create(lister, body({ title: 'List: deleted' }), true)).id;
      expect((await w.remove(lister, ids.deleted)).statusCode).toBe(204);
    });

    const list = async (query = '') => {
      const res = await w.list(lister, query);
      expect(res.statusCode, res.body).toBe(200);
      return data(res) as { total_count: number; page: number; per_page: number; results: Record<string, any>[] };
    };
    const idsOf = (page: { results: Record<string, any>[] }) => page.results.map((a) => String(a.id));

    it('lists everything but deleted articles by default, newest first, in the content shape', async () => {
      const page = await list();
      expect(idsOf(page)).toEqual([ids.rejected, ids.other, ids.approved, ids.pending, ids.draft]);
      expect(page.total_count).toBe(5);
      expect(page.page).toBe(1);
      expect(page.per_page).toBe(10);
      const approved = page.results.find((a) => String(a.id) === ids.approved)!;
      expect(Object.keys(approved).sort()).toEqual(['cover', 'id', 'pubdate', 'reject_reason', 'status', 'title']);
      expect(approved.status).toBe(2);
      expect(approved.cover).toEqual({ type: 1, images: [img('c')] });
      expect(approved.pubdate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(approved.pubdate).toBe(t.platform.time.plain((await storedArticle(t, ids.approved)).created_at));
    });

    it('filters by repeated status (4 lists deleted articles) and repeated channel_id', async () => {
      expect(idsOf(await list('status=0&status=3'))).toEqual([ids.rejected, ids.draft]);
      expect(idsOf(await list('status=1'))).toEqual([ids.pending]);
      const deleted = await list('status=4');
      expect(idsOf(deleted)).toEqual([ids.deleted]);
      expect(deleted.results[0]!.status).toBe(4);
      expect(idsOf(await list(`channel_id=${otherChannel}`))).toEqual([ids.other]);
      expect((await list(`channel_id=${otherChannel}&channel_id=${channel}`)).total_count).toBe(5);
      expect(idsOf(await list(`status=2&channel_id=${channel}`))).toEqual([ids.approved]);
    });

    it('rejects statuses outside 0–4 and malformed filters, naming the field', async () => {
      for (const [query, field] of [
        ['status=5', 'status'],
        ['status=-1', 'status'],
        ['status=abc', 'status'],
        ['channel_id=abc', 'channel_id'],
        ['response_type=comments', 'response_type'],
      ]) {
        const res = await w.list(lister, query!);
        expect(res.statusCode, query).toBe(400);
        expect(Object.keys(res.json().message)[0]!.split('.')[0], query).toBe(field);
      }
    });

    it('clamps per_page to 10–100 and computes total_count from the same filter as results', async () => {
      expect((await list('per_page=100')).per_page).toBe(100);
      expect((await list('per_page=1000')).per_page).toBe(100);
      expect((await list('per_page=3')).per_page).toBe(10);
      const past = await list('page=9');
      expect(past.results).toEqual([]);
      expect(past.total_count).toBe(5);
      for (const query of [
        '',
        'status=2',
        'response_type=comment',
        'response_type=statistic',
        'status=0&response_type=comment',
      ]) {
        const page = await list(`${query}&per_page=100`);
        expect(page.total_count, query).toBe(page.results.length);
      }
    });

    it('filters by an inclusive day range in the configured time zone', async () => {
      const dated = await account(t, 'mp');
      // Asia/Shanghai is UTC+8: 2024-03-10 runs from 2024-03-09T16:00Z to 2024-03-10T16:00Z.
      const at = {
        beforeStart: Date.parse('2024-03-09T15:59:59.999Z'),
        start: Date.parse('2024-03-09T16:00:00.000Z'),
        lastSecond: Date.parse('2024-03-10T15:59:59.999Z'),
        nextDay: Date.parse('2024-03-10T16:00:00.000Z'),
      };
      const made: Record<string, string> = {};
      for (const [name, ms] of Object.entries(at)) {
        made[name] = (await w.create(dated, body({ title: `Dated ${name}` }), true)).id;
        await t.platform.db
          .updateTable('articles')
          .set({ created_at: ms })
          .where('id', '=', BigInt(made[name]!))
          .execute();
      }
      const q = async (query: string) => idsOf(data(await w.list(dated, query))).sort();
      expect(await q('begin_pubdate=2024-03-10&end_pubdate=2024-03-10')).toEqual([made.start, made.lastSecond].sort());
      expect(await q('begin_pubdate=2024-03-11')).toEqual([made.nextDay]);
      expect(await q('end_pubdate=2024-03-09')).toEqual([made.beforeStart]);
      expect(await q('begin_pubdate=2024-03-09&end_pubdate=2024-03-11')).toHaveLength(4);
      expect(data(await w.list(dated, 'begin_pubdate=2024-03-10&end_pubdate=2024-03-10')).results[0].pubdate).toBe(
        '2024-03-10 23:59:59',
      );

      for (const [query, field] of [
        ['begin_pubdate=2024-02-30', 'begin_pubdate'],
        ['begin_pubdate=yesterday', 'begin_pubdate'],
        ['end_pubdate=2024-3-1', 'end_pubdate'],
        ['begin_pubdate=2024-03-11&end_pubdate=2024-03-10', 'end_pubdate'],
      ]) {
        const res = await w.list(dated, query!);
        expect(res.statusCode, query).toBe(400);
        expect(Object.keys(res.json().message), query).toEqual([field]);
      }
    });

    it('response_type=comment lists approved articles with comment counts, fans’ included', async () => {
      const fan = await account(t, 'app');
      const stranger = await account(t, 'app');
      await t.platform.db
        .insertInto('follows')
        .values({ user_id: fan.id, target_user_id: lister.id, created_at: Date.now() })
        .execute();
      for (const who of [fan, fan, stranger]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/app/v1_0/comments',
          headers: bearer(who.token),
          payload: { target: ids.approved, content: 'nice', art_id: null },
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      const page = await list('response_type=comment');
      expect(idsOf(page)).toEqual([ids.other, ids.approved]);
      expect(page.results.find((a) => String(a.id) === ids.approved)).toEqual({
        id: ids.approved,
        title: 'List: approved one',
        comment_status: true,
        total_comment_count: 3,
        fans_comment_count: 2,
      });
      const closed = await t.app.inject({
        method: 'PUT',
        url: `/mp/v1_0/comments/status?article_id=${ids.approved}`,
        headers: bearer(lister.token),
        payload: { allow_comment: false },
      });
      expect(closed.statusCode).toBe(201);
      expect(
        (await list('response_type=comment')).results.find((a) => String(a.id) === ids.approved)!.comment_status,
      ).toBe(false);
    });

    it('response_type=statistic lists approved articles with their counters', async () => {
      await t.services.counters.add([{ entity: 'article', id: BigInt(ids.other), field: 'read_count', by: 7 }]);
      const page = await list('response_type=statistic');
      expect(idsOf(page)).toEqual([ids.other, ids.approved]);
      expect(page.results[0]).toEqual({
        id: ids.other,
        title: 'List: other channel',
        comment_count: 0,
        read_count: 7,
        like_count: 0,
        repost_count: 0,
        collect_count: 0,
      });
    });
  });

  it('keeps art_count equal to the approved, not deleted articles through a whole life cycle', async () => {
    const life = await account(t, 'mp');
    const a = (await w.create(life, body())).id;
    const b = (await w.create(life, body())).id;
    await w.create(life, body(), true);
    expect(await artCount(t, life.id)).toBe(2);
    await w.put(life, a, body(), true);
    expect(await artCount(t, life.id)).toBe(1);
    await w.put(life, a, body());
    expect(await artCount(t, life.id)).toBe(2);
    await w.remove(life, b);
    expect(await artCount(t, life.id)).toBe(1);
    const truth = await t.platform.db
      .selectFrom('articles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', life.id)
      .where('status', '=', ArticleStatus.approved)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(truth.n)).toBe(1);
  });

  it('walks draft → pending (sensitive word) → approved by a moderator → the app feed and detail → comments closed', async () => {
    const moderator = await account(t, 'app', { role: 'moderator' });
    const reader1 = await account(t, 'app');
    const { id } = await w.create(author, body({ title: 'The full walk', content: '<p>Step one</p>' }), true);
    expect((await storedArticle(t, id)).status).toBe(ArticleStatus.draft);
    expect(
      data(await w.put(author, id, body({ title: 'The full walk', content: '<p>Now with 违禁词</p>' }))).status,
    ).toBe(ArticleStatus.pending);
    expect(await r.feedIds(channel)).not.toContain(id);

    const decided = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/articles/${id}/decisions`,
      headers: bearer(moderator.token),
      payload: { decision: 'approve' },
    });
    expect(decided.statusCode, decided.body).toBe(201);
    await t.platform.events.settle();
    expect(await r.feedIds(channel)).toContain(id);
    const detail = await r.detail(id);
    expect(detail.statusCode).toBe(200);
    expect(data(detail)).toMatchObject({
      title: 'The full walk',
      content: '<p>Now with 违禁词</p>',
      aut_id: Number(author.id),
    });

    const comment = (content: string) =>
      t.app.inject({
        method: 'POST',
        url: '/app/v1_0/comments',
        headers: bearer(reader1.token),
        payload: { target: id, content, art_id: null },
      });
    expect((await comment('first!')).statusCode).toBe(201);
    const closed = await t.app.inject({
      method: 'PUT',
      url: `/mp/v1_0/comments/status?article_id=${id}`,
      headers: bearer(author.token),
      payload: { allow_comment: false },
    });
    expect(closed.statusCode).toBe(201);
    expect((await comment('too late')).statusCode).toBe(403);
  });

  it('accepts the seed articles (small ids) in the author’s list', async () => {
    const seeded = await account(t, 'mp');
    const row = await newArticle(t.platform, {
      user_id: seeded.id,
      channel_id: channel,
      cover_type: 1,
      cover_images: ['covers/seed.jpg'],
    });
    const page = data(await w.list(seeded));
    expect(page.results).toEqual([
      {
        id: String(row.id),
        title: row.title,
        status: 2,
        cover: { type: 1, images: [img('seed')] },
        pubdate: expect.any(String),
        reject_reason: null,
      },
    ]);
  });
});
