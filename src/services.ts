/**
 * The composition root: every feature service built once, in dependency order, from the module
 * manifests (./modules/index.ts). The HTTP app, the job processors and the CLI all take their services
 * from here, so a feature is wired one way.
 */
import type { Migration } from 'kysely';
import type { Platform, PlatformSchema } from './platform/platform.js';
import type { EventSubjects } from './platform/events/events.js';
import { mediaUrl } from './platform/media-url.js';
import type { PresenterContext } from './platform/presenter.js';
import { createRealtime } from './platform/realtime/index.js';
import { createPrivateMediaSigner } from './platform/storage/index.js';
import { DEFAULT_AVATAR_PATH } from './modules/assets/assets.routes.js';
import { modules } from './modules/index.js';
import type { AnyModule, AppContext, ModuleContext, ModuleServices } from './modules/module.js';

/** What the modules add to the platform: their migrations and their events' log subjects. */
export function moduleSchema(list: readonly AnyModule[] = modules): PlatformSchema {
  const migrations: Record<string, Migration> = {};
  const events: Partial<EventSubjects> = {};
  for (const module of list) {
    for (const [name, migration] of Object.entries(module.migrations ?? {})) {
      if (migrations[name]) throw new Error(`modules ${module.name} and another both define migration ${name}`);
      migrations[name] = migration;
    }
    Object.assign(events, module.events);
  }
  return { migrations, events };
}

/** Manifests in an order where each comes after the modules it needs; a cycle or unknown name throws. */
export function dependencyOrder(list: readonly AnyModule[]): AnyModule[] {
  const byName = new Map(list.map((m) => [m.name, m]));
  const ordered: AnyModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: AnyModule, path: string[]) => {
    if (state.get(module.name) === 'done') return;
    if (state.get(module.name) === 'visiting') {
      throw new Error(`module dependency cycle: ${[...path, module.name].join(' → ')}`);
    }
    state.set(module.name, 'visiting');
    for (const need of (module.needs ?? []) as string[]) {
      const dependency = byName.get(need);
      if (!dependency) throw new Error(`module ${module.name} needs ${need}, which is not in the module list`);
      visit(dependency, [...path, module.name]);
    }
    state.set(module.name, 'done');
    ordered.push(module);
  };
  for (const module of list) visit(module, []);
  return ordered;
}

export function createServices(platform: Platform, list: readonly AnyModule[] = modules) {
  const { config, clock } = platform;

  // Signs the links presenters hand out and verifies them at /media-private (the assets module).
  const privateMedia = createPrivateMediaSigner({
    secret: config.jwtSecret,
    publicUrl: config.publicUrl,
    now: () => clock.now(),
  });
  const present: PresenterContext = {
    time: platform.time,
    media: (stored) => mediaUrl(platform.storage, stored),
    privateMedia: (key) => privateMedia.url(key),
    avatar: (stored) => (stored ? mediaUrl(platform.storage, stored) : `${config.publicUrl}${DEFAULT_AVATAR_PATH}`),
  };
  // Socket.IO, attached to the HTTP server by buildApp.
  const realtime = createRealtime({ config, kv: platform.kv, logger: platform.logger.child({ port: 'realtime' }) });

  const context: ModuleContext = { platform, present, privateMedia, realtime };
  const built: Record<string, unknown> = {};
  for (const module of dependencyOrder(list)) {
    if (!module.create) continue;
    // `needs` was checked by dependencyOrder; each factory sees the services built before it.
    built[module.name] = module.create({ ...context, ...built });
  }
  const services = built as unknown as ModuleServices;
  const app: AppContext = { ...context, services };
  return { ...services, present, privateMedia, realtime, modules: list, context: app };
}

export type Services = ReturnType<typeof createServices>;

/** Job processors and cron schedules of every module (registering does not start them). */
export function registerJobs(services: Services): void {
  for (const module of services.modules) module.jobs?.(serviceOf(services, module), services.context);
}

export function serviceOf(services: Services, module: AnyModule): unknown {
  return (services.context.services as unknown as Record<string, unknown>)[module.name];
}
