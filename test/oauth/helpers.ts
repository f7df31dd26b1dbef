/**
 * The real app with the oauth module, listening on a free port with PUBLIC_URL pointing at it (the
 * issuer must be the URL the relying party reaches). The module is added here when the module list
 * does not hold it yet, so these tests ran before it was registered for everybody.
 */
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { modules } from '../../src/modules/index.js';
import type { AnyModule } from '../../src/modules/module.js';
import { oauthModule } from '../../src/modules/oauth/oauth.module.js';
import { loggerOptions } from '../../src/platform/logger.js';
import { createPlatform } from '../../src/platform/platform.js';
import { createServices, moduleSchema, registerJobs } from '../../src/services.js';
import { testEnvironment } from '../helpers/app.js';
import { freePort } from '../helpers/private-services.js';

export interface OauthNode extends App {
  /** Where this node listens (the issuer is PUBLIC_URL, which may be another node's). */
  origin: string;
  close(): Promise<void>;
}

export interface OauthTestApp extends OauthNode {
  env: Record<string, string>;
}

const withOauth: readonly AnyModule[] = (modules as readonly AnyModule[]).some((m) => m.name === 'oauth')
  ? modules
  : [...modules, oauthModule];

/** One node of the app on `env` (its database, kv and PUBLIC_URL), listening on `port`. */
export async function startNode(
  env: Record<string, string>,
  port?: number,
  configure?: (config: Config) => void,
): Promise<OauthNode> {
  const listenOn = port ?? (await freePort());
  const config = loadConfig(env);
  configure?.(config);
  const platform = await createPlatform(config, pino(loggerOptions(config)), moduleSchema(withOauth));
  const services = createServices(platform, withOauth);
  registerJobs(services);
  const built = await buildApp(config, { platform, services });
  await built.app.ready();
  await built.app.listen({ host: '127.0.0.1', port: listenOn });
  return {
    ...built,
    origin: `http://127.0.0.1:${listenOn}`,
    async close() {
      await built.app.close();
      await platform.close();
    },
  };
}

/** A fresh database (and kv prefix) with one node on it; closing drops them. */
export async function buildOauthApp(
  extra: Record<string, string> = {},
  configure?: (config: Config) => void,
): Promise<OauthTestApp> {
  const port = await freePort();
  const { env, cleanup } = await testEnvironment({
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    ...extra,
  });
  const node = await startNode(env, port, configure);
  return {
    ...node,
    env,
    async close() {
      await node.platform.kv.flush();
      await node.close();
      await cleanup();
    },
  };
}
