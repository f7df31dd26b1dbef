import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-config-'));

describe('config', () => {
  it('has working defaults for the embedded mode', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: `sqlite:${path.join(dir, 'inkstone.db')}`,
      redisUrl: undefined,
      corsOrigins: '*',
      workerId: null,
      trustProxy: false,
      storage: { kind: 'disk', root: path.join(dir, 'media'), publicBaseUrl: 'http://localhost:3000/media' },
    });
  });

  it('generates a development JWT secret once and keeps it under the data directory', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first);
    expect(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('refuses to start in production without a strong secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir() })).toThrow(
      /JWT_SECRET is required in production/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(
      /JWT_SECRET must be at least 32 bytes/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'change-me-change-me-change-me-change-me' })).toThrow(
      /placeholder/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(48) })).toThrow(
      /SMS_PROVIDER must name a real SMS vendor/,
    );
    const prod = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'k'.repeat(48),
      SMS_PROVIDER: 'tencent',
      SMS_TENCENT_SECRET_ID: 'a',
      SMS_TENCENT_SECRET_KEY: 'b',
      SMS_TENCENT_SDK_APP_ID: 'c',
      SMS_TENCENT_SIGN_NAME: 'd',
      SMS_TENCENT_TEMPLATE_ID: 'e',
    });
    expect(prod.corsOrigins).toEqual([]);
    expect(prod.auth.demoSmsCode).toBeNull();
    expect(prod.seedOnEmpty).toBe(false);
  });

  it('names the variable when a value is bad', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /PORT must be a whole number/],
      [{ PORT: '70000' }, /PORT must be between/],
      [{ DATABASE_URL: 'oracle://x' }, /DATABASE_URL must use/],
      [{ REDIS_URL: 'http://x' }, /REDIS_URL must use/],
      [{ WORKER_ID: '2000' }, /WORKER_ID must be between 0 and 1023/],
      [{ TRUST_PROXY: 'everyone!' }, /TRUST_PROXY/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
      [{ TIME_ZONE: 'Mars/Olympus' }, /TIME_ZONE/],
      [{ NODE_ENV: 'staging' }, /NODE_ENV/],
      [{ S3_BUCKET: 'b' }, /S3_ACCESS_KEY_ID is required/],
      [{ CORS_CREDENTIALS: 'maybe' }, /CORS_CREDENTIALS must be true or false/],
      [{ SEARCH_USER_DICT: '/no/such/dict.txt' }, /SEARCH_USER_DICT names a file that does not exist/],
      [{ REVIEW_POLICY: 'sometimes' }, /REVIEW_POLICY must be auto or manual/],
      [{ PAYMENTS_PROVIDER: 'cash' }, /PAYMENTS_PROVIDER/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
      expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(message);
    }
  });

  it('parses the scale-out settings', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      DATABASE_URL: 'postgres://u@db:5432/ink',
      REDIS_URL: 'redis://cache:6379',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      CORS_ORIGINS: 'https://a.example,https://b.example',
      PUBLIC_URL: 'https://news.example/',
      S3_BUCKET: 'media',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com',
    });
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.publicUrl).toBe('https://news.example');
    expect(config.storage.kind).toBe('s3');
  });

  it('bounds the heap growth by default, and lets an operator give it back to V8 or refuse a bad value', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).heapGrowthPercent).toBe(50);
    expect(loadConfig({ DATA_DIR: dataDir(), HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(() => loadConfig({ DATA_DIR: dataDir(), HEAP_GROWTH_PERCENT: '1.5' })).toThrow(/HEAP_GROWTH_PERCENT/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), HEAP_GROWTH_PERCENT: '301' })).toThrow(/HEAP_GROWTH_PERCENT/);
  });
});
