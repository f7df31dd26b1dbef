/**
 * CORS with credentials must never meet "any origin": the cors plugin answers "any" by reflecting
 * the caller's Origin, so every site could make signed-in requests and read the answers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-cors-'));

describe('CORS_CREDENTIALS at boot', () => {
  it.each([
    ['development, CORS_ORIGINS unset', { CORS_CREDENTIALS: 'true' }],
    [
      'production, CORS_ORIGINS unset',
      { CORS_CREDENTIALS: 'true', NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) },
    ],
    ['CORS_ORIGINS=*', { CORS_CREDENTIALS: 'true', CORS_ORIGINS: '*' }],
  ])('refuses credentials with any origin (%s), naming both variables', (_, env) => {
    const load = () => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/CORS_CREDENTIALS.*CORS_ORIGINS/);
  });

  it('accepts credentials with an explicit allowlist, and any origin without credentials', () => {
    expect(
      loadConfig({ DATA_DIR: dataDir(), CORS_CREDENTIALS: 'true', CORS_ORIGINS: 'https://app.example' })
        .corsCredentials,
    ).toBe(true);
    expect(loadConfig({ DATA_DIR: dataDir(), CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });
});

describe(`CORS with credentials and an allowlist (db=${testDb}, redis=${testRedis})`, () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('allows the listed origin with credentials and does not reflect another', async () => {
    t = await buildTestApp({ CORS_CREDENTIALS: 'true', CORS_ORIGINS: 'https://app.example' });
    const listed = await t.app.inject({ url: '/app/v1_0/channels', headers: { origin: 'https://app.example' } });
    expect(listed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(listed.headers['access-control-allow-credentials']).toBe('true');
    const evil = await t.app.inject({ url: '/app/v1_0/channels', headers: { origin: 'https://evil.example' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});
