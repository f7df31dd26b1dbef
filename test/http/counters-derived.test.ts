/**
 * An author's likes received is a derived counter (counter.service.ts): a like marks its author in
 * its own transaction instead of locking the author's row, reads sum the articles' exact counts
 * while a mark waits, and the flush sets the column. Before, every like of any of an author's
 * articles queued on that author's `users` row (issue 13, target 5).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';
import { signInOn } from '../helpers/nodes.js';
import { bearer } from '../helpers/http.js';
import { parseBody } from '../helpers/json.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function account() {
  return signInOn(t, (await newUser(t.platform)).mobile);
}

const like = (token: string, articleId: bigint) =>
  t.app.inject({
    method: 'POST',
    url: '/app/v1_0/article/likings',
    headers: bearer(token),
    payload: { target: String(articleId) },
  });

async function likesReceived(userId: bigint): Promise<number> {
  const res = await t.app.inject({ url: `/app/v1_0/users/${userId}` });
  expect(res.statusCode, res.body).toBe(200);
  return parseBody(res.body).data.like_count as number;
}

const column = async (userId: bigint) =>
  (await t.platform.db.selectFrom('users').select('like_count').where('id', '=', userId).executeTakeFirstOrThrow())
    .like_count;

const marksOf = async (userId: bigint) =>
  Number(
    (
      await t.platform.db
        .selectFrom('counter_marks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('entity', '=', 'user')
        .where('row_id', '=', userId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe(`likes received, a derived counter (db=${testDb}, redis=${testRedis})`, () => {
  it('shows at once while marked, and the flush sets the column and deletes the marks', async () => {
    const author = await newUser(t.platform);
    const channel = await newChannel(t.platform);
    const first = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const second = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const readers = await Promise.all([account(), account(), account()]);

    for (const reader of readers) expect((await like(reader.token, first.id)).statusCode).toBe(201);
    expect((await like(readers[0]!.token, second.id)).statusCode).toBe(201);
    // A repeated like changes nothing, anywhere.
    expect((await like(readers[0]!.token, second.id)).statusCode).toBe(201);
    expect(await likesReceived(author.id)).toBe(4);

    await t.services.counters.flush();
    expect(await column(author.id)).toBe(4);
    expect(await marksOf(author.id)).toBe(0);
    expect(await likesReceived(author.id)).toBe(4);

    const unlike = await t.app.inject({
      method: 'DELETE',
      url: `/app/v1_0/article/likings/${first.id}`,
      headers: bearer(readers[1]!.token),
    });
    expect(unlike.statusCode).toBe(204);
    expect(await likesReceived(author.id)).toBe(3);
    await t.services.counters.flush();
    expect(await column(author.id)).toBe(3);
    expect(await marksOf(author.id)).toBe(0);
  });

  it('a recount sets it from the like rows, whatever the column said', async () => {
    const author = await newUser(t.platform);
    const channel = await newChannel(t.platform);
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const reader = await account();
    expect((await like(reader.token, article.id)).statusCode).toBe(201);
    await t.services.counters.flush();
    await t.platform.db.updateTable('users').set({ like_count: 40 }).where('id', '=', author.id).execute();

    await t.services.counters.recount();
    expect(await column(author.id)).toBe(1);
    expect(await likesReceived(author.id)).toBe(1);
  });

  // SQLite has one writer: any open write transaction holds up every other, by design.
  it.skipIf(testDb === 'sqlite')('a like goes through while another transaction holds the author’s row', async () => {
    const author = await newUser(t.platform);
    const channel = await newChannel(t.platform);
    const article = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id });
    const reader = await account();

    const status = await t.platform.db.transaction().execute(async (trx) => {
      await trx.selectFrom('users').select('id').where('id', '=', author.id).forUpdate().execute();
      const timeout = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 5_000));
      return Promise.race([like(reader.token, article.id).then((res) => res.statusCode), timeout]);
    });
    expect(status).toBe(201);
    expect(await likesReceived(author.id)).toBe(1);
  });
});
