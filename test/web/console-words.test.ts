/**
 * The sensitive-word list from the console and the admin API: a word added is flagged in the next
 * MP submission (held for review), a word removed no longer is, and a change made elsewhere (the
 * table and the version key, as another instance writes them) reaches this instance's matcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newChannel } from '../helpers/factories.js';
import { signedInAs } from '../helpers/web-client.js';
import { account, bearer, storedArticle, writer, type Account } from '../mp/helpers.js';

let t: TestApp;
let channel: bigint;
let author: Account;

beforeAll(async () => {
  t = await buildTestApp();
  channel = (await newChannel(t.platform)).id;
  author = await account(t, 'mp');
});
afterAll(async () => {
  await t?.close();
});

const letters = () =>
  Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

async function submit(text: string) {
  const created = await writer(t).create(author, {
    title: `A note ${letters()}`,
    content: `<p>Some words: ${text}.</p>`,
    channel_id: String(channel),
  });
  return { ...created, flags: JSON.parse((await storedArticle(t, created.id)).review_flags ?? '[]') as string[] };
}

const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', token: string, words?: string[]) =>
  t.app.inject({
    method,
    url: '/admin/v1_0/sensitive-words',
    headers: bearer(token),
    ...(words ? { payload: { words } } : {}),
  });

const staff = async (role: 'moderator' | 'admin') => (await signedInAs(t, role)).browser;

describe(`sensitive words (db=${testDb}, redis=${testRedis})`, () => {
  it('flags a submission with a word added over the admin API, and stops once it is removed', async () => {
    const admin = await account(t, 'app', { role: 'admin' });
    const word = `zz${letters()}`;
    expect((await submit(word)).status).toBe(ArticleStatus.approved);

    const added = await api('POST', admin.token, [`  ${word.toUpperCase()} `, word]);
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json().data).toMatchObject({ added: [word], removed: [] });
    const held = await submit(`x ${word} y`);
    expect(held.status).toBe(ArticleStatus.pending);
    expect(held.flags).toEqual([word]);

    const list = await api('GET', admin.token);
    expect(list.statusCode).toBe(200);
    expect(list.json().data.total_count).toBeGreaterThan(10); // the shipped seed and ours
    const listed = await t.app.inject({
      url: `/admin/v1_0/sensitive-words?per_page=500`,
      headers: bearer(admin.token),
    });
    const row = listed.json().data.results.find((r: { word: string }) => r.word === word);
    expect(row).toMatchObject({ added_by: String(admin.id) });
    expect(listed.json().data.results.find((r: { word: string }) => r.word === '违禁词')).toMatchObject({
      added_by: null,
    });

    const removed = await api('DELETE', admin.token, [word]);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().data).toMatchObject({ added: [], removed: [word] });
    expect((await submit(word)).status).toBe(ArticleStatus.approved);

    const audit = await t.platform.db
      .selectFrom('audit_log')
      .select(['action', 'after_json', 'before_json'])
      .where('target_type', '=', 'sensitive_words')
      .where('actor_id', '=', admin.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['sensitive_words.add', 'sensitive_words.remove']);
    expect(audit[0]!.after_json).toContain(word);

    const long = await api('POST', admin.token, ['x'.repeat(65)]);
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('words');
  });

  it('adds in bulk and removes from the console page; moderators get 403', async () => {
    const moderator = await staff('moderator');
    expect((await moderator.get('/admin/')).statusCode).toBe(200); // a page with a CSRF token: the 403 is the role's
    expect((await moderator.get('/admin/sensitive-words')).statusCode).toBe(403);
    expect((await moderator.post('/admin/sensitive-words', { words: 'abc' })).statusCode).toBe(403);
    const modApi = await account(t, 'app', { role: 'moderator' });
    expect((await api('GET', modApi.token)).statusCode).toBe(403);
    expect((await api('POST', modApi.token, ['abc'])).statusCode).toBe(403);

    const admin = await staff('admin');
    expect((await admin.get('/admin/sensitive-words')).statusCode).toBe(200);
    const one = `yy${letters()}`;
    const two = `yy${letters()}`;
    const posted = await admin.post('/admin/sensitive-words', { words: `${one}\n\n${two}，${one}` });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/admin/sensitive-words?done=add&n=2');
    const held = await submit(`${two} and more`);
    expect(held.status).toBe(ArticleStatus.pending);
    expect(held.flags).toEqual([two]);

    const page = await admin.get('/admin/sensitive-words?done=add&n=2');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('已添加 2 个词。');
    expect(page.body).toContain('<textarea id="words-add" name="words"');
    // Word order: ours (yy…) come after the seed's Latin words and before the Chinese ones.
    let listing = page.body;
    for (let n = 2; !listing.includes(`<td data-word>${two}</td>`) && n < 10; n++)
      listing += (await admin.get(`/admin/sensitive-words?page=${n}`)).body;
    expect(listing).toContain(`<td data-word>${two}</td>`);

    const gone = await admin.post('/admin/sensitive-words/remove', { word: two });
    expect(gone.headers.location).toBe('/admin/sensitive-words?done=remove&n=1');
    expect((await submit(two)).status).toBe(ArticleStatus.approved);
    expect((await submit(one)).status).toBe(ArticleStatus.pending);
  });

  it('reloads when another instance changed the list (table and version key)', async () => {
    const word = `ww${letters()}`;
    await t.platform.db.insertInto('sensitive_words').values({ word, added_by: null, added_at: Date.now() }).execute();
    await t.platform.kv.incr('review:sensitive-words:version');
    const deadline = Date.now() + 8_000;
    while (!t.services.review.words.filter.test(word) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await submit(word)).flags).toEqual([word]);
  }, 15_000);

  it('replaces the whole list with PUT', async () => {
    const admin = await account(t, 'app', { role: 'admin' });
    const word = `vv${letters()}`;
    const put = await api('PUT', admin.token, [word, '违禁词']);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().data.size).toBe(2);
    expect(put.json().data.added).toEqual([word]);
    expect((await submit('代开发票')).status).toBe(ArticleStatus.approved);
    expect((await submit(`违禁词 ${word}`)).flags).toEqual(['违禁词', word]);
  });
});
