/**
 * Access as route metadata (`config.access.roles`, beside `config.auth`): one hook answers 403
 * `role_required` to signed-in users without the role, before the body is even validated; a route
 * that declares roles without an authenticated auth mode (or a contract route with no auth mode
 * at all) stops the boot. The role is read on every request, so a demotion holds at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { account, bearer } from '../mp/helpers.js';

/** Builds the real app with one route planted; the error its registration throws, if any. */
async function bootWith(plant: (app: FastifyInstance) => void): Promise<Error | undefined> {
  let failure: Error | undefined;
  const t = await buildTestApp({}, (app) => {
    try {
      plant(app);
    } catch (error) {
      failure = error as Error;
    }
  });
  await t.close();
  return failure;
}

describe(`access metadata (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  let plain: Awaited<ReturnType<typeof account>>;
  let moderator: Awaited<ReturnType<typeof account>>;
  let admin: Awaited<ReturnType<typeof account>>;

  beforeAll(async () => {
    t = await buildTestApp();
    plain = await account(t, 'app');
    moderator = await account(t, 'app', { role: 'moderator' });
    admin = await account(t, 'app', { role: 'admin' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const publish = (token: string, payload: Record<string, unknown> = { title: 'Maintenance', content: 'Tonight.' }) =>
    t.app.inject({ method: 'POST', url: '/admin/v1_0/announcements', headers: bearer(token), payload });

  it('answers 403 role_required, named after the least role the route admits', async () => {
    const queue = await t.app.inject({ url: '/admin/v1_0/articles', headers: bearer(plain.token) });
    expect(queue.statusCode).toBe(403);
    expect(queue.json()).toEqual({ message: 'Moderator only.', code: 'role_required' });

    const byModerator = await publish(moderator.token);
    expect(byModerator.statusCode).toBe(403);
    expect(byModerator.json()).toEqual({ message: 'Admin only.', code: 'role_required' });
    expect((await publish(admin.token)).statusCode).toBe(201);
    expect((await t.app.inject({ url: '/admin/v1_0/articles', headers: bearer(moderator.token) })).statusCode).toBe(
      200,
    );
  });

  it('checks the role before the body: no validation details for callers without it', async () => {
    const res = await publish(plain.token, { title: 42 });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('role_required');
    expect((await publish(admin.token, { title: 42 })).json().code).toBe('invalid_field');
  });

  it('still answers 401 first to anonymous callers', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1_0/announcements', payload: {} });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ message: 'User must be authorized.', code: 'unauthorized' });
  });

  it('reads the role on every request: a demotion holds at once', async () => {
    const staff = await account(t, 'app', { role: 'admin' });
    expect((await publish(staff.token)).statusCode).toBe(201);
    await t.platform.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', staff.id).execute();
    expect((await publish(staff.token)).json()).toEqual({ message: 'Admin only.', code: 'role_required' });
  });

  it('stops the boot when a route declares roles on a public or optional route', async () => {
    for (const auth of ['public', 'optional'] as const) {
      const failure = await bootWith((app) =>
        app.get('/app/v1_0/planted', { config: { auth, access: { roles: ['admin'] } } }, async () => ({})),
      );
      expect(failure?.message).toBe(
        `GET /app/v1_0/planted declares access.roles but its auth mode is ${auth}: use required or mp`,
      );
    }
    const outside = await bootWith((app) =>
      app.get('/planted', { config: { access: { roles: ['moderator'] } } }, async () => ({})),
    );
    expect(outside?.message).toMatch(/declares access.roles but its auth mode is public/);
    const empty = await bootWith((app) =>
      app.get('/app/v1_0/planted', { config: { auth: 'required', access: { roles: [] } } }, async () => ({})),
    );
    expect(empty?.message).toMatch(/without any role/);
  });

  it('stops the boot when a contract route has no auth mode', async () => {
    const failure = await bootWith((app) => app.get('/mp/v1_0/planted', async () => ({})));
    expect(failure?.message).toBe('GET /mp/v1_0/planted must declare config.auth (public, optional, required or mp)');
  });

  it('boots with roles on required and mp routes', async () => {
    for (const auth of ['required', 'mp'] as const) {
      expect(
        await bootWith((app) =>
          app.get('/app/v1_0/planted', { config: { auth, access: { roles: ['admin'] } } }, async () => ({})),
        ),
      ).toBeUndefined();
    }
  });
});
