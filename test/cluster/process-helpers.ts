/** Real `inkstone` processes for the cluster tests: start one on a free port, wait for it, stop it. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { inkstone } from '../helpers/server-entry.js';

const root = path.resolve(import.meta.dirname, '../..');
const running: ChildProcess[] = [];

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  base: string;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `inkstone <args>` with `env` on top of the test environment (NODE_ENV=development, logs at info). */
export async function startInkstone(args: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, inkstone(...args), {
    cwd: root,
    env: { ...process.env, ...env, NODE_ENV: 'development', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  running.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Spawned processes compile, migrate and seed first: on a loaded 2-core machine that takes a while. */
export const processWait = { timeoutMs: 150_000, intervalMs: 200 };

/** Kills whatever a test left running (after a failed assertion). */
export function killStarted(): void {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}
