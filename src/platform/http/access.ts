/**
 * Access as route metadata, beside the auth mode: `config: { auth: 'required', access: { roles:
 * ['moderator', 'admin'] } }`. One hook per such route checks the signed-in user's role after the
 * auth hook has identified them; a route that declares roles without an authenticated mode fails
 * the boot. The role is read from the database on every request (through the authenticator, never
 * from the token), so a promotion or a demotion takes effect at once.
 *
 * Rules that depend on the data (the author of this article, the owner of this comment) stay in
 * the services and go through `assertOwner`, so every such refusal has the same code.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { currentUser, type AuthMode, type Authenticator } from './auth.js';
import { forbidden } from './errors.js';

/** Staff roles, least privileged first (`users.role`). */
export const ROLES = ['user', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface RouteAccess {
  /** The signed-in user's role must be one of these. */
  roles: readonly Role[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The user's role, on routes that declare `access.roles` (checked by the access hook). */
    role?: Role;
  }
}

const AUTHENTICATED: ReadonlySet<AuthMode> = new Set(['required', 'mp']);

/** `Moderator only.` / `Admin only.`: named after the least privileged role the route admits. */
export function roleMessage(roles: readonly Role[]): string {
  const lowest = ROLES.find((role) => roles.includes(role)) ?? 'admin';
  return `${lowest[0]!.toUpperCase()}${lowest.slice(1)} only.`;
}

/** For route descriptions: who may call, and what the others get. */
export function describeAccess(access: RouteAccess): string {
  const roles = access.roles.join(' or ');
  return `Signed-in users whose role is ${roles}; others get 403 {"message":"${roleMessage(access.roles)}","code":"role_required"}.`;
}

function routeName(route: RouteOptions): string {
  return `${String(route.method)} ${route.url}`;
}

/** Called by `registerAuth`: access needs the user that authentication found. */
export function registerAccess(app: FastifyInstance, authenticator: Pick<Authenticator, 'roleOf'>): void {
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined) return;
    const mode = route.config?.auth ?? 'public';
    if (!AUTHENTICATED.has(mode)) {
      throw new Error(`${routeName(route)} declares access.roles but its auth mode is ${mode}: use required or mp`);
    }
    if (access.roles.length === 0) throw new Error(`${routeName(route)} declares access.roles without any role`);
    const roles = [...access.roles];
    const message = roleMessage(roles);
    const check = async (request: FastifyRequest): Promise<void> => {
      const role = await authenticator.roleOf(currentUser(request));
      if (role === undefined || !roles.includes(role)) throw forbidden(message, 'role_required');
      request.role = role;
    };
    // Route hooks run after the app's: the auth hook has set the user by now.
    const own =
      route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...own, check] as RouteOptions['onRequest'];
  });
}

/** The role the access hook checked; only on routes that declare `access.roles`. */
export function currentRole(request: FastifyRequest): Role {
  if (request.role === undefined) throw new Error(`${request.routeOptions.url} reads the role without access.roles`);
  return request.role;
}

export const NOT_OWNER = 'User does not have permission.';

/** Rows that belong to a user (`user_id`: the article's author, the image's owner…). */
export interface Owned {
  user_id: bigint;
}

/**
 * For rules on data: `resource` must belong to `userId`; a missing resource counts as someone
 * else's. 403 `not_owner`, with the contract's message unless the caller's contract says otherwise.
 */
export function assertOwner<T extends Owned>(
  resource: T | null | undefined,
  userId: bigint,
  message = NOT_OWNER,
): asserts resource is T {
  if (!resource || resource.user_id !== userId) throw forbidden(message, 'not_owner');
}
