/** An author who can use both apps: registered through the app sign-in, marked verified, signed in to the media platform. */
import { expect } from 'vitest';
import type { App } from '../../src/app.js';

export interface Author {
  id: bigint;
  /** App access token. */
  app: string;
  /** Media-platform access token (`verified: true`). */
  mp: string;
}

let counter = 0;

export async function mpAuthor(t: Pick<App, 'app' | 'platform'>): Promise<Author> {
  const n = ++counter;
  const mobile = `135${String(Date.now() % 10_000).padStart(4, '0')}${String(n).padStart(4, '0')}`;
  let signIns = 0;
  const signIn = async (url: string) => {
    // Sign-in is rate limited per IP: every call from its own address.
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload: { mobile, code: '246810' },
      remoteAddress: `10.${100 + (n % 100)}.${Math.floor(n / 100) % 250}.${++signIns}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.token as string;
  };
  const app = await signIn('/app/v1_0/authorizations');
  const { id } = await t.platform.db
    .selectFrom('users')
    .select('id')
    .where('mobile', '=', mobile)
    .executeTakeFirstOrThrow();
  await t.platform.db.updateTable('users').set({ verified: 1 }).where('id', '=', id).execute();
  return { id, app, mp: await signIn('/mp/v1_0/authorizations') };
}
