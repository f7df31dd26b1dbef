/**
 * The console's channels section and the admin API behind it, on every dialect: admins only (a
 * moderator gets 403 from the page and the API), create, rename, reorder, hide or show, set or
 * unset as a default; names unique and 1–20 characters with a 4xx naming the field; every change
 * audited and visible to readers at once (A31, anonymous A28), on another node too under Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newChannel } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { buildNodes, signInOn, uniqueMobile } from '../helpers/nodes.js';
import { until } from '../helpers/wait.js';
import { account, bearer, type Account } from '../mp/helpers.js';
import { WebClient } from '../helpers/web-client.js';

let t: TestApp;
let admin: Account;
let moderator: Account;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await account(t, 'app', { role: 'admin' });
  moderator = await account(t, 'app', { role: 'moderator' });
});
afterAll(async () => {
  await t?.close();
});

async function staff(role: 'moderator' | 'admin'): Promise<{ browser: WebClient; id: bigint }> {
  const browser = new WebClient(t.app);
  const mobile = await browser.signIn();
  const user = (await t.services.users.accounts.findByMobile(mobile))!;
  await t.platform.db.updateTable('users').set({ role }).where('id', '=', user.id).execute();
  return { browser, id: user.id };
}

let counter = 0;
const uniqueName = (prefix = 'c') => `${prefix}${Date.now() % 1e6}${++counter}`;

type Listed = { id: string; name: string };
const asListed = (list: { id: unknown; name: string }[]): Listed[] =>
  list.map((c) => ({ id: String(c.id), name: c.name }));

/** What readers get now: the catalogue (A31) and the anonymous channel list (A28). */
async function readers(app = t.app) {
  const catalog = parseBody((await app.inject({ url: '/app/v1_0/channels' })).body).data.channels;
  const defaults = parseBody((await app.inject({ url: '/app/v1_0/user/channels' })).body).data.channels;
  return { catalog: asListed(catalog), defaults: asListed(defaults) };
}

const api = (who: Account, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
  t.app.inject({ method, url, headers: bearer(who.token), ...(payload ? { payload } : {}) });

const auditOf = async (id: string) =>
  t.platform.db
    .selectFrom('audit_log')
    .select(['action', 'before_json', 'after_json'])
    .where('target_type', '=', 'channel')
    .where('target_id', '=', id)
    .orderBy('id')
    .execute();

describe(`console: channels (db=${testDb}, redis=${testRedis})`, () => {
  it('is for admins: a moderator gets 403 from the page, the forms and the API', async () => {
    const { browser } = await staff('moderator');
    expect((await browser.get('/admin/channels')).statusCode).toBe(403);
    await browser.get('/admin/comments'); // a page with the CSRF token
    expect((await browser.post('/admin/channels', { name: uniqueName(), visible: '1' })).statusCode).toBe(403);
    expect((await api(moderator, 'GET', '/admin/v1_0/channels')).statusCode).toBe(403);
    expect((await api(moderator, 'POST', '/admin/v1_0/channels', { name: uniqueName() })).statusCode).toBe(403);
    const channel = await newChannel(t.platform);
    expect((await api(moderator, 'PATCH', `/admin/v1_0/channels/${channel.id}`, { name: 'x' })).statusCode).toBe(403);
    expect((await api(admin, 'GET', '/admin/v1_0/channels')).statusCode).toBe(200);
  });

  it('creates, renames, hides, shows and sets defaults from the console; readers see each change at once', async () => {
    const { browser } = await staff('admin');
    await readers(); // warm the catalogue caches first: the edits must drop them
    const page = await browser.get('/admin/channels');
    expect(page.statusCode).toBe(200);

    const name = uniqueName('新');
    const created = await browser.post('/admin/channels', { name: `  ${name}  `, visible: '1' });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/admin/channels?done=create');
    const row = await t.platform.db
      .selectFrom('channels')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    const id = String(row.id);
    expect(row).toMatchObject({ is_visible: 1, is_default: 0 });
    expect((await readers()).catalog).toContainEqual({ id, name });
    expect((await browser.get('/admin/channels?done=create')).body).toContain(`id="channel-${id}"`);

    const renamed = uniqueName('改');
    const rename = await browser.post(`/admin/channels/${id}`, { action: 'rename', name: renamed });
    expect(rename.headers.location).toBe(`/admin/channels?done=rename#channel-${id}`);
    expect((await readers()).catalog).toContainEqual({ id, name: renamed });

    await browser.post(`/admin/channels/${id}`, { action: 'default' });
    expect((await readers()).defaults).toContainEqual({ id, name: renamed });
    await browser.post(`/admin/channels/${id}`, { action: 'hide' });
    const hidden = await readers();
    expect(hidden.catalog.map((c) => c.id)).not.toContain(id);
    expect(hidden.defaults.map((c) => c.id)).not.toContain(id);
    await browser.post(`/admin/channels/${id}`, { action: 'show' });
    await browser.post(`/admin/channels/${id}`, { action: 'undefault' });
    const shown = await readers();
    expect(shown.catalog).toContainEqual({ id, name: renamed });
    expect(shown.defaults.map((c) => c.id)).not.toContain(id);

    const log = await auditOf(id);
    expect(log.map((e) => e.action)).toEqual([
      'channel.create',
      'channel.update',
      'channel.update',
      'channel.update',
      'channel.update',
      'channel.update',
    ]);
    expect(JSON.parse(log[1]!.before_json!)).toEqual({ name });
    expect(JSON.parse(log[1]!.after_json!)).toEqual({ name: renamed });
    expect(JSON.parse(log[3]!.after_json!)).toEqual({ visible: false });
  });

  it('reorders by moving up and down or by a number', async () => {
    const { browser } = await staff('admin');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(admin, 'POST', '/admin/v1_0/channels', { name: uniqueName('o') });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(String(parseBody(res.body).data.id));
    }
    const order = async () => (await readers()).catalog.map((c) => c.id).filter((id) => ids.includes(id));
    expect(await order()).toEqual(ids);

    await browser.get('/admin/channels');
    await browser.post(`/admin/channels/${ids[2]}`, { action: 'up' });
    expect(await order()).toEqual([ids[0], ids[2], ids[1]]);
    await browser.post(`/admin/channels/${ids[0]}`, { action: 'down' });
    expect(await order()).toEqual([ids[2], ids[0], ids[1]]);

    const before = parseBody((await api(admin, 'GET', '/admin/v1_0/channels?per_page=200')).body).data.results;
    const top = Math.max(...before.map((c: { sequence: number }) => c.sequence));
    const moved = await browser.post(`/admin/channels/${ids[2]}`, { action: 'sequence', sequence: String(top + 5) });
    expect(moved.statusCode).toBe(303);
    expect(await order()).toEqual([ids[0], ids[1], ids[2]]);
    const patched = await api(admin, 'PATCH', `/admin/v1_0/channels/${ids[1]}`, { move: 'down' });
    expect(parseBody(patched.body).data.sequence).toBeGreaterThan(0);
    expect(await order()).toEqual([ids[0], ids[2], ids[1]]);

    const bad = await browser.post(`/admin/channels/${ids[0]}`, { action: 'sequence', sequence: '-3' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('排序号须为不小于 0 的整数');
  });

  it('refuses bad and taken names with a 4xx naming the field', async () => {
    const { browser } = await staff('admin');
    const taken = uniqueName('Dup');
    expect((await api(admin, 'POST', '/admin/v1_0/channels', { name: taken })).statusCode).toBe(201);

    for (const name of ['', '   ', 'x'.repeat(21)]) {
      const res = await api(admin, 'POST', '/admin/v1_0/channels', { name });
      expect(res.statusCode, name).toBe(400);
      expect(parseBody(res.body).message).toHaveProperty('name');
    }
    expect((await api(admin, 'POST', '/admin/v1_0/channels', { name: '二'.repeat(20) })).statusCode).toBe(201);
    const twin = await api(admin, 'POST', '/admin/v1_0/channels', { name: taken.toLowerCase() });
    expect(twin.statusCode).toBe(409);
    expect(parseBody(twin.body).message).toHaveProperty('name');
    const missing = await api(admin, 'POST', '/admin/v1_0/channels', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('name');

    const other = await newChannel(t.platform, { name: uniqueName('Oth') });
    const renameTwin = await api(admin, 'PATCH', `/admin/v1_0/channels/${other.id}`, { name: taken });
    expect(renameTwin.statusCode).toBe(409);
    expect((await api(admin, 'PATCH', `/admin/v1_0/channels/${other.id}`, {})).statusCode).toBe(400);
    expect((await api(admin, 'PATCH', '/admin/v1_0/channels/987654321', { name: uniqueName() })).statusCode).toBe(404);
    const badSeq = await api(admin, 'PATCH', `/admin/v1_0/channels/${other.id}`, { sequence: -1 });
    expect(badSeq.statusCode).toBe(400);
    expect(badSeq.body).toContain('sequence');

    // The console shows the page again with the problem and the name typed.
    await browser.get('/admin/channels');
    const page = await browser.post('/admin/channels', { name: taken, visible: '1' });
    expect(page.statusCode).toBe(409);
    expect(page.body).toContain('不能与其他频道重名');
    expect(page.body).toContain(`value="${taken}"`);
    expect((await browser.post('/admin/channels', { name: 'y'.repeat(21), visible: '1' })).statusCode).toBe(400);
  });

  it.runIf(testRedis)('shows a change to readers on another node of the deployment', async () => {
    const deployment = await buildNodes(2);
    try {
      const [a, b] = deployment.nodes as [(typeof deployment.nodes)[0], (typeof deployment.nodes)[0]];
      const signedIn = await signInOn(a, uniqueMobile('136'));
      await a.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', signedIn.id).execute();
      await readers(b.app); // node b has the catalogue cached
      const name = uniqueName('n');
      const res = await a.app.inject({
        method: 'POST',
        url: '/admin/v1_0/channels',
        headers: bearer(signedIn.token),
        payload: { name },
      });
      expect(res.statusCode, res.body).toBe(201);
      // Node b's own copy lives at most a second in front of the shared cache that node a cleared.
      await until(
        'the new channel on node b',
        async () => (await readers(b.app)).catalog.some((c) => c.name === name),
        { timeoutMs: 2_500 },
      );
    } finally {
      await deployment.close();
    }
  });
});
