/**
 * Several nodes on one database (and one Redis in the redis combinations), each an app in this
 * process with its own lease: what works when they share DATA_DIR, and what each node says at boot
 * when the set-up cannot work (local media, per-node JWT secrets, nobody running the schedules).
 */
import { buildApp, createAppPlatform } from '../../src/app.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { bearer, randomIp } from '../helpers/http.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** A node as `serve` builds it, with its log captured; `scheduler` is its RUN_SCHEDULER. */
async function startNode(env: Record<string, string>, scheduler = true) {
  const lines: string[] = [];
  const config = loadConfig(env);
  const platform = await createAppPlatform(
    config,
    pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
  );
  const built = await buildApp(config, { platform });
  await built.app.ready();
  await platform.cluster.announce({ scheduler });
  const close = async () => {
    await built.app.close();
    await platform.close();
  };
  closers.push(close);
  return { ...built, config, log: () => lines.join(''), close };
}

async function scratch(extra: Record<string, string> = {}) {
  const environment = await testEnvironment({ NODE_ENV: 'development', ...extra });
  closers.push(environment.cleanup);
  return environment;
}

async function signIn(node: Awaited<ReturnType<typeof startNode>>): Promise<string> {
  const mobile = `1350${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const res = await node.app.inject({
    method: 'POST',
    url: '/app/v1_0/authorizations',
    remoteAddress: randomIp(),
    payload: { mobile, code: '246810' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.token as string;
}

const LOCAL_MEDIA = /media is stored on local disk.*S3_BUCKET.*same DATA_DIR/;

describe(`scale-out (db=${testDb}, redis=${testRedis})`, () => {
  it(
    'serves an upload made on node A from node B when they share DATA_DIR, and accepts A’s tokens',
    { timeout: 120_000 },
    async () => {
      const { env } = await scratch();
      const a = await startNode(env);
      const b = await startNode(env);
      const token = await signIn(a);
      const photo = await sharp({
        create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 10, b: 10 } },
      })
        .png()
        .toBuffer();
      const uploaded = await a.app.inject({
        method: 'PATCH',
        url: '/app/v1_0/user/profile',
        headers: bearer(token),
        payload: { photo: photo.toString('base64') },
      });
      expect(uploaded.statusCode, uploaded.body).toBe(201);
      const url = new URL(uploaded.json().data.photo as string);
      const served = await b.app.inject({ url: url.pathname });
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toMatch(/^image\//);
      // The generated JWT secret lives in the shared DATA_DIR too.
      expect((await b.app.inject({ url: '/app/v1_0/user', headers: bearer(token) })).statusCode).toBe(200);
      // One DATA_DIR is one node for local files: nothing to warn about.
      expect(a.log() + b.log()).not.toMatch(LOCAL_MEDIA);
      expect(a.config.jwtSecretSource).toBe('data-dir');
    },
  );

  it(
    'warns at boot when nodes with their own DATA_DIR share the database with local media and generated JWT secrets',
    { timeout: 120_000 },
    async () => {
      const { env } = await scratch();
      const a = await startNode(env);
      const otherDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-node-b-'));
      closers.push(async () => fs.rmSync(otherDataDir, { recursive: true, force: true }));
      const b = await startNode({ ...env, DATA_DIR: otherDataDir });
      expect(b.log()).toMatch(LOCAL_MEDIA);
      expect(b.log()).toMatch(/tokens from one node are rejected by the others; set the same JWT_SECRET everywhere/);
      // What the warnings are about: A's token means nothing to B.
      const token = await signIn(a);
      expect((await b.app.inject({ url: '/app/v1_0/user', headers: bearer(token) })).statusCode).toBe(401);
      // Each warning once per process, not on every heartbeat.
      await b.platform.cluster.beat();
      expect(b.log().match(/media is stored on local disk/g)).toHaveLength(1);
    },
  );

  it(
    'warns at boot without JWT_SECRET when a shared Redis or database server suggests several nodes',
    { timeout: 120_000 },
    async () => {
      const { env } = await scratch();
      const generated = await startNode(env);
      const explicit = await startNode({ ...env, JWT_SECRET: 'x'.repeat(48) });
      const warning = /JWT_SECRET is not set: this node signs tokens with a secret generated in its DATA_DIR/;
      if (testRedis || testDb !== 'sqlite') expect(generated.log()).toMatch(warning);
      else expect(generated.log()).not.toMatch(warning);
      expect(explicit.log()).not.toMatch(warning);
    },
  );

  it(
    'says when no process runs the schedules, in the log and in /readyz, until one does',
    { timeout: 120_000 },
    async () => {
      const { env } = await scratch();
      const a = await startNode(env, false);
      expect(a.log()).toMatch(/no live process runs the cron schedules.*inkstone worker.*RUN_SCHEDULER=true/);
      const before = await a.app.inject({ url: '/readyz' });
      // Informational: a node is not unready because another should schedule.
      expect(before.statusCode).toBe(200);
      expect(before.json().data.schedules).toMatch(/no live process runs the cron schedules/);
      const b = await startNode(env, true);
      const after = await a.app.inject({ url: '/readyz' });
      expect(after.json().data.schedules).toBe('ok');
      await b.close();
      expect((await a.app.inject({ url: '/readyz' })).json().data.schedules).toMatch(/no live process/);
    },
  );
});
