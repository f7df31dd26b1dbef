/**
 * The server as an operator runs it: a real process on a real port, demo data on an empty
 * database, graceful shutdown on SIGTERM, and `--workers N` supervision.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { connect } from '../realtime/realtime-helpers.js';
import { inkstone } from '../helpers/server-entry.js';
import { pause, until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const running: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One plain HTTP request on a new connection from `localAddress` (any 127.x address is this host). */
function rawRequest(
  url: string,
  localAddress: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, localAddress, agent: false, headers: body ? { 'content-type': 'text/plain;charset=UTF-8' } : {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A spawned server answers 2xx on `url` (it may compile and seed first on a loaded machine). */
function answering(url: string): Promise<Response> {
  return until(
    `${url} answers`,
    async () => {
      const res = await fetch(url);
      return res.ok ? res : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

async function start(args: string[], env: Record<string, string>) {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, inkstone(...args), {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      SEED_ON_EMPTY: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  running.push(child);
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe(`server process (db=${testDb}, redis=${testRedis})`, () => {
  it('serves demo data on an empty database and shuts down gracefully on SIGTERM', async () => {
    const { env, cleanup } = await testEnvironment({ SEED_ON_EMPTY: 'true' });
    try {
      const server = await start(['serve'], env);
      await answering(`${server.base}/readyz`);
      const channels = (await (await fetch(`${server.base}/app/v1_0/channels`)).json()) as {
        data: { channels: unknown[] };
      };
      expect(channels.data.channels.length).toBeGreaterThanOrEqual(20);
      const feed = await fetch(`${server.base}/app/v1_1/articles?channel_id=18&timestamp=${Date.now()}&with_top=1`);
      expect(feed.status).toBe(200);
      const text = await feed.text();
      expect(JSON.parse(text).data.results).toHaveLength(10 + (text.match(/"is_top":1/g)?.length ?? 0));
      const cover = text.match(/"images":\["(http[^"]+)"/)?.[1];
      expect(cover).toBeTruthy();
      // PUBLIC_URL is the test origin; fetch the same path from this server.
      const image = await fetch(`${server.base}${new URL(cover!).pathname}`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');

      // An in-flight request finishes; then the process exits 0.
      const slow = fetch(`${server.base}/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1`);
      server.child.kill('SIGTERM');
      expect((await slow).status).toBe(200);
      expect(await exited(server.child)).toBe(0);
      expect(server.output()).toContain('shutting down');
    } finally {
      await cleanup();
    }
  }, 180_000);

  it('loads oidc-provider (and Koa) with the first OAuth request, not at boot', async () => {
    const { env, cleanup } = await testEnvironment();
    const log = path.join(env.DATA_DIR!, 'imports.log');
    const recorder = path.join(root, 'test/http/fixtures/record-imports.mjs');
    const packages = () =>
      new Set(
        fs
          .readFileSync(log, 'utf8')
          .split('\n')
          .map((line) => line.split('/')[0]),
      );
    try {
      const server = await start(['serve'], { ...env, IMPORT_LOG: log, NODE_OPTIONS: `--import=${recorder}` });
      await answering(`${server.base}/readyz`);
      const feed = await fetch(`${server.base}/app/v1_1/articles?channel_id=18&timestamp=${Date.now()}&with_top=1`);
      expect(feed.status).toBe(200);
      expect((await fetch(`${server.base}/`)).status).toBe(200);
      const atBoot = packages();
      expect(atBoot).toContain('fastify');
      expect(atBoot).not.toContain('oidc-provider');
      expect(atBoot).not.toContain('koa');

      const discovery = await fetch(`${server.base}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe('http://inkstone.test');
      expect(packages()).toContain('oidc-provider');
    } finally {
      await cleanup();
    }
  }, 180_000);

  it('refuses to boot with a bad setting and names it', () => {
    const result = spawnSync(process.execPath, inkstone('serve'), {
      cwd: root,
      env: { ...process.env, PORT: 'eighty', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-bad-')) },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT must be a whole number');
  }, 60_000);

  it('keeps N worker processes on one port and replaces one that dies', async () => {
    const { env, cleanup } = await testEnvironment({ SEED_ON_EMPTY: 'true' });
    try {
      const server = await start(['serve', '--workers', '2'], env);
      await answering(`${server.base}/healthz`);
      const workers = () =>
        spawnSync('ps', ['-o', 'pid=', '--ppid', String(server.child.pid)], { encoding: 'utf8' })
          .stdout.split('\n')
          .map((s) => Number(s.trim()))
          .filter(Boolean);
      const minute = { timeoutMs: 60_000, intervalMs: 100 };
      const before = await until(
        'two workers',
        () => {
          const now = workers();
          return now.length === 2 && now;
        },
        minute,
      );
      process.kill(before[0]!, 'SIGKILL');
      await until(
        'the dead worker replaced',
        () => {
          const now = workers();
          return now.length === 2 && !now.includes(before[0]!);
        },
        minute,
      );
      expect(workers()).not.toContain(before[0]);
      expect(workers()).toHaveLength(2);
      expect(server.output()).toContain('restarting');
      await answering(`${server.base}/healthz`);
      server.child.kill('SIGTERM');
      expect(await exited(server.child)).toBe(0);
    } finally {
      await cleanup();
    }
  }, 240_000);

  it('keeps Socket.IO long-polling sessions on the worker that holds them (--workers 2)', async () => {
    const { env, cleanup } = await testEnvironment({ SEED_ON_EMPTY: 'true' });
    try {
      const server = await start(['serve', '--workers', '2'], env);
      await answering(`${server.base}/healthz`);

      // The app's client (2.x) on polling only: every exchange is a new HTTP request naming the session.
      const client = await connect('v2', server.base, { transports: ['polling'] });
      for (let round = 0; round < 5; round++) {
        client.emit('message', { msg: '你好', timestamp: Date.now() });
        const { msg } = await client.next('message', 10_000);
        // The server's log says why, should the bot answer its fallback line (its store failed).
        expect(msg, msg.includes('头条小助手') ? '' : server.output().slice(-3000)).toContain('头条小助手');
      }
      client.close();

      // Requests of one session from many client addresses, each on a new connection: routed by
      // the session id, not by address. Without it about half of them meet the wrong worker (400).
      const polling = `${server.base}/socket.io/?EIO=4&transport=polling`;
      const open = await rawRequest(polling, '127.0.0.2');
      expect(open.status, open.text).toBe(200);
      const sid = (JSON.parse(open.text.slice(open.text.indexOf('{'))) as { sid: string }).sid;
      const joined = await rawRequest(`${polling}&sid=${sid}`, '127.0.0.3', 'POST', '40');
      expect(joined.status, joined.text).toBe(200);
      for (let i = 4; i < 14; i++) {
        const address = `127.0.0.${i}`;
        const sent = await rawRequest(`${polling}&sid=${sid}`, address, 'POST', '42["message",{"msg":"你好"}]');
        expect(sent.status, `${address}: ${sent.text}`).toBe(200);
        const answer = await rawRequest(`${polling}&sid=${sid}`, address);
        expect(answer.status, `${address}: ${answer.text}`).toBe(200);
      }

      // A body far larger than the first chunk the primary reads arrives whole at the worker.
      const signIn = await fetch(`${server.base}/mp/v1_0/authorizations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile: '13911111111', code: '246810' }),
      });
      expect(signIn.status).toBe(201);
      const { token } = ((await signIn.json()) as { data: { token: string } }).data;
      const content = `<p>${'长文'.repeat(150_000)}</p>`; // ~900 KB of UTF-8
      const created = await fetch(`${server.base}/mp/v1_0/articles?draft=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ title: 'A long draft', content, cover: { type: 0, images: [] }, channel_id: 1 }),
      });
      const createdText = await created.text();
      expect(created.status, createdText).toBe(201);
      const id = /"id":"?(\d+)/.exec(createdText)![1]; // 64-bit: JSON.parse would round it
      const stored = await fetch(`${server.base}/mp/v1_0/articles/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await stored.json()) as { data: { content: string } }).data.content).toBe(content);

      // Shutdown drains the handed-over connections: a request in flight still gets its answer.
      const slow = fetch(`${server.base}/app/v1_1/articles?channel_id=0&timestamp=${Date.now()}&with_top=1`);
      await pause(20); // let the request reach a worker; a shorter wait fails (refused), never passes wrongly
      server.child.kill('SIGTERM');
      expect((await slow).status).toBe(200);
      expect(await exited(server.child)).toBe(0);
    } finally {
      await cleanup();
    }
  }, 240_000);
});
