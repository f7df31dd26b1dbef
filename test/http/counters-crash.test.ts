/**
 * "An app crash loses nothing" (issue #11, §9): a real server process is killed with SIGKILL in
 * the middle of a burst of likes, collections, comments and follows, then started again on the
 * same database (and Redis): every counter equals the rows that committed. Before, the row and
 * its counter increment were two steps, so a kill between them, or inside a flush, or (without
 * Redis) at any time before the next flush, lost counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/database.js';
import type { Platform } from '../../src/platform/platform.js';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { inkstone } from '../helpers/server-entry.js';
import { until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function start(env: Record<string, string>, port: number) {
  const child = spawn(process.execPath, inkstone('serve'), {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  running.push(child);
  const base = `http://127.0.0.1:${port}`;
  await until('the server is ready', async () => (await fetch(`${base}/readyz`)).ok, {
    timeoutMs: 120_000,
    intervalMs: 100,
  });
  return { child, base };
}

let nextId = BigInt(Date.now()) * 1000n;
const ids = { user: () => ++nextId, content: () => ++nextId };

describe(`counters survive kill -9 (db=${testDb}, redis=${testRedis})`, () => {
  it('after a SIGKILL mid-burst and a restart, every counter equals the committed rows', async () => {
    const { env, cleanup } = await testEnvironment({ SEED_ON_EMPTY: 'false' });
    const database = openDatabase(env.DATABASE_URL!);
    try {
      const port = await freePort();
      let server = await start(env, port);
      const p = { db: database.db, ids } as unknown as Platform;
      const channel = await newChannel(p);
      const author = await newUser(p);
      const articles = [
        await newArticle(p, { user_id: author.id, channel_id: channel.id }),
        await newArticle(p, { user_id: author.id, channel_id: channel.id }),
      ];

      const tokens: string[] = [];
      for (let i = 0; i < 12; i++) {
        const mobile = `139000${String(Date.now() % 1000).padStart(3, '0')}${String(i).padStart(2, '0')}`;
        const res = await fetch(`${server.base}/app/v1_0/authorizations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mobile, code: '246810' }),
        });
        expect(res.status).toBe(201);
        tokens.push(((await res.json()) as { data: { token: string } }).data.token);
      }

      // The burst: every reader likes, collects and comments on both articles and follows the
      // author, some undo a like; the server is killed once a fifth of the answers are in.
      const call = (token: string, method: string, url: string, body?: object) =>
        fetch(`${server.base}${url}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        }).then(
          (res) => res.status,
          () => 0,
        );
      const work: (() => Promise<number>)[] = [];
      for (const [i, token] of tokens.entries()) {
        for (const article of articles) {
          const target = String(article.id);
          work.push(() => call(token, 'POST', '/app/v1_0/article/likings', { target }));
          work.push(() => call(token, 'POST', '/app/v1_0/article/collections', { target }));
          work.push(() => call(token, 'POST', '/app/v1_0/comments', { target, content: `comment ${i}` }));
          if (i % 3 === 0) work.push(() => call(token, 'DELETE', `/app/v1_0/article/likings/${target}`));
        }
        work.push(() => call(token, 'POST', '/app/v1_0/user/followings', { target: String(author.id) }));
      }
      let answered = 0;
      const victim = server.child;
      const burst = Promise.all(
        work.map(async (run) => {
          const status = await run();
          if (++answered === Math.floor(work.length / 5)) victim.kill('SIGKILL');
          return status;
        }),
      );
      const statuses = await burst;
      await new Promise<void>((resolve) =>
        victim.exitCode !== null || victim.signalCode !== null ? resolve() : victim.once('exit', () => resolve()),
      );
      // Some requests were answered, some died with the process.
      expect(statuses.filter((s) => s >= 200 && s < 300).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 0).length).toBeGreaterThan(0);

      server = await start(env, port);
      const db = database.db;
      const count = async (table: 'attitudes' | 'collections' | 'comments' | 'follows', where: (q: any) => any) =>
        Number(
          (await where(db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'))).executeTakeFirstOrThrow()).n,
        );
      let likesReceived = 0;
      for (const article of articles) {
        const row = await db
          .selectFrom('articles')
          .select(['like_count', 'collect_count', 'comment_count'])
          .where('id', '=', article.id)
          .executeTakeFirstOrThrow();
        const likes = await count('attitudes', (q) => q.where('article_id', '=', article.id).where('attitude', '=', 1));
        likesReceived += likes;
        expect(row).toEqual({
          like_count: likes,
          collect_count: await count('collections', (q) => q.where('article_id', '=', article.id)),
          comment_count: await count('comments', (q) => q.where('article_id', '=', article.id).where('status', '=', 1)),
        });
      }
      const fans = await count('follows', (q) => q.where('target_user_id', '=', author.id));
      const authorRow = () =>
        db
          .selectFrom('users')
          .select(['fans_count', 'like_count'])
          .where('id', '=', author.id)
          .executeTakeFirstOrThrow();
      // Likes received is a derived counter: the marks committed with the likes survived the kill,
      // and the restarted server's first flush (every 5 s) sets the column from them.
      await until('the author’s likes received are set', async () => (await authorRow()).like_count === likesReceived, {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      expect(await authorRow()).toEqual({ fans_count: fans, like_count: likesReceived });
      // And the restarted server shows them.
      const profile = (await (await fetch(`${server.base}/app/v1_0/users/${author.id}`)).json()) as {
        data: { fans_count: number; like_count: number };
      };
      expect(profile.data).toMatchObject({ fans_count: fans, like_count: likesReceived });
    } finally {
      await database.close();
      await cleanup();
    }
  }, 240_000);
});
