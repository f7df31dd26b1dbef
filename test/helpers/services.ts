/**
 * Where the real services live in tests, and whether they are up. On a laptop a suite whose
 * service is down is skipped with a visible note; in CI (CI=true) a missing service is a failure.
 */
import net from 'node:net';

export const serviceUrls = {
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
} as const;

export type ServiceName = keyof typeof serviceUrls;

const cache = new Map<ServiceName, Promise<boolean>>();

function probe(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * True when the service answers. When it does not: throws under CI, otherwise warns once and
 * returns false so the caller can `describe.skipIf(!available)`.
 */
export async function serviceAvailable(name: ServiceName): Promise<boolean> {
  let pending = cache.get(name);
  if (!pending) {
    pending = probe(serviceUrls[name]);
    cache.set(name, pending);
  }
  const up = await pending;
  if (!up) {
    if (process.env.CI === 'true') {
      throw new Error(`${name} is not reachable at ${serviceUrls[name]} and CI=true: refusing to skip`);
    }
    console.warn(`[skip] ${name} is not reachable at ${serviceUrls[name]}; its suites are skipped`);
  }
  return up;
}

/** A short random suffix for per-test databases, key prefixes and queue names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
