/**
 * The one reader of process.env. Every variable is parsed, validated and documented here (the
 * README's config table mirrors this file); a bad value stops the boot with its name.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseRule } from './platform/rate-limit/rule.js';
import type { SmsConfig } from './platform/sms/index.js';
import { readPaymentsConfig, type PaymentsConfig } from './platform/payments/config.js';

export type NodeEnv = 'development' | 'production' | 'test';

export interface S3Config {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  publicBaseUrl?: string;
}

export interface AuthConfig {
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Rotate refresh tokens for every client (otherwise only for clients that ask at sign-in). */
  rotateRefreshTokens: boolean;
  /** How long a rotated-out refresh token still works (parallel refreshes of one page load). */
  refreshGraceSeconds: number;
  /** The universal SMS code of the demo apps (A19); null when disabled. */
  demoSmsCode: string | null;
}

export interface Config {
  env: NodeEnv;
  host: string;
  port: number;
  /** Origin clients use to reach this server; absolute image URLs are built from it. */
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;
  redisUrl?: string;
  /** Namespace for every Redis key, queue and lock, so instances of several sites can share one Redis. */
  redisPrefix: string;
  /** MEMORY_CACHE_MB: without Redis, the bytes this process gives cached copies (articles, pages). */
  memoryCacheBytes: number;
  /**
   * HEAP_GROWTH_PERCENT: how far V8 lets the heap grow past what the last full collection kept,
   * in percent; 0 leaves V8's own factor (up to 4× under a high allocation rate).
   */
  heapGrowthPercent: number;
  jwtSecret: string;
  /** Where the secret came from: JWT_SECRET, a file generated under DATA_DIR, or random for this process (tests). */
  jwtSecretSource: 'env' | 'data-dir' | 'random';
  corsOrigins: '*' | string[];
  corsCredentials: boolean;
  logLevel: string;
  logFile?: string;
  /** WORKER_ID: the Snowflake worker id this process must lease; null = lease a free one (platform/cluster). */
  workerId: number | null;
  /** WORKER_ID_WAIT_MS: how long a boot waits for another process's lease on WORKER_ID to end. */
  workerIdWaitMs: number;
  /** Fastify trustProxy: false, true, a hop count or a list of addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  bodyLimit: number;
  shutdownTimeoutMs: number;
  /** Whether `serve` also processes background jobs (set false when `inkstone worker` does). */
  jobsInProcess: boolean;
  /** Run the cron schedules in this process (`serve` and `inkstone worker`); each tick runs once per site with Redis. */
  runScheduler: boolean;
  /** Create the demo data when the database is empty at start-up. */
  seedOnEmpty: boolean;
  timeZone: string;
  storage: { kind: 'disk'; root: string; publicBaseUrl: string } | ({ kind: 's3' } & S3Config);
  sms: SmsConfig;
  auth: AuthConfig;
  /** A jieba user dictionary (one word per line, optional frequency and tag) added to search segmentation. */
  searchUserDict: string | null;
  /** Media platform: `auto` approves clean submissions at once, `manual` waits for a moderator. */
  reviewPolicy: 'auto' | 'manual';
  /** Extra origins (or URL prefixes) article images may come from besides PUBLIC_URL and storage. */
  contentImageOrigins: string[];
  /** A file of sensitive words (one per line) replacing the built-in demo list; null = built-in. */
  sensitiveWordsFile: string | null;
  /** Paid articles and tips: provider (simulator | alipay | off), Alipay keys, fees and bounds. */
  payments: PaymentsConfig;
  /** Bearer token for GET /metrics; without one, metrics are served to loopback only (never in production). */
  metricsToken: string | null;
  /** A rate-limit rule applied per IP to every route without its own (e.g. `600/minute`); null = none. */
  defaultRateLimit: string | null;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

function databaseUrl(env: Env, dataDir: string): string {
  const raw = read(env, 'DATABASE_URL');
  if (raw === undefined) return `sqlite:${path.join(dataDir, 'inkstone.db')}`;
  if (/^(sqlite|file):/.test(raw)) return raw;
  return url(env, 'DATABASE_URL', ['postgres:', 'postgresql:', 'mysql:', 'mariadb:']) as string;
}

function trustProxy(env: Env): Config['trustProxy'] {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.some((item) => !/^[0-9a-fA-F.:/]+$/.test(item))) {
    throw new ConfigError('TRUST_PROXY', 'must be true, false, a hop count or a comma list of IPs/CIDRs');
  }
  return list;
}

/**
 * In development a secret is generated once and kept under the data directory, so tokens survive
 * restarts without anyone having to configure one. Production must be configured explicitly.
 */
function jwtSecret(env: Env, nodeEnv: NodeEnv, dataDir: string): { secret: string; source: Config['jwtSecretSource'] } {
  const raw = read(env, 'JWT_SECRET');
  if (raw !== undefined) {
    if (Buffer.byteLength(raw) < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes long');
    if (nodeEnv === 'production' && /change.?me|secret|example/i.test(raw) && Buffer.byteLength(raw) < 48) {
      throw new ConfigError('JWT_SECRET', 'looks like a placeholder; generate one with `openssl rand -base64 48`');
    }
    return { secret: raw, source: 'env' };
  }
  if (nodeEnv === 'production') {
    throw new ConfigError('JWT_SECRET', 'is required in production (at least 32 bytes; `openssl rand -base64 48`)');
  }
  if (nodeEnv === 'test') return { secret: randomBytes(48).toString('base64'), source: 'random' };
  // Nodes sharing a DATA_DIR share this file and so accept each other's tokens; 'wx' so two
  // processes starting together cannot each write (and use) a different secret.
  const file = path.join(dataDir, 'jwt-secret');
  const readSecret = () => ({ secret: fs.readFileSync(file, 'utf8').trim(), source: 'data-dir' as const });
  try {
    return readSecret();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64');
    try {
      fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    } catch {
      return readSecret();
    }
    return { secret, source: 'data-dir' };
  }
}

function storage(env: Env, dataDir: string, publicUrl: string): Config['storage'] {
  const bucket = read(env, 'S3_BUCKET');
  if (bucket === undefined) {
    return { kind: 'disk', root: path.join(dataDir, 'media'), publicBaseUrl: `${publicUrl}/media` };
  }
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'S3_SECRET_ACCESS_KEY');
  if (!accessKeyId) throw new ConfigError('S3_ACCESS_KEY_ID', 'is required when S3_BUCKET is set');
  if (!secretAccessKey) throw new ConfigError('S3_SECRET_ACCESS_KEY', 'is required when S3_BUCKET is set');
  return {
    kind: 's3',
    bucket,
    accessKeyId,
    secretAccessKey,
    region: read(env, 'S3_REGION') ?? 'us-east-1',
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', false),
    publicBaseUrl: url(env, 'S3_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
  };
}

function required(env: Env, name: string, because: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(name, `is required ${because}`);
  return value;
}

function sms(env: Env): SmsConfig {
  const provider = read(env, 'SMS_PROVIDER') ?? 'console';
  const need = (name: string) => required(env, name, `when SMS_PROVIDER=${provider}`);
  const endpoint = (name: string) => url(env, name, ['http:', 'https:']);
  switch (provider) {
    case 'console':
      // The console provider writes codes to the log: fine on a laptop, a leak in production.
      if (env.NODE_ENV === 'production') {
        throw new ConfigError('SMS_PROVIDER', 'must name a real SMS vendor in production (console logs the codes)');
      }
      return { provider };
    case 'aliyun':
      return {
        provider,
        accessKeyId: need('SMS_ALIYUN_ACCESS_KEY_ID'),
        accessKeySecret: need('SMS_ALIYUN_ACCESS_KEY_SECRET'),
        signName: need('SMS_ALIYUN_SIGN_NAME'),
        templateCode: need('SMS_ALIYUN_TEMPLATE_CODE'),
        endpoint: endpoint('SMS_ALIYUN_ENDPOINT'),
      };
    case 'tencent':
      return {
        provider,
        secretId: need('SMS_TENCENT_SECRET_ID'),
        secretKey: need('SMS_TENCENT_SECRET_KEY'),
        sdkAppId: need('SMS_TENCENT_SDK_APP_ID'),
        signName: need('SMS_TENCENT_SIGN_NAME'),
        templateId: need('SMS_TENCENT_TEMPLATE_ID'),
        region: read(env, 'SMS_TENCENT_REGION'),
        endpoint: endpoint('SMS_TENCENT_ENDPOINT'),
      };
    case 'ronglian':
      return {
        provider,
        accountSid: need('SMS_RONGLIAN_ACCOUNT_SID'),
        authToken: need('SMS_RONGLIAN_AUTH_TOKEN'),
        appId: need('SMS_RONGLIAN_APP_ID'),
        templateId: need('SMS_RONGLIAN_TEMPLATE_ID'),
        endpoint: endpoint('SMS_RONGLIAN_ENDPOINT'),
      };
    default:
      throw new ConfigError('SMS_PROVIDER', `must be console, aliyun, tencent or ronglian, got "${provider}"`);
  }
}

/**
 * The universal code exists for the course apps' demo logins. It only works while no real SMS
 * provider is configured, and never in production.
 */
function demoSmsCode(env: Env, nodeEnv: NodeEnv, provider: SmsConfig['provider']): string | null {
  const raw = read(env, 'SMS_DEMO_CODE') ?? '246810';
  if (raw === 'off' || provider !== 'console' || nodeEnv === 'production') return null;
  if (!/^\d{6}$/.test(raw)) throw new ConfigError('SMS_DEMO_CODE', 'must be 6 digits or "off"');
  return raw;
}

function rateRule(env: Env, name: string): string | null {
  const raw = read(env, name);
  if (raw === undefined || raw === 'off') return null;
  try {
    parseRule(raw);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
  return raw;
}

function searchUserDict(env: Env): string | null {
  const raw = read(env, 'SEARCH_USER_DICT');
  if (raw === undefined) return null;
  const file = path.resolve(raw);
  if (!fs.existsSync(file)) throw new ConfigError('SEARCH_USER_DICT', `names a file that does not exist: ${file}`);
  return file;
}

function reviewPolicy(env: Env): Config['reviewPolicy'] {
  const raw = read(env, 'REVIEW_POLICY') ?? 'auto';
  if (raw !== 'auto' && raw !== 'manual')
    throw new ConfigError('REVIEW_POLICY', `must be auto or manual, got "${raw}"`);
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = read(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as NodeEnv;
  const dataDir = path.resolve(read(env, 'DATA_DIR') ?? 'data');
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const corsRaw = read(env, 'CORS_ORIGINS');
  const corsOrigins =
    corsRaw === undefined
      ? nodeEnv === 'production'
        ? []
        : '*'
      : corsRaw === '*'
        ? '*'
        : corsRaw
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean);
  const corsCredentials = boolean(env, 'CORS_CREDENTIALS', false);
  // "Any origin" is answered by reflecting the caller's Origin: with credentials, any site could
  // then make signed-in requests and read the answers.
  if (corsCredentials && (corsRaw === undefined || corsOrigins === '*')) {
    throw new ConfigError(
      'CORS_CREDENTIALS',
      'true needs CORS_ORIGINS set to an explicit list of origins (not unset, not *)',
    );
  }
  const timeZone = read(env, 'TIME_ZONE') ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ConfigError('TIME_ZONE', `is not a known IANA time zone: "${timeZone}"`);
  }
  const logLevel = read(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent`);
  }

  const secret = jwtSecret(env, nodeEnv, dataDir);
  const smsConfig = sms(env);

  return {
    env: nodeEnv,
    host: read(env, 'HOST') ?? '0.0.0.0',
    port,
    publicUrl,
    dataDir,
    databaseUrl: databaseUrl(env, dataDir),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: read(env, 'REDIS_PREFIX') ?? 'inkstone:',
    memoryCacheBytes: integer(env, 'MEMORY_CACHE_MB', 64, 1, 65_536) * 1024 * 1024,
    heapGrowthPercent: integer(env, 'HEAP_GROWTH_PERCENT', 50, 0, 300),
    jwtSecret: secret.secret,
    jwtSecretSource: secret.source,
    corsOrigins,
    corsCredentials,
    logLevel,
    logFile: read(env, 'LOG_FILE'),
    workerId: read(env, 'WORKER_ID') === undefined ? null : integer(env, 'WORKER_ID', 0, 0, 1023),
    // One lease TTL (30 s) and a second: a killed holder's lease has expired by then.
    workerIdWaitMs: integer(env, 'WORKER_ID_WAIT_MS', 31_000, 0, 600_000),
    trustProxy: trustProxy(env),
    bodyLimit: integer(env, 'BODY_LIMIT', 1024 * 1024, 1024, 100 * 1024 * 1024),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    jobsInProcess: boolean(env, 'JOBS_IN_PROCESS', true),
    runScheduler: boolean(env, 'RUN_SCHEDULER', true),
    seedOnEmpty: boolean(env, 'SEED_ON_EMPTY', nodeEnv !== 'production'),
    timeZone,
    storage: storage(env, dataDir, publicUrl),
    sms: smsConfig,
    auth: {
      accessTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL', 2 * 3600, 60, 30 * 86400),
      refreshTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL', 14 * 86400, 3600, 365 * 86400),
      rotateRefreshTokens: boolean(env, 'REFRESH_ROTATION', false),
      refreshGraceSeconds: integer(env, 'REFRESH_GRACE_SECONDS', 30, 0, 3600),
      demoSmsCode: demoSmsCode(env, nodeEnv, smsConfig.provider),
    },
    metricsToken: read(env, 'METRICS_TOKEN') ?? null,
    payments: readPaymentsConfig(
      (name) => read(env, name),
      { env: nodeEnv, publicUrl },
      (name, problem) => new ConfigError(name, problem),
    ),
    reviewPolicy: reviewPolicy(env),
    searchUserDict: searchUserDict(env),
    contentImageOrigins: (read(env, 'CONTENT_IMAGE_ORIGINS') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    sensitiveWordsFile: read(env, 'SENSITIVE_WORDS_FILE') ? path.resolve(read(env, 'SENSITIVE_WORDS_FILE')!) : null,
    defaultRateLimit: rateRule(env, 'RATE_LIMIT_DEFAULT'),
  };
}
