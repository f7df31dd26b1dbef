/**
 * Every documented TRUST_PROXY form (README: `true`, a hop count, a comma list of IPs/CIDRs) gives
 * the real client address behind a real nginx, which appends the peer to X-Forwarded-For with
 * `$proxy_add_x_forwarded_for`. Clients are told apart by connecting from different 127.x
 * addresses and by sending their own X-Forwarded-For chains.
 *
 * Needs nginx (Debian: nginx-light). Without it the suite is skipped with a note, except under
 * CI=true, where a missing nginx fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis } from '../helpers/app.js';
import { until } from '../helpers/wait.js';

const NGINX =
  ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((p) => fs.existsSync(p)) ??
  (spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim() || undefined);
if (!NGINX) {
  if (process.env.CI === 'true')
    throw new Error(
      'nginx is not installed and CI=true: install nginx-light (apt-get install -y nginx-light) for the TRUST_PROXY suite',
    );
  console.warn(
    '[trust-proxy] nginx not found: skipping the TRUST_PROXY-behind-nginx suite (apt-get install -y nginx-light)',
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Proxy {
  port: number;
  stop(): Promise<void>;
}

/** nginx in the foreground as our child, on a free port, proxying to the app. */
async function startNginx(upstreamPort: number): Promise<Proxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-nginx-'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX!, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const state = await until(
    'nginx listening',
    async () =>
      child.exitCode !== null
        ? 'exited'
        : new Promise<boolean>((resolve) => {
            const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
            socket.on('error', () => resolve(false));
          }),
    { context: () => stderr },
  );
  if (state === 'exited') throw new Error(`nginx exited: ${stderr} ${fs.readFileSync(`${dir}/error.log`, 'utf8')}`);
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  status: number;
  body: string;
}

/** One request through the proxy, from local address `from`, optionally with the client's own X-Forwarded-For. */
function request(
  port: number,
  from: string,
  options: { path?: string; method?: string; xff?: string; body?: unknown } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        path: options.path ?? '/test/client-ip',
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          ...(options.xff ? { 'x-forwarded-for': options.xff } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const ipSeen = async (port: number, from: string, xff?: string) =>
  JSON.parse((await request(port, from, { xff })).body).ip as string;

async function behindNginx(trustProxy: string) {
  const t = await buildTestApp({ TRUST_PROXY: trustProxy }, (app) => {
    app.get('/test/client-ip', async (req) => ({ ip: req.ip }));
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const proxy = await startNginx((t.app.server.address() as net.AddressInfo).port);
  return { t, proxy, close: async () => (await proxy.stop(), await t.close()) };
}

describe.skipIf(!NGINX)(`TRUST_PROXY behind nginx (db=${testDb}, redis=${testRedis})`, () => {
  const cases: [string, string, [from: string, xff: string | undefined, expected: string][]][] = [
    // Default: nobody is trusted, so every client is the proxy: the problem the setting exists for.
    ['false', 'false', [['127.0.0.2', undefined, '127.0.0.1']]],
    [
      'true (trust every hop: the leftmost address wins, spoofable by design)',
      'true',
      [
        ['127.0.0.2', undefined, '127.0.0.2'],
        ['127.0.0.3', '198.51.100.7', '198.51.100.7'],
      ],
    ],
    [
      'a hop count of 1 (nginx only)',
      '1',
      [
        ['127.0.0.2', undefined, '127.0.0.2'],
        ['127.0.0.3', undefined, '127.0.0.3'],
        // A client's own header is not believed: nginx's entry for it is.
        ['127.0.0.4', '6.6.6.6', '127.0.0.4'],
        ['127.0.0.5', '6.6.6.6, 7.7.7.7', '127.0.0.5'],
      ],
    ],
    [
      'a hop count of 2 (a CDN in front of nginx)',
      '2',
      [
        // The CDN (here 127.0.0.6) sent what it saw; nginx appended the CDN.
        ['127.0.0.6', '203.0.113.9', '203.0.113.9'],
        ['127.0.0.6', '6.6.6.6, 203.0.113.10', '203.0.113.10'],
      ],
    ],
    [
      'an IP list',
      '127.0.0.1',
      [
        ['127.0.0.2', undefined, '127.0.0.2'],
        ['127.0.0.7', '6.6.6.6', '127.0.0.7'],
      ],
    ],
    [
      'a CIDR list (nginx and a trusted front tier 127.0.0.0/30)',
      '10.0.0.0/8, 127.0.0.0/30',
      [
        ['127.0.0.2', '198.51.100.20', '198.51.100.20'],
        ['127.0.0.9', '6.6.6.6', '127.0.0.9'],
        ['127.0.0.9', undefined, '127.0.0.9'],
      ],
    ],
  ];

  for (const [name, value, expectations] of cases) {
    it(`sees the client address with TRUST_PROXY=${value}: ${name}`, async () => {
      const setup = await behindNginx(value);
      try {
        for (const [from, xff, expected] of expectations) {
          expect(await ipSeen(setup.proxy.port, from, xff), `from ${from}, X-Forwarded-For ${xff ?? '(none)'}`).toBe(
            expected,
          );
        }
      } finally {
        await setup.close();
      }
    });
  }

  describe('one user’s failed sign-ins do not lock out another behind the same proxy (TRUST_PROXY=1)', () => {
    let setup: Awaited<ReturnType<typeof behindNginx>>;
    beforeAll(async () => {
      setup = await behindNginx('1');
    });
    afterAll(async () => {
      await setup?.close();
    });

    it('limits the noisy client only', async () => {
      const signIn = (from: string, code: string) =>
        request(setup.proxy.port, from, {
          method: 'POST',
          path: '/app/v1_0/authorizations',
          body: { mobile: '13711112222', code },
        });
      // The sign-in limit is 60 a minute per client address.
      let limited = false;
      for (let i = 0; i < 70 && !limited; i++) limited = (await signIn('127.0.0.2', '000000')).status === 429;
      expect(limited).toBe(true);
      const other = await signIn('127.0.0.3', '246810');
      expect(other.status).toBe(201);
    });
  });
});
