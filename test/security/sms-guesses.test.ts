/**
 * "Void after 5 wrong tries" holds under concurrency: 50 parallel wrong sign-ins compare at most 5
 * guesses with the live code, and the right code is refused afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WRONG_TRIES } from '../../src/modules/auth/sms-code.service.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { randomIp } from '../helpers/http.js';

let t: TestApp;

describe(`SMS code guessing (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    // No demo code: only the issued one may sign in.
    t = await buildTestApp({ SMS_DEMO_CODE: 'off' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function issue(mobile: string): Promise<string> {
    const sent = await t.app.inject({ url: `/app/v1_0/sms/codes/${mobile}`, remoteAddress: randomIp() });
    expect(sent.statusCode).toBe(200);
    const code = await t.platform.kv.get(`sms:code:${mobile}`);
    expect(code).toMatch(/^\d{6}$/);
    return code!;
  }

  const signIn = (mobile: string, code: string) =>
    t.app.inject({
      method: 'POST',
      url: '/app/v1_0/authorizations',
      payload: { mobile, code },
      remoteAddress: randomIp(),
    });

  it('compares at most 5 of 50 parallel wrong guesses, then refuses the right code', async () => {
    const mobile = '13700001234';
    const code = await issue(mobile);
    const wrong = Array.from({ length: 50 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(wrong.map((guess) => signIn(mobile, guess)));
    expect(answers.map((a) => a.statusCode).every((status) => status === 400)).toBe(true);
    // Every compared miss is counted; the 5th voids the code, so no later guess is compared.
    expect(Number(await t.platform.kv.get(`sms:tries:${mobile}`))).toBe(MAX_WRONG_TRIES);
    const right = await signIn(mobile, code);
    expect(right.statusCode).toBe(400);
    expect(right.json()).toEqual({ message: 'Invalid code.', code: 'invalid_sms_code' });
  });

  it('still accepts the right code after fewer wrong tries, once', async () => {
    const mobile = '13700005678';
    const code = await issue(mobile);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await Promise.all(Array.from({ length: MAX_WRONG_TRIES - 1 }, () => signIn(mobile, wrong)));
    const [first, second] = await Promise.all([signIn(mobile, code), signIn(mobile, code)]);
    expect([first!.statusCode, second!.statusCode].sort()).toEqual([201, 400]);
  });
});
