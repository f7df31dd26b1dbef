/**
 * Reindex and recount from the console and the admin API: a background job whose progress lives
 * in the key-value store, one run of a kind at a time (409 naming the running one), admins only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel } from '../helpers/factories.js';
import { bearer } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';
import { mpAuthor } from '../helpers/mp-author.js';
import { signedInAs } from '../helpers/web-client.js';
import { account } from '../mp/helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

const staff = async (role: 'moderator' | 'admin') => (await signedInAs(t, role)).browser;

const letters = () =>
  Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

async function finished(token: string, id: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await t.app.inject({ url: `/admin/v1_0/operations/${id}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    const op = res.json().data;
    if (op.state !== 'running') return op;
    if (Date.now() > deadline) throw new Error(`operation ${id} still running: ${res.body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`console operations (db=${testDb}, redis=${testRedis})`, () => {
  it('reindexes in the background over the admin API; a second start while it runs is a 409', async () => {
    const admin = await account(t, 'app', { role: 'admin' });
    const channel = await newChannel(t.platform);
    const author = await mpAuthor(t);
    const word = letters();
    // Written past the index jobs (as a seed or an import would): only a reindex makes them searchable.
    const ids: bigint[] = [];
    for (let i = 0; i < 30; i++) {
      const article = await newArticle(t.platform, {
        user_id: author.id,
        channel_id: channel.id,
        title: `Notes on ${word} number ${i}`,
        published_at: Date.now(),
      });
      ids.push(article.id);
    }
    await t.platform.jobs.drain();

    const start = () =>
      t.app.inject({ method: 'POST', url: '/admin/v1_0/operations/reindex', headers: bearer(admin.token) });
    const [first, second] = await Promise.all([start(), start()]);
    const started = [first, second].find((res) => res.statusCode === 202)!;
    const refused = [first, second].find((res) => res.statusCode === 409)!;
    expect(started, `${first.statusCode} ${second.statusCode}`).toBeDefined();
    expect(refused, `${first.statusCode} ${second.statusCode}`).toBeDefined();
    const id = started.json().data.id as string;
    expect(started.json().data).toMatchObject({ kind: 'reindex', state: 'running' });
    expect(refused.json()).toMatchObject({ code: 'conflict', operation_id: id });

    const op = await finished(admin.token, id);
    expect(op).toMatchObject({ kind: 'reindex', state: 'done', error: null });
    expect(op.total).toBeGreaterThan(0);
    expect(op.done).toBe(op.total);
    expect(op.result.indexed).toBeGreaterThanOrEqual(30);
    expect(op.finishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const found = await t.app.inject({ url: `/app/v1_0/search?q=${word}` });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().data.total_count).toBe(ids.length);
    const hits = parseBody(found.body).data.results.map((r: { art_id: unknown }) => String(r.art_id));
    expect(hits.length).toBeGreaterThan(0);
    expect(ids.map(String)).toEqual(expect.arrayContaining(hits));

    // Free again once done; the audit log names who started it.
    const again = await start();
    expect(again.statusCode).toBe(202);
    await finished(admin.token, again.json().data.id);
    const audit = await t.platform.db
      .selectFrom('audit_log')
      .select(['action', 'target_id'])
      .where('target_id', '=', id)
      .executeTakeFirst();
    expect(audit).toMatchObject({ action: 'operation.reindex' });
  });

  it('is for admins: moderators get 403 from the API and the console', async () => {
    const moderator = await account(t, 'app', { role: 'moderator' });
    const api = await t.app.inject({
      method: 'POST',
      url: '/admin/v1_0/operations/recount',
      headers: bearer(moderator.token),
    });
    expect(api.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/admin/v1_0/operations/1', headers: bearer(moderator.token) })).statusCode).toBe(
      403,
    );
    const browser = await staff('moderator');
    expect((await browser.get('/admin/')).statusCode).toBe(200); // a page with a CSRF token: the 403 is the role's
    expect((await browser.get('/admin/operations')).statusCode).toBe(403);
    expect((await browser.post('/admin/operations/recount')).statusCode).toBe(403);
    const admin = await account(t, 'app', { role: 'admin' });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/admin/v1_0/operations/vacuum',
      headers: bearer(admin.token),
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('starts a recount from the console page and shows its progress', async () => {
    const browser = await staff('admin');
    const before = await browser.get('/admin/operations');
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('action="/admin/operations/reindex"');
    expect(before.body).toContain('action="/admin/operations/recount"');

    const posted = await browser.post('/admin/operations/recount');
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/admin/operations?done=started');
    const running = await browser.get('/admin/operations?done=started');
    const id =
      /data-operation="(\d+)"[^>]*>\s*<p>\s*<strong data-progress-state>[^<]*<\/strong>\s*<span data-progress-phase>[^<]*<\/span>\s*<span data-progress-text>/.exec(
        running.body.slice(running.body.indexOf('id="op-recount"')),
      )?.[1];
    expect(id, running.body).toBeDefined();
    await t.platform.jobs.drain();

    const json = await browser.get(`/admin/operations/${id}/progress`);
    expect(json.statusCode).toBe(200);
    expect(json.headers['cache-control']).toBe('no-store');
    const progress = JSON.parse(json.body);
    expect(progress).toMatchObject({ kind: 'recount', state: 'done', percent: 100 });
    expect(progress.done).toBe(progress.total);

    const done = await browser.get('/admin/operations');
    const section = done.body.slice(done.body.indexOf('id="op-recount"'));
    expect(section).toContain('<progress max="100" value="100">');
    expect(section).toMatch(/rows=\d+ fixed=\d+/);
    expect(done.body).toMatch(/<script src="\/assets\/site\.[^"]+\.js" defer><\/script>/);
  });

  it('answers busy while a run holds the lock, and reports a run whose worker died as failed', async () => {
    const admin = await account(t, 'app', { role: 'admin' });
    const browser = await staff('admin');
    await browser.get('/admin/operations');
    // What another instance's running recount looks like in the shared store.
    const started = await t.app.inject({
      method: 'POST',
      url: '/admin/v1_0/operations/recount',
      headers: bearer(admin.token),
    });
    const id = started.json().data.id as string;
    await finished(admin.token, id);
    await t.platform.kv.set(
      `ops:state:${id}`,
      JSON.stringify({ ...JSON.parse((await t.platform.kv.get(`ops:state:${id}`))!), state: 'running' }),
    );
    await t.platform.kv.set('ops:running:recount', id, { ttlMs: 60_000 });
    const busy = await browser.post('/admin/operations/recount');
    expect(busy.headers.location).toBe('/admin/operations?done=busy');
    const page = await browser.get('/admin/operations?done=busy');
    expect(page.body).toContain('同类操作正在运行');
    expect(page.body).toContain(`data-progress-url="/admin/operations/${id}/progress"`);

    // The lock lapses when the worker's heartbeat stops.
    await t.platform.kv.del('ops:running:recount');
    const lost = await t.app.inject({ url: `/admin/v1_0/operations/${id}`, headers: bearer(admin.token) });
    expect(lost.json().data).toMatchObject({ state: 'failed', error: 'the worker running it stopped' });
  });
});
