/**
 * preparedQuery (src/platform/db/prepared-query.ts) on the matrix's database: the query is built
 * once, each run binds its own values (also concurrently), the query's own constants stay, results
 * pass through the app's plugins (ids as bigint), and a value the query does not bind is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedQuery } from '../../src/platform/db/prepared-query.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { newArticle, newChannel, newUser } from '../helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('preparedQuery', () => {
  it('builds once and binds each run’s values, keeping the query’s constants', async () => {
    const author = await newUser(t.platform);
    const other = await newUser(t.platform);
    const channel = await newChannel(t.platform);
    const mine = await newArticle(t.platform, { user_id: author.id, channel_id: channel.id, title: 'mine' });
    await newArticle(t.platform, { user_id: other.id, channel_id: channel.id, title: 'theirs' });
    await newArticle(t.platform, { user_id: author.id, channel_id: channel.id, title: 'draft', status: 0 });
    let builds = 0;
    const approvedBy = preparedQuery(['authorId', 'channelId'], (db, { authorId, channelId }) => {
      builds++;
      return db
        .selectFrom('articles')
        .select(['id', 'title', 'user_id'])
        .where('user_id', '=', authorId)
        .where('channel_id', '=', channelId)
        .where('status', '=', 2)
        .orderBy('id');
    });
    const [a, b] = await Promise.all([
      approvedBy.execute(t.platform.db, { authorId: author.id, channelId: channel.id }),
      approvedBy.execute(t.platform.db, { authorId: other.id, channelId: channel.id }),
    ]);
    expect(a).toEqual([{ id: mine.id, title: 'mine', user_id: author.id }]);
    expect(b.map((row) => row.title)).toEqual(['theirs']);
    expect(await approvedBy.execute(t.platform.db, { authorId: author.id, channelId: channel.id + 1n })).toEqual([]);
    expect(builds).toBe(1);
  });

  it('refuses a value the query does not bind', async () => {
    const broken = preparedQuery(['userId', 'unused'], (db, { userId }) =>
      db.selectFrom('users').select('id').where('id', '=', userId),
    );
    await expect(broken.execute(t.platform.db, { userId: 1n, unused: 2n })).rejects.toThrow(
      'value "unused" is not a parameter',
    );
  });
});
