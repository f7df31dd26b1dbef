/**
 * kv counters flushed to the database, on the real app (TEST_DB picks the database, TEST_REDIS the
 * kv store): overlay = column + unflushed delta, flush moves deltas into the columns exactly once,
 * concurrent increments are exact, results clamp at 0, only known columns ever reach SQL, and an
 * increment that lands during a flush is kept for the next one.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  RootOperationNode,
  QueryResult,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createCounterService,
  type CounterChange,
  type CounterEntity,
} from '../../src/modules/counters/counter.service.js';
import type { KeyValueStore } from '../../src/platform/kv/kv.js';
import { buildTestApp, testDb, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { ArticleStatus } from '../../src/modules/articles/article.read-model.js';
import { inkstone } from '../helpers/server-entry.js';
import { pause } from '../helpers/wait.js';

/** Records the columns every UPDATE sets, to prove what reaches SQL. */
class UpdateRecorder implements KyselyPlugin {
  readonly updates: { table: string; columns: string[] }[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as any;
    if (node.kind === 'UpdateQueryNode') {
      const table = node.table?.table?.identifier?.name ?? node.table?.table?.table?.identifier?.name ?? '?';
      const columns = (node.updates ?? []).map((u: any) => u.column?.column?.name ?? '?');
      this.updates.push({ table, columns });
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  // Nothing pending from a previous test.
  await t.services.counters.flush();
});

async function article() {
  const user = await newUser(t.platform);
  const channel = await newChannel(t.platform);
  return { user, channel, article: await newArticle(t.platform, { user_id: user.id, channel_id: channel.id }) };
}

async function articleCounts(id: bigint) {
  return t.platform.db
    .selectFrom('articles')
    .select(['id', 'share_count', 'read_count', 'like_count', 'comment_count', 'title'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function userCounts(id: bigint) {
  return t.platform.db
    .selectFrom('users')
    .select(['id', 'read_count', 'follow_count', 'fans_count'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('counters', () => {
  it('overlay shows base + delta; flush writes the columns and clears the deltas', async () => {
    const { article: a, user } = await article();
    await t.platform.db.updateTable('articles').set({ share_count: 5 }).where('id', '=', a.id).execute();
    const counters = t.services.counters;

    await counters.add([
      { entity: 'article', id: a.id, field: 'share_count', by: 3 },
      { entity: 'article', id: a.id, field: 'read_count', by: 2 },
      { entity: 'user', id: user.id, field: 'read_count', by: 1 },
      { entity: 'article', id: a.id, field: 'share_count', by: 0 },
    ]);
    const before = await articleCounts(a.id);
    expect(before).toMatchObject({ share_count: 5, read_count: 0 });
    const [overlaid] = await counters.overlay('article', [before], ['share_count', 'read_count']);
    expect(overlaid).toMatchObject({ share_count: 8, read_count: 2 });
    // The input row is not mutated.
    expect(before.share_count).toBe(5);
    const [u] = await counters.overlay('user', [await userCounts(user.id)], ['read_count', 'follow_count']);
    expect(u).toMatchObject({ read_count: 1, follow_count: 0 });

    expect(await counters.flush()).toBe(3);
    const after = await articleCounts(a.id);
    expect(after).toMatchObject({ share_count: 8, read_count: 2 });
    expect(await userCounts(user.id)).toMatchObject({ read_count: 1 });
    expect(await t.platform.kv.get(`cnt:article:${a.id}:share_count`)).toBeNull();
    expect(await t.platform.kv.zcard('cnt:dirty')).toBe(0);
    // Nothing pending: overlay returns the rows as they are, and a second flush writes nothing.
    const rows = [after];
    expect(await counters.overlay('article', rows, ['share_count'])).toBe(rows);
    expect(await counters.flush()).toBe(0);
    expect(await articleCounts(a.id)).toMatchObject({ share_count: 8, read_count: 2 });
  });

  it('overlay works on many rows and leaves rows without deltas untouched', async () => {
    const one = await article();
    const two = await article();
    await t.services.counters.add([{ entity: 'article', id: two.article.id, field: 'share_count', by: 4 }]);
    const rows = [await articleCounts(one.article.id), await articleCounts(two.article.id)];
    const out = await t.services.counters.overlay('article', rows, ['share_count']);
    expect(out[0]).toBe(rows[0]);
    expect(out[1]).toMatchObject({ id: two.article.id, share_count: 4 });
    expect(await t.services.counters.overlay('article', [], ['share_count'])).toEqual([]);
  });

  it('200 concurrent +1 are exact', async () => {
    const { article: a } = await article();
    const change: CounterChange = { entity: 'article', id: a.id, field: 'read_count', by: 1 };
    await Promise.all(Array.from({ length: 200 }, () => t.services.counters.add([change])));
    const [row] = await t.services.counters.overlay('article', [await articleCounts(a.id)], ['read_count']);
    expect(row!.read_count).toBe(200);
    await t.services.counters.flush();
    expect((await articleCounts(a.id)).read_count).toBe(200);
  });

  it('a negative result clamps at 0, in the overlay and in the column', async () => {
    const { article: a } = await article();
    await t.platform.db.updateTable('articles').set({ share_count: 2, read_count: 3 }).where('id', '=', a.id).execute();
    await t.services.counters.add([
      { entity: 'article', id: a.id, field: 'share_count', by: -5 },
      { entity: 'article', id: a.id, field: 'read_count', by: -1 },
    ]);
    const [row] = await t.services.counters.overlay(
      'article',
      [await articleCounts(a.id)],
      ['share_count', 'read_count'],
    );
    expect(row).toMatchObject({ share_count: 0, read_count: 2 });
    await t.services.counters.flush();
    expect(await articleCounts(a.id)).toMatchObject({ share_count: 0, read_count: 2 });
  });

  it('rejects unknown entities, fields and non-integer steps before touching anything', async () => {
    const { article: a } = await article();
    const bad: unknown[] = [
      { entity: 'article', id: a.id, field: 'title', by: 1 },
      { entity: 'article', id: a.id, field: 'share_count; DROP TABLE articles', by: 1 },
      { entity: 'articles', id: a.id, field: 'share_count', by: 1 },
      { entity: 'constructor', id: a.id, field: 'share_count', by: 1 },
      { entity: '__proto__', id: a.id, field: 'share_count', by: 1 },
      { entity: 'comment', id: a.id, field: 'read_count', by: 1 },
      { entity: 'article', id: a.id, field: 'share_count', by: 1.5 },
    ];
    for (const change of bad) {
      await expect(
        t.services.counters.add([
          { entity: 'article', id: a.id, field: 'share_count', by: 1 },
          change as CounterChange,
        ]),
      ).rejects.toThrow(TypeError);
    }
    // All or nothing: the valid change in each rejected batch was not applied either.
    expect(await t.platform.kv.get(`cnt:article:${a.id}:share_count`)).toBeNull();
    expect(await t.platform.kv.zcard('cnt:dirty')).toBe(0);
  });

  it('keys of unknown counters already in the store never reach SQL and are dropped', async () => {
    const { article: a } = await article();
    const recorder = new UpdateRecorder();
    const counters = createCounterService({
      kv: t.platform.kv,
      db: t.platform.db.withPlugin(recorder),
      now: Date.now,
      newId: t.platform.ids.content,
    });
    const junk = [
      `cnt:article:${a.id}:title`,
      `cnt:constructor:${a.id}:share_count`,
      `cnt:__proto__:${a.id}:share_count`,
      `cnt:toString:${a.id}:share_count`,
      `cnt:article:1 OR 1=1:share_count`,
      `cnt:users:${a.id}:read_count`,
      `cnt:article`,
    ];
    for (const key of junk) {
      await t.platform.kv.incr(key, 7);
      await t.platform.kv.zadd('cnt:dirty', [{ member: key, score: Date.now() }]);
    }
    await counters.add([{ entity: 'article', id: a.id, field: 'share_count', by: 1 }]);

    expect(await counters.flush()).toBe(1);
    expect(recorder.updates).toEqual([{ table: 'articles', columns: ['share_count'] }]);
    const row = await articleCounts(a.id);
    expect(row.share_count).toBe(1);
    expect(row.title).toBe(a.title);
    for (const key of junk) expect(await t.platform.kv.get(key)).toBeNull();
    expect(await t.platform.kv.zcard('cnt:dirty')).toBe(0);
  });

  it('a flush writes a batch with one UPDATE per counter column, each row its own step, clamped at 0', async () => {
    const rows = await Promise.all([article(), article(), article()]);
    const recorder = new UpdateRecorder();
    const counters = createCounterService({
      kv: t.platform.kv,
      db: t.platform.db.withPlugin(recorder),
      now: Date.now,
      newId: t.platform.ids.content,
    });
    await counters.add(
      rows.flatMap(({ article: a, user }, i) => [
        { entity: 'article' as const, id: a.id, field: 'read_count' as const, by: i + 1 },
        { entity: 'article' as const, id: a.id, field: 'share_count' as const, by: i === 2 ? -5 : 10 * (i + 1) },
        { entity: 'user' as const, id: user.id, field: 'read_count' as const, by: 100 * (i + 1) },
      ]),
    );

    expect(await counters.flush()).toBe(9);
    expect(recorder.updates.map((u) => `${u.table}.${u.columns.join(',')}`).sort()).toEqual([
      'articles.read_count',
      'articles.share_count',
      'users.read_count',
    ]);
    for (const [i, { article: a, user }] of rows.entries()) {
      const counts = await articleCounts(a.id);
      expect([counts.read_count, counts.share_count]).toEqual([i + 1, i === 2 ? 0 : 10 * (i + 1)]);
      expect((await userCounts(user.id)).read_count).toBe(100 * (i + 1));
    }
    expect(await t.platform.kv.zcard('cnt:dirty')).toBe(0);
  });

  it('onChanged listeners get the ids written, per entity', async () => {
    const one = await article();
    const two = await article();
    const calls: [CounterEntity, bigint[]][] = [];
    const counters = createCounterService({
      kv: t.platform.kv,
      db: t.platform.db,
      now: Date.now,
      newId: t.platform.ids.content,
    });
    counters.onChanged((entity, ids) => void calls.push([entity, [...ids].sort((x, y) => (x < y ? -1 : 1))]));
    await counters.add([
      { entity: 'article', id: one.article.id, field: 'share_count', by: 1 },
      { entity: 'article', id: one.article.id, field: 'read_count', by: 1 },
      { entity: 'article', id: two.article.id, field: 'share_count', by: 2 },
      { entity: 'user', id: one.user.id, field: 'read_count', by: 1 },
    ]);
    await counters.flush();
    const sorted = [one.article.id, two.article.id].sort((x, y) => (x < y ? -1 : 1));
    expect(calls.sort((x, y) => x[0].localeCompare(y[0]))).toEqual([
      ['article', sorted],
      ['user', [one.user.id]],
    ]);
    calls.length = 0;
    await counters.flush();
    expect(calls).toEqual([]);
  });

  it('onChanged with fields hears only of rows where one of those counters moved', async () => {
    const read = await article();
    const liked = await article();
    const heard: bigint[][] = [];
    const counters = createCounterService({
      kv: t.platform.kv,
      db: t.platform.db,
      now: Date.now,
      newId: t.platform.ids.content,
    });
    counters.onChanged((_entity, ids) => void heard.push(ids), { fields: ['share_count'] });
    await counters.add([
      { entity: 'article', id: read.article.id, field: 'read_count', by: 3 },
      { entity: 'article', id: liked.article.id, field: 'read_count', by: 1 },
      { entity: 'article', id: liked.article.id, field: 'share_count', by: 1 },
    ]);
    expect(await counters.flush()).toBe(3);
    expect(heard).toEqual([[liked.article.id]]);
  });

  it('an increment that lands during a flush is not lost', async () => {
    const { article: a } = await article();
    const counters = t.services.counters;
    const like: CounterChange = { entity: 'article', id: a.id, field: 'share_count', by: 1 };
    await counters.add([like]);
    const flushing = counters.flush();
    await counters.add([like]);
    await flushing;
    await counters.flush();
    expect((await articleCounts(a.id)).share_count).toBe(2);
  });

  it('a flush writes the counters waiting when it began; one dirtied meanwhile waits for the next flush', async () => {
    const [first, later] = [await article(), await article()];
    const base = t.platform.kv;
    const kv = Object.create(base) as KeyValueStore;
    let fired = false;
    kv.take = async (key) => {
      if (!fired) {
        fired = true;
        await t.services.counters.add([{ entity: 'article', id: later.article.id, field: 'share_count', by: 2 }]);
      }
      return base.take(key);
    };
    const counters = createCounterService({ kv, db: t.platform.db, now: Date.now, newId: t.platform.ids.content });
    await counters.add([{ entity: 'article', id: first.article.id, field: 'share_count', by: 1 }]);

    expect(await counters.flush()).toBe(1);
    expect((await articleCounts(first.article.id)).share_count).toBe(1);
    expect((await articleCounts(later.article.id)).share_count).toBe(0);
    expect(await base.zcard('cnt:dirty')).toBe(1);
    expect(await counters.flush()).toBe(1);
    expect((await articleCounts(later.article.id)).share_count).toBe(2);
  });

  it('increments racing a flush at every step are each written exactly once', async () => {
    const { article: a } = await article();
    const key = `cnt:article:${a.id}:share_count`;
    const like: CounterChange = { entity: 'article', id: a.id, field: 'share_count', by: 1 };
    // A kv store that lets a second writer add +1 at a chosen step of the flush.
    const racingKv = (step: 'zrem' | 'take-before' | 'take-after'): KeyValueStore => {
      const kv = Object.create(t.platform.kv) as KeyValueStore;
      const base = t.platform.kv;
      let fired = false;
      const once = async () => {
        if (fired) return;
        fired = true;
        await t.services.counters.add([like]);
      };
      kv.zrem = async (k, ...members) => {
        if (step === 'zrem') await once();
        return base.zrem(k, ...members);
      };
      kv.take = async (k) => {
        if (step === 'take-before' && k === key) await once();
        const value = await base.take(k);
        if (step === 'take-after' && k === key) await once();
        return value;
      };
      return kv;
    };
    let expected = 0;
    for (const step of ['zrem', 'take-before', 'take-after'] as const) {
      const counters = createCounterService({
        kv: racingKv(step),
        db: t.platform.db,
        now: Date.now,
        newId: t.platform.ids.content,
      });
      await counters.add([like]);
      await counters.flush();
      await t.services.counters.flush();
      expected += 2;
      expect((await articleCounts(a.id)).share_count, step).toBe(expected);
    }
  });

  it('hundreds of increments racing repeated flushes add up exactly', async () => {
    const { article: a } = await article();
    const like: CounterChange = { entity: 'article', id: a.id, field: 'share_count', by: 1 };
    const adds = Array.from({ length: 300 }, async (_, i) => {
      if (i % 50 === 0) await pause(1); // spread the adds over several flushes
      await t.services.counters.add([like]);
    });
    const flushes = Array.from({ length: 5 }, () => t.services.counters.flush());
    await Promise.all([...adds, ...flushes]);
    await t.services.counters.flush();
    expect((await articleCounts(a.id)).share_count).toBe(300);
  });

  it('a failed write gives the delta back so the next flush writes it', async () => {
    const { article: a } = await article();
    const other = await article();
    let failures = 1;
    const failing: KyselyPlugin = {
      transformQuery(args) {
        if (args.node.kind === 'UpdateQueryNode' && failures-- > 0) throw new Error('deadlock');
        return args.node;
      },
      async transformResult(args) {
        return args.result;
      },
    };
    const counters = createCounterService({
      kv: t.platform.kv,
      db: t.platform.db.withPlugin(failing),
      now: Date.now,
      newId: t.platform.ids.content,
    });
    await counters.add([
      { entity: 'article', id: a.id, field: 'share_count', by: 3 },
      { entity: 'article', id: other.article.id, field: 'share_count', by: 4 },
    ]);
    await expect(counters.flush()).rejects.toThrow('deadlock');
    // Readers still see every delta, and the next flush writes what was not written.
    const rows = await counters.overlay(
      'article',
      [await articleCounts(a.id), await articleCounts(other.article.id)],
      ['share_count'],
    );
    expect(rows.map((r) => r.share_count)).toEqual([3, 4]);
    await counters.flush();
    expect((await articleCounts(a.id)).share_count).toBe(3);
    expect((await articleCounts(other.article.id)).share_count).toBe(4);
  });

  // SQLite has one writer: a transaction holding a row holds up every other write, by design.
  it.skipIf(testDb === 'sqlite')(
    'a flush skips a row another transaction holds, writes the rest, and writes the skipped one next time',
    async () => {
      const counters = t.services.counters;
      const held = await article();
      const free = await article();
      await counters.add([
        { entity: 'article', id: held.article.id, field: 'read_count', by: 5 },
        { entity: 'article', id: free.article.id, field: 'read_count', by: 7 },
      ]);
      const written = await t.platform.db.transaction().execute(async (trx) => {
        await trx.selectFrom('articles').select('id').where('id', '=', held.article.id).forUpdate().execute();
        const timeout = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 5_000));
        return Promise.race([counters.flush(), timeout]);
      });
      expect(written).toBe(1);
      expect((await articleCounts(free.article.id)).read_count).toBe(7);
      expect((await articleCounts(held.article.id)).read_count).toBe(0);
      // Readers still see the skipped delta, and the next flush writes it.
      const [overlaid] = await counters.overlay('article', [await articleCounts(held.article.id)], ['read_count']);
      expect(overlaid!.read_count).toBe(5);
      expect(await counters.flush()).toBe(1);
      expect((await articleCounts(held.article.id)).read_count).toBe(5);
    },
  );

  it('add() refuses row counters and write() refuses delta counters, before touching anything', async () => {
    const { article: a } = await article();
    await expect(
      t.services.counters.add([{ entity: 'article', id: a.id, field: 'like_count', by: 1 }]),
    ).rejects.toThrow(TypeError);
    await expect(
      t.services.counters.write(async (trx) => {
        await trx.updateTable('articles').set({ title: 'changed' }).where('id', '=', a.id).execute();
        return { value: null, changes: [{ entity: 'article', id: a.id, field: 'read_count', by: 1 }] };
      }),
    ).rejects.toThrow(TypeError);
    // The whole transaction rolled back.
    expect((await articleCounts(a.id)).title).toBe(a.title);
  });

  it('write() commits the rows and their counts together, or neither', async () => {
    const { article: a } = await article();
    const reader = await newUser(t.platform);
    const like = (fail: boolean) =>
      t.services.counters.write(async (trx) => {
        await trx
          .insertInto('attitudes')
          .values({ user_id: reader.id, article_id: a.id, attitude: 1, created_at: 1, updated_at: 1 })
          .execute();
        if (fail) throw new Error('crash after the insert');
        return { value: null, changes: [{ entity: 'article', id: a.id, field: 'like_count', by: 1 }] };
      });
    await expect(like(true)).rejects.toThrow('crash after the insert');
    expect((await articleCounts(a.id)).like_count).toBe(0);
    expect(
      await t.platform.db.selectFrom('attitudes').select('user_id').where('article_id', '=', a.id).execute(),
    ).toEqual([]);
    await like(false);
    expect((await articleCounts(a.id)).like_count).toBe(1);
  });
});

/** Rows that every row counter counts, written straight into the tables, and counters made wrong. */
async function corruptWorld() {
  const authors = [await newUser(t.platform), await newUser(t.platform)];
  const readers = await Promise.all(Array.from({ length: 4 }, () => newUser(t.platform)));
  const channel = await newChannel(t.platform);
  const db = t.platform.db;
  const articles = [];
  for (const [i, author] of authors.entries()) {
    articles.push(await newArticle(t.platform, { user_id: author.id, channel_id: channel.id }));
    articles.push(
      await newArticle(t.platform, {
        user_id: author.id,
        channel_id: channel.id,
        status: i === 0 ? ArticleStatus.deleted : ArticleStatus.approved,
      }),
    );
  }
  const [a0, a1, a2] = articles as [(typeof articles)[0], (typeof articles)[0], (typeof articles)[0]];
  const at = Date.now();
  await db
    .insertInto('attitudes')
    .values([
      ...readers.map((r) => ({ user_id: r.id, article_id: a0.id, attitude: 1, created_at: at, updated_at: at })),
      { user_id: readers[0]!.id, article_id: a1.id, attitude: 1, created_at: at, updated_at: at },
      { user_id: readers[1]!.id, article_id: a2.id, attitude: 0, created_at: at, updated_at: at },
    ])
    .execute();
  await db
    .insertInto('collections')
    .values(readers.slice(0, 3).map((r) => ({ user_id: r.id, article_id: a2.id, created_at: at })))
    .execute();
  await db
    .insertInto('follows')
    .values([
      ...readers.map((r) => ({ user_id: r.id, target_user_id: authors[0]!.id, created_at: at })),
      { user_id: authors[0]!.id, target_user_id: authors[1]!.id, created_at: at },
    ])
    .execute();
  const top = 9_000_000_000n + BigInt(Math.floor(Math.random() * 1e9)) * 10n;
  await db
    .insertInto('comments')
    .values([
      {
        id: top,
        article_id: a0.id,
        user_id: readers[0]!.id,
        parent_id: null,
        content: 'top',
        status: 1,
        created_at: at,
      },
      {
        id: top + 1n,
        article_id: a0.id,
        user_id: readers[1]!.id,
        parent_id: top,
        content: 'reply',
        status: 1,
        created_at: at,
      },
      {
        id: top + 2n,
        article_id: a0.id,
        user_id: readers[2]!.id,
        parent_id: top,
        content: 'reply',
        status: 1,
        created_at: at,
      },
      {
        id: top + 3n,
        article_id: a0.id,
        user_id: readers[2]!.id,
        parent_id: top,
        content: 'deleted reply',
        status: 0,
        created_at: at,
      },
    ])
    .execute();
  await db
    .insertInto('comment_likes')
    .values(readers.slice(0, 2).map((r) => ({ user_id: r.id, comment_id: top, created_at: at })))
    .execute();
  // Wrong everywhere, including rows that have nothing to count.
  for (const a of articles) {
    await db
      .updateTable('articles')
      .set({ like_count: 77, dislike_count: 5, comment_count: 9, collect_count: 1, read_count: 123 })
      .where('id', '=', a.id)
      .execute();
  }
  for (const u of [...authors, ...readers]) {
    await db
      .updateTable('users')
      .set({ art_count: 40, follow_count: 3, fans_count: 99, like_count: 7, read_count: 55 })
      .where('id', '=', u.id)
      .execute();
  }
  await db
    .updateTable('comments')
    .set({ like_count: 30, reply_count: 30 })
    .where('id', '>=', top)
    .where('id', '<=', top + 3n)
    .execute();
  return {
    top,
    expected: {
      articles: [
        [a0.id, { like_count: 4, dislike_count: 0, comment_count: 3, collect_count: 0, read_count: 123 }],
        [a1.id, { like_count: 1, dislike_count: 0, comment_count: 0, collect_count: 0, read_count: 123 }],
        [a2.id, { like_count: 0, dislike_count: 1, comment_count: 0, collect_count: 3, read_count: 123 }],
      ] as const,
      users: [
        // author 0: one approved article (the other deleted), likes on both, 4 readers + 0 follows.
        [authors[0]!.id, { art_count: 1, follow_count: 1, fans_count: 4, like_count: 5, read_count: 55 }],
        [authors[1]!.id, { art_count: 2, follow_count: 0, fans_count: 1, like_count: 0, read_count: 55 }],
        [readers[0]!.id, { art_count: 0, follow_count: 1, fans_count: 0, like_count: 0, read_count: 55 }],
      ] as const,
      comments: [
        [top, { like_count: 2, reply_count: 2 }],
        [top + 1n, { like_count: 0, reply_count: 0 }],
      ] as const,
    },
  };
}

async function expectRecounted(expected: Awaited<ReturnType<typeof corruptWorld>>['expected']) {
  const db = t.platform.db;
  for (const [id, want] of expected.articles) {
    expect(
      await db
        .selectFrom('articles')
        .select(['like_count', 'dislike_count', 'comment_count', 'collect_count', 'read_count'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    ).toEqual(want);
  }
  for (const [id, want] of expected.users) {
    expect(
      await db
        .selectFrom('users')
        .select(['art_count', 'follow_count', 'fans_count', 'like_count', 'read_count'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    ).toEqual(want);
  }
  for (const [id, want] of expected.comments) {
    expect(
      await db
        .selectFrom('comments')
        .select(['like_count', 'reply_count'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    ).toEqual(want);
  }
}

describe('recount', () => {
  it('recomputes every row counter from the rows, in batches, reporting progress; reads stay', async () => {
    const { expected } = await corruptWorld();
    const progress: string[] = [];
    const result = await t.services.counters.recount({
      batchSize: 3,
      onProgress: (p) => progress.push(`${p.entity}:${p.done}/${p.total}`),
    });
    await expectRecounted(expected);
    expect(result.fixed).toBeGreaterThan(20);
    expect(progress.filter((p) => p.startsWith('article:')).length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatch(/^comment:(\d+)\/\1$/);
    // Nothing left to fix.
    expect((await t.services.counters.recount()).fixed).toBe(0);
  });

  it('is exact while likes and unlikes race it (safe while serving)', async () => {
    const { article: a } = await article();
    const readers = await Promise.all(Array.from({ length: 30 }, () => newUser(t.platform)));
    await t.platform.db.updateTable('articles').set({ like_count: 1000 }).where('id', '=', a.id).execute();
    const likes = readers.map(async (r, i) => {
      await t.services.engagement.like(r.id, a.id);
      if (i % 3 === 0) await t.services.engagement.unlike(r.id, a.id);
    });
    await Promise.all([
      ...likes,
      t.services.counters.recount({ batchSize: 2 }),
      t.services.counters.recount({ batchSize: 50 }),
    ]);
    const rows = await t.platform.db
      .selectFrom('attitudes')
      .select('user_id')
      .where('article_id', '=', a.id)
      .where('attitude', '=', 1)
      .execute();
    expect(rows.length).toBe(20);
    expect((await articleCounts(a.id)).like_count).toBe(20);
  });

  it('`inkstone recount` fixes the counters of a running app’s database and prints progress on stderr', async () => {
    const { expected } = await corruptWorld();
    const root = path.resolve(import.meta.dirname, '../..');
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: t.config.databaseUrl,
      DATA_DIR: t.config.dataDir,
      LOG_LEVEL: 'warn',
    };
    if (t.config.redisUrl) Object.assign(env, { REDIS_URL: t.config.redisUrl, REDIS_PREFIX: t.config.redisPrefix });
    const child = spawn(process.execPath, inkstone('recount'), {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/articles\s+\[#+\] 100% \d+\/\d+/);
    expect(stderr).toMatch(/comments\s+\[#+\] 100%/);
    expect(stdout).toMatch(/Recounted \d+ rows, fixed \d+ counters/);
    await expectRecounted(expected);
  }, 120_000);
});
