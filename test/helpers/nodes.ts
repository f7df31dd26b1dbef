/**
 * Several app instances ("nodes") of one deployment in this process: one database, the same JWT
 * secret and, under TEST_REDIS=1, one Redis prefix. Without Redis each node has its own memory
 * store, exactly as `serve --workers N` on SQLite without REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { testEnvironment } from './app.js';
import { randomIp } from './http.js';

export interface Nodes {
  nodes: App[];
  close(): Promise<void>;
}

export async function buildNodes(count: number, extra: Record<string, string> = {}): Promise<Nodes> {
  const { env, cleanup } = await testEnvironment({ JWT_SECRET: randomBytes(48).toString('base64'), ...extra });
  const nodes: App[] = [];
  // One after the other: the first migrates the shared database.
  for (let i = 0; i < count; i++) {
    const built = await buildApp(loadConfig(env));
    await built.app.ready();
    nodes.push(built);
  }
  return {
    nodes,
    async close() {
      await nodes[0]?.platform.kv.flush();
      for (const node of nodes) await node.app.close();
      await cleanup();
    },
  };
}

let mobileCounter = 0;
/** A mobile number no other test of this run uses (prefix: the suite's own). */
export const uniqueMobile = (prefix: string) =>
  `${prefix}${String(Date.now() % 1e6).padStart(6, '0')}${String(++mobileCounter % 100).padStart(2, '0')}`;

/** Signs in on `node` through the real app endpoint with the demo code (registering the number). */
export async function signInOn(node: App, mobile: string) {
  const res = await node.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile, code: '246810' },
  });
  if (res.statusCode !== 201) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  const { token, refresh_token } = res.json().data as { token: string; refresh_token: string };
  const id = BigInt(
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { user_id: number }).user_id,
  );
  return { id, mobile, token, refresh_token };
}
