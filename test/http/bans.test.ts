/**
 * Account moderation (issue #11 §7): staff ban and unban users, withdraw and grant an author's
 * verification; the change is logged and reaches the user's existing tokens at once, on every
 * node: on the node that acted, on another node sharing the database (and Redis, in the +redis
 * combinations; without Redis each node has its own memory store, as `serve --workers N`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { STATE_CACHE_MS } from '../../src/modules/auth/session.service.js';
import { buildTestApp, testDb, testRedis } from '../helpers/app.js';
import { bearer, randomIp } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';
import { buildNodes, signInOn, uniqueMobile, type Nodes } from '../helpers/nodes.js';
import { pause, until } from '../helpers/wait.js';

const newMobile = () => uniqueMobile('135');

/** The HTTP calls these tests make, against one node. */
function client(node: App) {
  const signIn = async (mobile = newMobile(), path = '/app/v1_0/authorizations') =>
    node.app.inject({ method: 'POST', remoteAddress: randomIp(), url: path, payload: { mobile, code: '246810' } });
  return {
    signIn,
    async account(role?: 'moderator' | 'admin') {
      const account = await signInOn(node, newMobile());
      if (role) await node.platform.db.updateTable('users').set({ role }).where('id', '=', account.id).execute();
      return account;
    },
    sessions: (token: string) => node.app.inject({ url: '/app/v1_0/user/sessions', headers: bearer(token) }),
    refresh: (token: string, path = '/app/v1_0/authorizations') =>
      node.app.inject({ method: 'PUT', url: path, headers: bearer(token) }),
    act: (staffToken: string, target: bigint | string, action: string, reason?: string) =>
      node.app.inject({
        method: 'POST',
        url: `/admin/v1_0/users/${target}/actions`,
        headers: bearer(staffToken),
        payload: reason === undefined ? { action } : { action, reason },
      }),
    detail: (staffToken: string, target: bigint) =>
      node.app.inject({ url: `/admin/v1_0/users/${target}`, headers: bearer(staffToken) }),
  };
}

describe(`bans and verification through the admin API (db=${testDb}, redis=${testRedis})`, () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await buildTestApp();
    http = client(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a ban stops the old access and refresh tokens and sign-in at once; unban restores sign-in; both are logged', async () => {
    const moderator = await http.account('moderator');
    const user = await http.account();
    expect((await http.sessions(user.token)).statusCode).toBe(200);

    const ban = await http.act(moderator.token, user.id, 'ban', '  spam  ');
    expect(ban.statusCode).toBe(201);
    const banned = parseBody(ban.body).data;
    expect(banned).toMatchObject({
      user_id: Number(user.id),
      action: 'ban',
      reason: 'spam',
      revoked_sessions: 1,
      user: { id: Number(user.id), status: 0 },
    });

    const access = await http.sessions(user.token);
    expect(access.statusCode).toBe(403);
    expect(access.json()).toEqual({ message: 'User denied.', code: 'account_disabled' });
    const refreshed = await http.refresh(user.refresh_token);
    expect(refreshed.statusCode).toBe(403);
    expect(refreshed.json()).toEqual({ message: 'User denied.', code: 'account_disabled' });
    const again = await http.signIn(user.mobile);
    expect(again.statusCode).toBe(403);
    expect(again.json()).toEqual({ message: 'Invalid user.', code: 'account_disabled' });

    expect((await http.act(moderator.token, user.id, 'ban', 'twice')).statusCode).toBe(409);
    const unban = await http.act(moderator.token, user.id, 'unban');
    expect(unban.statusCode).toBe(201);
    expect(parseBody(unban.body).data).toMatchObject({
      action: 'unban',
      reason: null,
      revoked_sessions: 0,
      user: { status: 1 },
    });

    const back = await http.signIn(user.mobile);
    expect(back.statusCode).toBe(201);
    expect((await http.sessions(back.json().data.token)).statusCode).toBe(200);
    // The ban signed the user out everywhere: the tokens from before it stay dead.
    expect((await http.sessions(user.token)).statusCode).toBe(401);
    expect((await http.refresh(user.refresh_token)).statusCode).toBe(403);

    const detail = await http.detail(moderator.token, user.id);
    expect(detail.statusCode).toBe(200);
    const history = parseBody(detail.body).data;
    expect(history).toMatchObject({ id: Number(user.id), status: 1, verified: false, role: 'user' });
    expect(
      history.actions.map((a: { action: string; reason: string | null; moderator_id: number }) => [
        a.action,
        a.reason,
        a.moderator_id,
      ]),
    ).toEqual([
      ['unban', null, Number(moderator.id)],
      ['ban', 'spam', Number(moderator.id)],
    ]);
    expect(history.actions[0].created_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('un-verifying an author ends their media-platform access and sign-in; verify restores sign-in', async () => {
    const admin = await http.account('admin');
    const author = await http.account();
    await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', author.id).execute();
    await t.services.auth.sessions.userChanged(author.id);
    const mp = await http.signIn(author.mobile, '/mp/v1_0/authorizations');
    expect(mp.statusCode).toBe(201);
    const mpToken = mp.json().data.token as string;
    const profile = () => t.app.inject({ url: '/mp/v1_0/user/profile', headers: bearer(mpToken) });
    expect((await profile()).statusCode).toBe(200);

    expect((await http.act(admin.token, author.id, 'unverify')).json()).toEqual({
      message: { reason: 'is required to unverify a user' },
      code: 'invalid_field',
    });
    const res = await http.act(admin.token, author.id, 'unverify', 'fake ID card');
    expect(res.statusCode).toBe(201);
    expect(parseBody(res.body).data).toMatchObject({
      action: 'unverify',
      revoked_sessions: 1,
      user: { verified: false, status: 1 },
    });

    expect((await profile()).statusCode).toBe(401);
    expect((await http.refresh(mp.json().data.refresh_token, '/mp/v1_0/authorizations')).statusCode).toBe(403);
    const refused = await http.signIn(author.mobile, '/mp/v1_0/authorizations');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      message: 'Please verify your real information in app.',
      code: 'verification_required',
    });
    // The app account is untouched.
    expect((await http.sessions(author.token)).statusCode).toBe(200);

    expect((await http.act(admin.token, author.id, 'verify')).statusCode).toBe(201);
    expect((await http.signIn(author.mobile, '/mp/v1_0/authorizations')).statusCode).toBe(201);
  });

  it('lets moderators act on users, admins on moderators too, nobody on admins or themselves', async () => {
    const [admin, moderator, other, user] = [
      await http.account('admin'),
      await http.account('moderator'),
      await http.account('moderator'),
      await http.account(),
    ];

    const byUser = await http.act(user.token, other.id, 'ban', 'x');
    expect(byUser.statusCode).toBe(403);
    expect(byUser.json()).toEqual({ message: 'Moderator only.', code: 'role_required' });
    expect((await http.detail(user.token, other.id)).statusCode).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/admin/v1_0/users/${user.id}/actions`,
          payload: { action: 'ban', reason: 'x' },
        })
      ).statusCode,
    ).toBe(401);

    for (const [actor, target] of [
      [moderator, other],
      [moderator, admin],
      [admin, admin],
      [moderator, moderator],
    ] as const) {
      const res = await http.act(actor.token, target.id, 'ban', 'x');
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: 'Action not allowed on this user.', code: 'forbidden' });
    }
    expect((await http.act(admin.token, other.id, 'ban', 'abuse of power')).statusCode).toBe(201);
    expect((await http.sessions(other.token)).statusCode).toBe(403);
  });

  it('rejects bad input with a 400 naming the field, and unknown users with 404', async () => {
    const moderator = await http.account('moderator');
    const user = await http.account();
    const cases: [string | bigint, Record<string, unknown>, string][] = [
      [user.id, { action: 'delete' }, 'action'],
      [user.id, {}, 'action'],
      [user.id, { action: 'ban' }, 'reason'],
      [user.id, { action: 'ban', reason: '   ' }, 'reason'],
      [user.id, { action: 'ban', reason: 'x'.repeat(256) }, 'reason'],
      ['1e400', { action: 'ban', reason: 'x' }, 'target'],
    ];
    for (const [target, payload, field] of cases) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/admin/v1_0/users/${target}/actions`,
        headers: bearer(moderator.token),
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(JSON.stringify(res.json().message)).toContain(field);
    }
    const unknown = await http.act(moderator.token, '999999999999', 'ban', 'x');
    expect(unknown.statusCode).toBe(404);
    expect((await http.detail(moderator.token, 999999999999n)).statusCode).toBe(404);
    expect((await http.sessions(user.token)).statusCode).toBe(200);
  });

  it('documents the routes in OpenAPI under the admin tag', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(spec.paths['/admin/v1_0/users/{target}/actions'].post.tags).toEqual(['admin']);
    expect(spec.paths['/admin/v1_0/users/{target}'].get.tags).toEqual(['admin']);
  });
});

describe(`a ban reaches every node within 1 s (db=${testDb}, redis=${testRedis})`, () => {
  let cluster: Nodes;
  let a: ReturnType<typeof client>;
  let b: ReturnType<typeof client>;

  beforeAll(async () => {
    cluster = await buildNodes(2);
    a = client(cluster.nodes[0]!);
    b = client(cluster.nodes[1]!);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('bans on node A; node B refuses the old tokens and sign-in within 1 s; unban on A lets B sign the user in', async () => {
    const moderator = await a.account('moderator');
    const user = await a.account();
    // Node B has checked (and cached) the user as active just before the ban.
    expect((await b.sessions(user.token)).statusCode).toBe(200);

    expect((await a.act(moderator.token, user.id, 'ban', 'spam')).statusCode).toBe(201);
    const bannedAt = performance.now();
    // Send to node B every 25 ms for a second without waiting for answers, so a slow answer under
    // load cannot hide when each request was sent: every request sent once node B's cached entry
    // must have expired is refused, whatever its latency.
    const probes: Promise<{ sent: number; status: number }>[] = [];
    while (performance.now() - bannedAt < 1000) {
      const sent = performance.now() - bannedAt;
      probes.push(b.sessions(user.token).then((res) => ({ sent, status: res.statusCode })));
      await pause(25);
    }
    const answers = await Promise.all(probes);
    expect(answers.filter((p) => p.status !== 200 && p.status !== 403)).toEqual([]);
    const firstRefused = answers.find((p) => p.status === 403)?.sent;
    console.info(
      `[bans] node B: first refused request sent ${firstRefused?.toFixed(0)} ms after the ban; ${answers.filter((p) => p.status === 200).length}/${answers.length} still served (redis=${testRedis})`,
    );
    // Node B's entry was read before the ban: with Redis the ban overwrote it, in memory it expires within STATE_CACHE_MS.
    const bound = testRedis ? 0 : STATE_CACHE_MS.memory;
    expect(answers.filter((p) => p.sent >= bound).every((p) => p.status === 403)).toBe(true);
    expect((await b.sessions(user.token)).statusCode).toBe(403);
    expect((await b.refresh(user.refresh_token)).json()).toEqual({ message: 'User denied.', code: 'account_disabled' });
    expect((await b.signIn(user.mobile)).statusCode).toBe(403);

    expect((await a.act(moderator.token, user.id, 'unban')).statusCode).toBe(201);
    const back = await b.signIn(user.mobile);
    expect(back.statusCode).toBe(201);
    const fresh = back.json().data.token as string;
    await until('node B lets the unbanned user in', async () => (await b.sessions(fresh)).statusCode === 200, {
      timeoutMs: 1000,
      intervalMs: 20,
    });
    expect((await a.sessions(fresh)).statusCode).toBe(200);
  });
});
