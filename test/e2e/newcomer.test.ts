/**
 * What a newcomer does first, end to end: `npm start` as a child process (exactly the command in
 * package.json, on an empty DATA_DIR, with no database or Redis configured), then over real HTTP
 * and Socket.IO: channels → feed → detail → search (Chinese and English) and suggestions → sign in
 * with the demo code → like, comment, follow, with the counts changing at once → publish from the
 * media platform → the new article is searchable → the author's Socket.IO client was notified.
 *
 * It runs the embedded default whatever TEST_DB and TEST_REDIS say, so it is a `once` suite
 * (scripts/test-scopes.mjs): the sqlite combination without Redis only, and it skips itself elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';
import { parseBody } from '../helpers/json.js';
import { connect, type TestClient } from '../realtime/realtime-helpers.js';
import { until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const DEMO_CODE = '246810';
const READER_MOBILE = '13611111111';
const AUTHOR_MOBILE = '13911111111';

let child: ChildProcess | undefined;
let output = '';
let dataDir: string | undefined;
const sockets: TestClient[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.close();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A newcomer's shell: no database, Redis or test settings, only what any machine has. */
function newcomerEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TERM'])
    if (process.env[key] !== undefined) env[key] = process.env[key]!;
  return { ...env, ...extra };
}

/** `npm start` as package.json spells it, run with this node (npm itself adds nothing the app reads). */
function startCommand(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [program, ...args] = pkg.scripts.start.split(/\s+/);
  expect(program).toBe('node');
  return args;
}

/** Waits with the server's output in the error, so a failed start says why. */
const serverOutput = () => `--- server output ---\n${output.slice(-4000)}`;

describe.skipIf(testDb !== 'sqlite' || testRedis)('a newcomer runs `npm start` and uses the apps', () => {
  it('walks the first run end to end over HTTP and Socket.IO', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-newcomer-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, startCommand(), {
      cwd: root,
      env: newcomerEnvironment({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));

    type Json = any;
    const call = async (
      method: string,
      url: string,
      body?: unknown,
      token?: string,
    ): Promise<{ status: number; data: Json; text: string }> => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${base}${url}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, data: text ? parseBody(text).data : undefined, text };
    };
    const get = async (url: string, token?: string) => {
      const res = await call('GET', url, undefined, token);
      expect(res.status, `GET ${url}: ${res.text}`).toBe(200);
      return res.data;
    };
    const post = async (url: string, body: unknown, token?: string) => {
      const res = await call('POST', url, body, token);
      expect(res.status, `POST ${url}: ${res.text}`).toBe(201);
      return res.data;
    };

    // The first start builds, migrates and seeds: generous, it may compile on a loaded machine.
    await until('the server is ready', async () => (await fetch(`${base}/readyz`)).ok, {
      timeoutMs: 240_000,
      intervalMs: 200,
      context: serverOutput,
    });

    // Channels → feed → detail.
    const { channels } = await get('/app/v1_0/channels');
    expect(channels.length).toBeGreaterThanOrEqual(20);
    const css = channels.find((c: Json) => c.name === 'css');
    expect(css).toBeDefined();
    const feed = await get(`/app/v1_1/articles?channel_id=${css.id}&timestamp=${Date.now()}&with_top=1`);
    expect(feed.results.length).toBeGreaterThanOrEqual(10);
    const card = feed.results.find((c: Json) => c.comm_count > 0) ?? feed.results[0];
    const detail = await get(`/app/v1_0/articles/${card.art_id}`);
    expect(String(detail.art_id)).toBe(String(card.art_id));
    expect(detail.title).toBe(card.title);
    const thread = await get(`/app/v1_0/comments?type=a&source=${card.art_id}`);
    if (card.comm_count > 0) expect(thread.results.length).toBeGreaterThan(0);

    // Search in English and Chinese, a feed title, and suggestions: answered from the first request.
    for (const q of ['java', 'css', '前端', '数据库']) {
      const page = await get(`/app/v1_0/search?q=${encodeURIComponent(q)}`);
      expect(page.total_count, q).toBeGreaterThan(0);
      expect(page.results.length, q).toBeGreaterThan(0);
    }
    const byTitle = await get(`/app/v1_0/search?q=${encodeURIComponent(card.title)}&per_page=50`);
    expect(byTitle.results.map((r: Json) => String(r.art_id))).toContain(String(card.art_id));
    for (const q of ['ja', '前', 'pyhton']) {
      const { options } = await get(`/app/v1_0/suggestion?q=${encodeURIComponent(q)}`);
      expect(options.length, q).toBeGreaterThan(0);
    }

    // Sign in as the app does: ask for a code, then use the demo code.
    const signIn = async (prefix: 'app' | 'mp', mobile: string) => {
      if (prefix === 'app') expect((await get(`/app/v1_0/sms/codes/${mobile}`)).mobile).toBe(mobile);
      return post(`/${prefix}/v1_0/authorizations`, { mobile, code: DEMO_CODE });
    };
    const reader = (await signIn('app', READER_MOBILE)).token as string;
    const mp = await signIn('mp', AUTHOR_MOBILE);
    const authorId = String(mp.id);
    // The author keeps the app open: its Socket.IO client (the app's 2.x) hears about the reader.
    const authorApp = (await signIn('app', AUTHOR_MOBILE)).token as string;
    const socket = await connect('v2', base, { query: { token: authorApp } });
    sockets.push(socket);

    // An article of the author the reader has not touched yet.
    const list = await get(`/app/v1_0/users/${authorId}/articles?page=1&per_page=50`, reader);
    let target: Json;
    for (const candidate of list.results) {
      const flags = await get(`/app/v1_0/articles/${candidate.art_id}`, reader);
      if (flags.attitude === -1 && !flags.is_collected) {
        target = candidate;
        expect(flags.is_followed).toBe(false);
        break;
      }
    }
    expect(target).toBeDefined();
    const articleId = String(target.art_id);
    const cardOf = async () =>
      (await get(`/app/v1_0/users/${authorId}/articles?page=1&per_page=50`)).results.find(
        (c: Json) => String(c.art_id) === articleId,
      );
    const before = {
      me: await get('/app/v1_0/user', reader),
      author: await get(`/app/v1_0/users/${authorId}`),
      card: await cardOf(),
      comments: (await get(`/app/v1_0/comments?type=a&source=${articleId}`)).total_count as number,
    };

    // 64-bit ids lose digits in the client's JSON.parse: read them from the packet text.
    const notified = async (event: string) => {
      await socket.next(event, 10_000);
      const packet = socket.packets.findLast((p) => p.includes(`"${event}"`))!;
      return (parseBody(packet.slice(packet.indexOf('['))) as [string, Json])[1];
    };
    await post('/app/v1_0/article/likings', { target: articleId }, reader);
    const liked = await notified('liking notify');
    expect(String(liked.art_id)).toBe(articleId);
    const comment = await post(
      '/app/v1_0/comments',
      { target: articleId, content: '写得真清楚，收藏了', art_id: null },
      reader,
    );
    expect(comment.new_obj.content).toBe('写得真清楚，收藏了');
    const commented = await notified('comment notify');
    expect(String(commented.art_id)).toBe(articleId);
    await post('/app/v1_0/user/followings', { target: authorId }, reader);
    const followed = await notified('following notify');
    expect(String(followed.user_id)).toBe(String(before.me.id));

    // At once, no waiting for a flush: the article's counts and flags…
    const after = {
      me: await get('/app/v1_0/user', reader),
      author: await get(`/app/v1_0/users/${authorId}`),
      card: await cardOf(),
      comments: (await get(`/app/v1_0/comments?type=a&source=${articleId}`)).total_count as number,
      detail: await get(`/app/v1_0/articles/${articleId}`, reader),
    };
    expect(after.detail).toMatchObject({ attitude: 1, is_followed: true });
    expect(after.comments).toBe(before.comments + 1);
    expect(after.card.like_count).toBe(before.card.like_count + 1);
    expect(after.card.comm_count).toBe(before.card.comm_count + 1);
    // …and the people's (soft: a lag here is one finding, the journey goes on).
    expect.soft(after.me.follow_count, 'reader follow_count on /user').toBe(before.me.follow_count + 1);
    expect.soft(after.author.fans_count, 'author fans_count on A22').toBe(before.author.fans_count + 1);
    expect
      .soft(after.author.like_count, 'author like_count (likes received) on A22')
      .toBe(before.author.like_count + 1);

    // The author publishes from the media platform; the default review policy approves it.
    const word = `zephyr${Date.now().toString(36)}`;
    const title = `Newcomer notes ${word}`;
    const created = await post(
      '/mp/v1_0/articles?draft=false',
      {
        title,
        content: `<p>First steps with ${word} on Inkstone.</p><p>写给新手的第一篇文章。</p>`,
        cover: { type: 0, images: [] },
        channel_id: css.id,
      },
      mp.token,
    );
    const mine = await get(`/mp/v1_0/articles/${created.id}`, mp.token);
    expect(mine.title).toBe(title);
    const found = await until(
      'the new article is searchable',
      async () => {
        const page = await get(`/app/v1_0/search?q=${word}`);
        return page.total_count > 0 ? page : undefined;
      },
      { timeoutMs: 30_000, context: serverOutput },
    );
    expect(found.results.map((r: Json) => String(r.art_id))).toEqual([String(created.id)]);
    expect(found.results[0].title).toBe(title);

    // A supervisor's SIGTERM ends it cleanly.
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 420_000);
});
