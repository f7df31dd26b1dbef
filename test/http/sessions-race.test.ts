/**
 * A revoked session never comes back (issue #11 §7). The race: node B checks a token for the
 * first time and reads its session as live from the database; meanwhile node A signs it out and
 * caches 'revoked'; then B caches its stale 'live'. Driven here in exactly that order (node B is
 * a second session service on the same database and kv store, held between its read and its
 * write), then as a loop of real sign-outs racing first uses on two app instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createSessionRepository } from '../../src/modules/auth/session.repository.js';
import { createSessionService, STATE_CACHE_MS } from '../../src/modules/auth/session.service.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { bearer } from '../helpers/http.js';
import { buildNodes, signInOn, uniqueMobile, type Nodes } from '../helpers/nodes.js';
import { pause } from '../helpers/wait.js';

const signIn = (node: App) => signInOn(node, uniqueMobile('136'));

const sessionsOf = (node: App, token: string) =>
  node.app.inject({ url: '/app/v1_0/user/sessions', headers: bearer(token) });

/** A promise to hold a call at, and the function that lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  return { opened, open, arrived, reached };
}

describe(`a stale reader cannot bring a revoked session back (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** "Node B": the app's own services, but its database reads wait at `held` once they have their rows. */
  function staleNode(held: { session?: ReturnType<typeof gate>; user?: ReturnType<typeof gate> }) {
    const sessions = createSessionRepository(t.platform.db);
    const users = t.services.users.accounts;
    return createSessionService({
      config: t.config.auth,
      tokens: t.services.auth.tokens,
      kv: t.platform.kv,
      ids: t.platform.ids,
      clock: t.platform.clock,
      sessions: {
        ...sessions,
        async find(id) {
          const row = await sessions.find(id);
          if (held.session) {
            held.session.reached();
            await held.session.opened;
          }
          return row;
        },
      },
      users: {
        ...users,
        async access(id) {
          const row = await users.access(id);
          if (held.user) {
            held.user.reached();
            await held.user.opened;
          }
          return row;
        },
      },
    });
  }

  it('sign-out between a first check’s database read and its cache write: the session stays revoked', async () => {
    const user = await signIn(t);
    const held = gate();
    const nodeB = staleNode({ session: held });
    const check = nodeB.authenticator.authenticate(user.token);
    await held.arrived; // node B has read the session: live

    const out = await t.app.inject({ method: 'DELETE', url: '/app/v1_0/authorizations', headers: bearer(user.token) });
    expect(out.statusCode).toBe(204);
    held.open(); // node B now caches what it read
    expect((await check).ok).toBe(true); // it read before the sign-out: this one answer may pass

    expect((await sessionsOf(t, user.token)).statusCode).toBe(401);
    expect(await staleNode({}).authenticator.authenticate(user.token)).toEqual({
      ok: false,
      problem: 'session-revoked',
    });
  });

  it('a ban between a first check’s database read and its cache write: the user stays banned', async () => {
    const [admin, user] = [await signIn(t), await signIn(t)];
    await t.platform.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    const held = gate();
    const check = staleNode({ user: held }).authenticator.authenticate(user.token);
    await held.arrived; // node B has read the user: active

    const ban = await t.app.inject({
      method: 'POST',
      url: `/admin/v1_0/users/${user.id}/actions`,
      headers: bearer(admin.token),
      payload: { action: 'ban', reason: 'race' },
    });
    expect(ban.statusCode).toBe(201);
    held.open();
    await check;

    const res = await sessionsOf(t, user.token);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ message: 'User denied.', code: 'account_disabled' });
  });
});

describe(`sign-out on node A racing a first use on node B (db=${testDb}, redis=${testRedis})`, () => {
  let cluster: Nodes;
  beforeAll(async () => {
    cluster = await buildNodes(2);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('never serves a signed-out token again once the sign-out has answered (and node B’s own entry, without Redis, has expired)', async () => {
    const [a, b] = cluster.nodes as [App, App];
    // Without Redis node B's memory entry, read before the sign-out, may live STATE_CACHE_MS.
    const settle = testRedis ? 0 : STATE_CACHE_MS.memory;
    const rounds = testRedis ? 60 : 20;
    const resurrected: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const { token } = await signIn(a);
      const [first, out] = await Promise.all([
        sessionsOf(b, token),
        a.app.inject({ method: 'DELETE', url: '/app/v1_0/authorizations', headers: bearer(token) }),
      ]);
      expect([200, 401]).toContain(first.statusCode);
      expect(out.statusCode).toBe(204);
      if (settle > 0) await pause(settle);
      const later = await Promise.all([sessionsOf(b, token), sessionsOf(a, token), sessionsOf(b, token)]);
      if (later.some((res) => res.statusCode !== 401)) resurrected.push(round);
    }
    expect(resurrected).toEqual([]);
  }, 180_000);
});
