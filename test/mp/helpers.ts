/**
 * Shared by the media-platform suites: accounts signed in through the real endpoints, article
 * writes as the MP admin sends them, and an app with the manual review policy.
 */
import { expect } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { newUser } from '../helpers/factories.js';
import { parseBody } from '../helpers/json.js';
import { randomIp, bearer } from '../helpers/http.js';
export { randomIp, bearer };

export interface Account {
  id: bigint;
  name: string;
  token: string;
}

/** A factory user signed in through the real endpoint with the demo code (MP: verified first). */
export async function account(
  t: TestApp,
  kind: 'app' | 'mp' = 'mp',
  values: { name?: string; role?: 'user' | 'moderator' | 'admin' } = {},
): Promise<Account> {
  const user = await newUser(t.platform, { name: values.name });
  await t.platform.db
    .updateTable('users')
    .set({ verified: kind === 'mp' ? 1 : 0, role: values.role ?? 'user' })
    .where('id', '=', user.id)
    .execute();
  const res = await t.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: `/${kind}/v1_0/authorizations`,
    payload: { mobile: user.mobile, code: '246810' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: user.id, name: user.name, token: res.json().data.token };
}

export interface ArticleBody {
  title?: string;
  content?: string;
  cover?: { type: number; images?: string[] };
  channel_id?: string | number;
  price?: number;
  [extra: string]: unknown;
}

export const SITE = 'http://inkstone.test';
export const img = (name: string) => `${SITE}/media/covers/${name}.jpg`;

export function writer(t: TestApp) {
  const send = (
    method: 'POST' | 'PUT',
    who: Account,
    body: ArticleBody,
    draft?: boolean | string,
    id?: string | bigint,
  ) =>
    t.app.inject({
      method,
      url: `/mp/v1_0/articles${id === undefined ? '' : `/${id}`}${draft === undefined ? '' : `?draft=${draft}`}`,
      headers: bearer(who.token),
      payload: body,
    });
  return {
    post: (who: Account, body: ArticleBody, draft?: boolean | string) => send('POST', who, body, draft),
    put: (who: Account, id: string | bigint, body: ArticleBody, draft?: boolean | string) =>
      send('PUT', who, body, draft, id),
    /** Creates and returns {id, status}, expecting 201. */
    async create(who: Account, body: ArticleBody, draft?: boolean): Promise<{ id: string; status: number }> {
      const res = await send('POST', who, body, draft);
      expect(res.statusCode, res.body).toBe(201);
      const data = parseBody(res.body).data;
      return { id: String(data.id), status: data.status };
    },
    get: (who: Account, id: string | bigint) =>
      t.app.inject({ url: `/mp/v1_0/articles/${id}`, headers: bearer(who.token) }),
    remove: (who: Account, id: string | bigint) =>
      t.app.inject({ method: 'DELETE', url: `/mp/v1_0/articles/${id}`, headers: bearer(who.token) }),
    list: (who: Account, query = '') =>
      t.app.inject({ url: `/mp/v1_0/articles${query ? `?${query}` : ''}`, headers: bearer(who.token) }),
  };
}

/** The app's article detail (A34) and channel feed (A32), as the mobile app asks for them. */
export function reader(t: TestApp) {
  return {
    detail: (id: string | bigint) => t.app.inject({ url: `/app/v1_0/articles/${id}` }),
    async feedIds(channelId: bigint): Promise<string[]> {
      const res = await t.app.inject({
        url: `/app/v1_1/articles?channel_id=${channelId}&timestamp=${Date.now() + 1000}&with_top=0`,
      });
      expect(res.statusCode, res.body).toBe(200);
      return parseBody(res.body).data.results.map((card: { art_id: unknown }) => String(card.art_id));
    },
  };
}

export async function storedArticle(t: TestApp, id: string | bigint) {
  return t.platform.db
    .selectFrom('articles')
    .select([
      'status',
      'published_at',
      'deleted_at',
      'reject_reason',
      'review_flags',
      'cover_type',
      'cover_images',
      'price_cents',
      'title',
      'created_at',
      'updated_at',
    ])
    .where('id', '=', BigInt(id))
    .executeTakeFirstOrThrow();
}

export async function artCount(t: TestApp, userId: bigint): Promise<number> {
  await t.services.counters.flush();
  const row = await t.platform.db
    .selectFrom('users')
    .select('art_count')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.art_count;
}

/** The real app with the manual review policy (every submission waits for a moderator). */
export function buildManualReviewApp(): Promise<TestApp> {
  return buildTestApp({ REVIEW_POLICY: 'manual' });
}
