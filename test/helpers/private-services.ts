/**
 * Private instances of Redis, PostgreSQL and MariaDB for tests that kill and restart them (outage
 * tests). Each runs from a temporary directory on a free port of its own, so the machine's shared
 * services are never touched. `stop()` kills the server hard (as a crash or a lost host would);
 * `start()` brings it back on the same port with the same data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { until } from './wait.js';

export interface PrivateService {
  /** Connection URL (stays the same across stop/start). */
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL) and waits until its port refuses connections. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A server process on `port`, respawned by `start()`; `ready` says when it answers. */
function managed(
  name: string,
  port: number,
  url: string,
  launch: () => ChildProcess,
  cleanup: () => void,
  ready?: () => boolean,
): PrivateService {
  let child: ChildProcess | undefined;
  let log = '';
  const service: PrivateService = {
    url,
    port,
    async start() {
      if (child) return;
      log = '';
      const spawned = launch();
      spawned.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
      spawned.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
      child = spawned;
      try {
        const state = await until(
          `${name} ready`,
          async () => (spawned.exitCode !== null ? 'exited' : (await canConnect(port)) && (ready?.() ?? true)),
          { timeoutMs: 30_000, intervalMs: 50 },
        );
        if (state === 'exited') throw new Error(`${name} exited (${spawned.exitCode}): ${log}`);
      } catch (error) {
        spawned.kill('SIGKILL');
        child = undefined;
        throw error;
      }
    },
    async stop() {
      const running = child;
      if (!running) return;
      child = undefined;
      running.kill('SIGKILL');
      await exited(running);
      await until(`${name} stopped`, async () => !(await canConnect(port)), { intervalMs: 50 });
    },
    async destroy() {
      await service.stop();
      cleanup();
    },
  };
  return service;
}

export async function startRedis(): Promise<PrivateService> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-redis-'));
  const service = managed(
    'redis',
    port,
    `redis://127.0.0.1:${port}`,
    () =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    () => fs.rmSync(dir, { recursive: true, force: true }),
  );
  await service.start();
  return service;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return path.join(root, version, 'bin');
}

/** PostgreSQL refuses to run as root: the server runs as the `postgres` user when the test is root. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startPostgres(): Promise<PrivateService> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres', dir]);
  const [initCommand, initArgs] = asPostgres(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  let accepting = false;
  const service = managed(
    'postgres',
    port,
    `postgres://postgres@127.0.0.1:${port}/postgres`,
    () => {
      accepting = false;
      const [command, args] = asPostgres(path.join(bin, 'postgres'), [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'unix_socket_directories=',
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=50',
      ]);
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      // The port opens before recovery ends; connections are refused with 57P03 until this line.
      child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready to accept connections')) accepting = true;
      });
      return child;
    },
    () => fs.rmSync(dir, { recursive: true, force: true }),
    () => accepting,
  );
  const stop = service.stop;
  // runuser does not forward SIGKILL to the server: kill the postmaster itself (its children exit with it).
  service.stop = async () => {
    const pidFile = path.join(data, 'postmaster.pid');
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
    if (Number.isInteger(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await stop();
    // Backends of a killed postmaster notice and exit on their own; the next start needs them gone.
    fs.rmSync(pidFile, { force: true });
  };
  await service.start();
  return service;
}

export async function startMariaDb(): Promise<PrivateService> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-maria-'));
  const data = path.join(dir, 'data');
  // A starting mariadbd deletes every `#sql*` file in its tmpdir; with the default /tmp it would delete
  // the shared server's in-flight temporary tables (seen in CI as "Error on delete of '/tmp/#sql-temptable…'").
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--tmpdir=${tmp}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
  const service = managed(
    'mariadb',
    port,
    `mysql://root@127.0.0.1:${port}/mysql`,
    () =>
      // innodb-flush-log-at-trx-commit=2: every commit reaches the OS at once, so killing the server
      // (not the machine) loses nothing, without an fsync per commit.
      spawn(
        'mariadbd',
        [
          '--no-defaults',
          `--datadir=${data}`,
          `--tmpdir=${tmp}`,
          `--socket=${path.join(dir, 'sock')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          '--skip-log-bin',
          '--innodb-flush-log-at-trx-commit=2',
          ...(process.getuid?.() === 0 ? ['--user=root'] : []),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    () => fs.rmSync(dir, { recursive: true, force: true }),
  );
  await service.start();
  return service;
}
