/**
 * What a feature module hands to the composition root: one manifest per folder (`<name>.module.ts`),
 * listed once in ./index.ts. The root builds the services in dependency order (`needs`), then
 * registers every module's routes, jobs, schedules, event subscriptions and lifecycle hooks, so adding
 * a feature adds a folder and one line, and no shared file learns its internals.
 *
 * A module's public surface is its service, typed in `ModuleServices` by declaration merging from the
 * module's own manifest file. Other modules reach it only through that entry (and through exported
 * types), never through its repository or tables.
 */
import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely';
import type { EventName, EventSubjects } from '../platform/events/events.js';
import type { Platform } from '../platform/platform.js';
import type { PresenterContext } from '../platform/presenter.js';
import type { Realtime } from '../platform/realtime/index.js';
import type { PrivateMediaSigner } from '../platform/storage/index.js';

/** Every module's service by module name; each `<name>.module.ts` adds its own entry. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ModuleServices {}

export type ModuleName = keyof ModuleServices;

/** What every module may use besides other modules' services: the platform and app-wide helpers. */
export interface ModuleContext {
  platform: Platform;
  /** Turns stored paths and times into the contract's URLs and strings. */
  present: PresenterContext;
  /** Signs links to private media (ID-card images), verified at /media-private. */
  privateMedia: PrivateMediaSigner;
  /** Socket.IO: presence, pushes to users and rooms (attached to the HTTP server by the root). */
  realtime: Realtime;
}

/** The service of module `N`; modules without a service (routes only) have `void`. */
export type ServiceOf<N extends string> = N extends ModuleName ? ModuleServices[N] : void;

export interface ModuleManifest<N extends string = string, D extends ModuleName = never> {
  name: N;
  /** Modules whose services `create` takes; built first. A cycle or an unknown name fails the boot. */
  needs?: readonly D[];
  /** Migrations this module owns, by their global name (`NNNN-what`); run in name order with all others. */
  migrations?: Record<string, Migration>;
  /** The log subject of each domain event this module publishes (see platform/events). */
  events?: Partial<EventSubjects>;
  create?(ctx: ModuleContext & Pick<ModuleServices, D>): ServiceOf<N>;
  /** Routes, registered in the order of ./index.ts after every service exists. */
  routes?(app: FastifyInstance, service: ServiceOf<N>, ctx: AppContext): void | Promise<void>;
  /** Job processors (registered, not started) and cron schedules: in `serve` and `inkstone worker`. */
  jobs?(service: ServiceOf<N>, ctx: AppContext): void;
  /** Event subscriptions while the app runs; each returns its unsubscribe. */
  subscribe?(service: ServiceOf<N>, ctx: AppContext): (() => void)[];
  /** Runs once the app is ready (e.g. queue background catch-up). */
  onReady?(service: ServiceOf<N>, ctx: AppContext): void | Promise<void>;
  /** Runs while the app closes, before the platform does (newest module first). */
  onClose?(service: ServiceOf<N>, ctx: AppContext): void | Promise<void>;
}

/** The context after composition: every module's service is available (routes, jobs, hooks). */
export interface AppContext extends ModuleContext {
  services: ModuleServices;
}

/** Identity, for inference: `export const feedModule = defineModule({ name: 'feed', needs: ['articles'], … })`. */
export function defineModule<N extends string, D extends ModuleName = never>(
  manifest: ModuleManifest<N, D>,
): ModuleManifest<N, D> {
  return manifest;
}

/** A manifest as the root sees it, walking the list without knowing each one's types. */
/* eslint-disable @typescript-eslint/no-explicit-any -- the root only passes each module what it declared */
export interface AnyModule {
  name: string;
  needs?: readonly string[];
  migrations?: Record<string, Migration>;
  events?: Partial<EventSubjects>;
  create?(ctx: any): unknown;
  routes?(app: FastifyInstance, service: any, ctx: AppContext): void | Promise<void>;
  jobs?(service: any, ctx: AppContext): void;
  subscribe?(service: any, ctx: AppContext): (() => void)[];
  onReady?(service: any, ctx: AppContext): void | Promise<void>;
  onClose?(service: any, ctx: AppContext): void | Promise<void>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Event names a list of manifests declares subjects for (the root checks the list covers every event). */
export type DeclaredEvents<M extends readonly AnyModule[]> = {
  [K in keyof M]: M[K] extends { events?: infer E } ? keyof NonNullable<E> : never;
}[number] &
  EventName;
