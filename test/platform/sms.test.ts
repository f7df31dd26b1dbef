/**
 * SMS port. Every vendor adapter is exercised against a local HTTP server that plays the vendor:
 * it recomputes the vendor's signature itself (the reference signers below follow each
 * vendor's documented algorithm and share no code with the adapters), checks method, path,
 * headers, every parameter and the exact body, and answers success or the vendor's own error.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AliyunSms,
  ConsoleSms,
  RonglianSms,
  SmsSendError,
  TencentSms,
  createSmsProvider,
  maskMobile,
  sendInJob,
  type SmsMessage,
  type SmsProvider,
} from '../../src/platform/sms/index.js';
import { aliyunSignature } from '../../src/platform/sms/aliyun-sms.js';
import { tc3Signature } from '../../src/platform/sms/tencent-sms.js';

// ---------------------------------------------------------------------------------------------
// Reference implementations of the vendors' documented algorithms (test-only, independent).
// ---------------------------------------------------------------------------------------------

/** Aliyun: RFC 3986, UTF-8 bytes; only A-Z a-z 0-9 - _ . ~ stay; the rest become %XY (uppercase). */
function refPercentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function refAliyunStringToSign(method: string, params: Record<string, string>): string {
  const names = Object.keys(params).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const canonical = names.map((n) => `${refPercentEncode(n)}=${refPercentEncode(params[n]!)}`).join('&');
  return `${method}&${refPercentEncode('/')}&${refPercentEncode(canonical)}`;
}

function refAliyunSign(method: string, params: Record<string, string>, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(refAliyunStringToSign(method, params)).digest('base64');
}

/** Tencent TC3-HMAC-SHA256 from the signed header names and their received values. */
function refTc3(args: {
  secretKey: string;
  service: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payload: string;
  timestamp: number;
}): string {
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
  const date = new Date(args.timestamp * 1000).toISOString().slice(0, 10);
  const canonicalHeaders = args.signedHeaders
    .map((h) => `${h}:${(args.headers[h] ?? '').trim().toLowerCase()}\n`)
    .join('');
  const canonicalRequest = `${args.method}\n${args.path}\n${args.query}\n${canonicalHeaders}\n${args.signedHeaders.join(';')}\n${sha256(args.payload)}`;
  const stringToSign = `TC3-HMAC-SHA256\n${args.timestamp}\n${date}/${args.service}/tc3_request\n${sha256(canonicalRequest)}`;
  const kDate = hmac(`TC3${args.secretKey}`, date);
  const kService = hmac(kDate, args.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/** Ronglian timestamp: yyyyMMddHHmmss in Asia/Shanghai, via the ICU time-zone database. */
function refShanghaiTimestamp(date: Date): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}`;
}

function refRonglianSig(sid: string, token: string, timestamp: string): string {
  return createHash('md5')
    .update(sid + token + timestamp)
    .digest('hex')
    .toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// A local HTTP server playing a vendor.
// ---------------------------------------------------------------------------------------------

interface Seen {
  method: string;
  path: string;
  /** Raw query string without the '?'. */
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body: unknown;
}

/** What the fake answers once the request passed its checks. */
type Scenario =
  | { kind: 'ok' }
  | { kind: 'vendor-error'; code: string; status?: number; message?: string }
  | { kind: 'http'; status: number; body: string };

interface FakeVendor {
  url: string;
  host: string;
  seen: Seen[];
  /** Things the real vendor would reject as malformed; every test expects none. */
  problems: string[];
  scenario: Scenario;
  /** The fake's clock (for timestamp windows). */
  clock: Date;
  close(): Promise<void>;
}

async function startFake(verify: (seen: Seen, fake: FakeVendor) => Reply): Promise<FakeVendor> {
  const fake: FakeVendor = {
    url: '',
    host: '',
    seen: [],
    problems: [],
    scenario: { kind: 'ok' },
    clock: new Date(),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [path = '', query = ''] = (req.url ?? '').split(/\?(.*)/s);
      const seen: Seen = {
        method: req.method ?? '',
        path,
        query,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      fake.seen.push(seen);
      let reply: Reply;
      try {
        reply = verify(seen, fake);
      } catch (err) {
        fake.problems.push(`fake crashed: ${String(err)}`);
        reply = { status: 418, body: { error: 'fake crashed' } };
      }
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': typeof reply.body === 'string' ? 'text/html' : 'application/json;charset=utf-8',
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.host = `127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

/** Records a malformed-request problem and answers like a vendor rejecting a bad parameter. */
function problem(fake: FakeVendor, what: string): Reply {
  fake.problems.push(what);
  return {
    status: 400,
    body: {
      Code: 'Fake.Malformed',
      Message: what,
      statusCode: 'Fake.Malformed',
      Response: { Error: { Code: 'Fake.Malformed', Message: what } },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shared fixtures.
// ---------------------------------------------------------------------------------------------

const MESSAGE: SmsMessage = {
  mobile: '13600001111',
  template: 'verification-code',
  params: { code: '042917', minutes: 5 },
};
const NOW = new Date('2024-05-01T20:00:00.250Z'); // 2024-05-02 04:00 in Shanghai: a different calendar date.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function sendError(provider: SmsProvider, message: SmsMessage = MESSAGE): Promise<SmsSendError> {
  try {
    await provider.send(message);
  } catch (err) {
    expect(err).toBeInstanceOf(SmsSendError);
    return err as SmsSendError;
  }
  throw new Error('expected send() to fail');
}

/** No error may carry a secret, the code or the full number. */
function expectClean(err: SmsSendError, secrets: string[]): void {
  const text = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
  for (const s of [...secrets, MESSAGE.params.code, MESSAGE.mobile]) expect(text).not.toContain(s);
}

/** A fetch stub for known-answer tests: records the call and answers `body`. */
function stubFetch(body: unknown): { fetch: typeof fetch; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fn as typeof fetch, calls };
}

// ---------------------------------------------------------------------------------------------
// Vendor-published test vectors: prove the reference signers (and the adapters' primitives).
// ---------------------------------------------------------------------------------------------

describe('published signature examples', () => {
  // Aliyun RPC signature doc example (ECS DescribeRegions, AccessKeySecret "testsecret").
  const aliyunDocParams = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  };

  it('Aliyun: the documented DescribeRegions example signs to OLeaidS1JvxuMvnyHOwuJ+uX5qY=', () => {
    expect(refAliyunStringToSign('GET', aliyunDocParams)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0' +
        '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(refAliyunSign('GET', aliyunDocParams, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    expect(aliyunSignature('GET', aliyunDocParams, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('Aliyun: reserved characters that encodeURIComponent leaves alone are still encoded', () => {
    const params = { SignName: "墨石 (it's)*!~" };
    expect(aliyunSignature('GET', params, 's')).toBe(refAliyunSign('GET', params, 's'));
    expect(refPercentEncode("(it's)*!~ ")).toBe('%28it%27s%29%2A%21~%20');
  });

  it('Tencent: the documented TC3 example (CVM DescribeInstances, 2019-02-25) signs to 72e494ea…', () => {
    const payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
    const expected = '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168';
    const ref = refTc3({
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
      signedHeaders: ['content-type', 'host'],
      payload,
      timestamp: 1551113065,
    });
    expect(ref).toBe(expected);
    expect(
      tc3Signature({
        secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
        service: 'cvm',
        host: 'cvm.tencentcloudapi.com',
        payload,
        timestamp: 1551113065,
      }),
    ).toBe(expected);
  });

  it('Ronglian: the Shanghai timestamp crosses midnight and the year correctly', () => {
    expect(refShanghaiTimestamp(new Date('2024-12-31T16:30:05Z'))).toBe('20250101003005');
    expect(refShanghaiTimestamp(NOW)).toBe('20240502040000');
  });
});

// ---------------------------------------------------------------------------------------------
// Console.
// ---------------------------------------------------------------------------------------------

describe('console SMS (development only)', () => {
  it('logs the masked number and the code through the injected logger', async () => {
    const calls: { obj: object; msg: string }[] = [];
    const provider = new ConsoleSms({ info: (obj, msg) => calls.push({ obj, msg }) });
    expect(provider.kind).toBe('console');
    await provider.send(MESSAGE);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.obj).toEqual({ mobile: '136****1111', code: '042917' });
    expect(JSON.stringify(calls[0])).not.toContain('13600001111');
  });

  it('rejects a malformed number without logging', async () => {
    const calls: object[] = [];
    const provider = new ConsoleSms({ info: (obj) => calls.push(obj) });
    const err = await sendError(provider, { ...MESSAGE, mobile: '1360000111' });
    expect(err.retryable).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('maskMobile keeps the first 3 and last 4 digits', () => {
    expect(maskMobile('13600001111')).toBe('136****1111');
    expect(maskMobile('123')).toBe('***');
  });
});

// ---------------------------------------------------------------------------------------------
// Aliyun Dysmsapi SendSms.
// ---------------------------------------------------------------------------------------------

const ALIYUN = {
  accessKeyId: 'LTAI5tTestAccessKey',
  accessKeySecret: 'aliyun-secret-0123456789',
  signName: '墨石 (测试)',
  templateCode: 'SMS_123456789',
};

function aliyunFake(): Promise<FakeVendor> {
  const usedNonces = new Set<string>();
  const secrets: Record<string, string> = { [ALIYUN.accessKeyId]: ALIYUN.accessKeySecret };
  const error = (status: number, code: string, message: string): Reply => ({
    status,
    body: {
      RequestId: 'FAKE-REQ',
      HostId: 'dysmsapi.aliyuncs.com',
      Code: code,
      Message: message,
      Recommend: 'https://api.aliyun.com/troubleshoot',
    },
  });

  return startFake((seen, fake) => {
    if (seen.method !== 'GET') return problem(fake, `method ${seen.method}`);
    if (seen.path !== '/') return problem(fake, `path ${seen.path}`);
    const params: Record<string, string> = {};
    for (const pair of seen.query.split('&')) {
      const [rawName = '', rawValue = ''] = pair.split(/=(.*)/s);
      const name = decodeURIComponent(rawName);
      const value = decodeURIComponent(rawValue);
      if (name in params) return problem(fake, `duplicate ${name}`);
      // Every name and value must be percent-encoded exactly as the signature rules say.
      if (refPercentEncode(name) !== rawName || refPercentEncode(value) !== rawValue)
        return problem(fake, `not RFC 3986 encoded: ${pair}`);
      params[name] = value;
    }
    const { Signature: signature, ...signed } = params;
    const expected: Record<string, string | RegExp> = {
      AccessKeyId: /^.+$/,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: MESSAGE.mobile,
      RegionId: 'cn-hangzhou',
      SignName: ALIYUN.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: UUID,
      SignatureVersion: '1.0',
      TemplateCode: ALIYUN.templateCode,
      TemplateParam: JSON.stringify({ code: MESSAGE.params.code }),
      Timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      Version: '2017-05-25',
    };
    if (JSON.stringify(Object.keys(signed).sort()) !== JSON.stringify(Object.keys(expected).sort())) {
      return problem(fake, `parameters ${Object.keys(signed).sort().join(',')}`);
    }
    for (const [name, want] of Object.entries(expected)) {
      const got = signed[name]!;
      if (typeof want === 'string' ? got !== want : !want.test(got)) return problem(fake, `${name}=${got}`);
    }
    if (!signature) return error(400, 'MissingSignature', 'Signature is mandatory for this action.');
    if (Math.abs(Date.parse(signed.Timestamp!) - fake.clock.getTime()) > 15 * 60_000) {
      return error(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    }
    if (usedNonces.has(signed.SignatureNonce!))
      return error(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    usedNonces.add(signed.SignatureNonce!);
    const secret = secrets[signed.AccessKeyId!];
    if (secret === undefined) return error(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (refAliyunSign('GET', signed, secret) !== signature) {
      // The real service echoes its string to sign, template parameters and all.
      return error(
        400,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${refAliyunStringToSign('GET', signed)}`,
      );
    }

    const scenario = fake.scenario;
    if (scenario.kind === 'http') return { status: scenario.status, body: scenario.body };
    if (scenario.kind === 'vendor-error') {
      return {
        status: scenario.status ?? 200,
        body: { Code: scenario.code, Message: scenario.message ?? 'error', RequestId: 'FAKE-REQ' },
      };
    }
    return { status: 200, body: { Code: 'OK', Message: 'OK', BizId: '900619746936498440^0', RequestId: 'FAKE-REQ' } };
  });
}

describe('Aliyun SMS', () => {
  let fake: FakeVendor;
  beforeAll(async () => {
    fake = await aliyunFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.seen.length = 0;
    fake.problems.length = 0;
    fake.scenario = { kind: 'ok' };
    fake.clock = NOW;
  });
  const make = (overrides: Partial<ConstructorParameters<typeof AliyunSms>[0]> = {}) =>
    new AliyunSms({ ...ALIYUN, endpoint: fake.url, now: () => NOW, ...overrides });

  it('sends SendSms with sorted, RFC 3986-encoded params and a valid HMAC-SHA1 signature', async () => {
    await make().send(MESSAGE);
    expect(fake.problems).toEqual([]);
    expect(fake.seen).toHaveLength(1);
    const { query } = fake.seen[0]!;
    const names = query.split('&').map((p) => p.split('=')[0]);
    // Sorted by name, Signature appended last.
    expect(names).toEqual([
      'AccessKeyId',
      'Action',
      'Format',
      'PhoneNumbers',
      'RegionId',
      'SignName',
      'SignatureMethod',
      'SignatureNonce',
      'SignatureVersion',
      'TemplateCode',
      'TemplateParam',
      'Timestamp',
      'Version',
      'Signature',
    ]);
    expect(query).toContain('&SignName=%E5%A2%A8%E7%9F%B3%20%28%E6%B5%8B%E8%AF%95%29&');
    expect(query).toContain('&TemplateParam=%7B%22code%22%3A%22042917%22%7D&');
    expect(query).toContain('&Timestamp=2024-05-01T20%3A00%3A00Z&');
    const params = Object.fromEntries(
      query.split('&').map((p) => p.split('=').map(decodeURIComponent) as [string, string]),
    );
    const { Signature, ...signed } = params;
    expect(Signature).toBe(refAliyunSign('GET', signed, ALIYUN.accessKeySecret));
  });

  it('known answer: fixed clock, nonce and secret give the exact URL and signature', async () => {
    const stub = stubFetch({ Code: 'OK', Message: 'OK', BizId: 'x', RequestId: 'y' });
    const provider = new AliyunSms({
      ...ALIYUN,
      accessKeySecret: 'kat-secret',
      fetch: stub.fetch,
      now: () => new Date('2024-05-01T08:30:00.999Z'),
      nonce: () => 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    });
    await provider.send(MESSAGE);
    const signed = {
      AccessKeyId: ALIYUN.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: '13600001111',
      RegionId: 'cn-hangzhou',
      SignName: ALIYUN.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_123456789',
      TemplateParam: '{"code":"042917"}',
      Timestamp: '2024-05-01T08:30:00Z',
      Version: '2017-05-25',
    };
    const expectedSignature = '+WSYTI1THdWTsZnhzECqLihyL/s=';
    expect(refAliyunSign('GET', signed, 'kat-secret')).toBe(expectedSignature);
    expect(stub.calls).toHaveLength(1);
    expect(stub.calls[0]!.init.method).toBe('GET');
    expect(stub.calls[0]!.url).toBe(
      'https://dysmsapi.aliyuncs.com/?AccessKeyId=LTAI5tTestAccessKey&Action=SendSms&Format=JSON&PhoneNumbers=13600001111' +
        '&RegionId=cn-hangzhou&SignName=%E5%A2%A8%E7%9F%B3%20%28%E6%B5%8B%E8%AF%95%29&SignatureMethod=HMAC-SHA1' +
        '&SignatureNonce=f47ac10b-58cc-4372-a567-0e02b2c3d479&SignatureVersion=1.0&TemplateCode=SMS_123456789' +
        '&TemplateParam=%7B%22code%22%3A%22042917%22%7D&Timestamp=2024-05-01T08%3A30%3A00Z&Version=2017-05-25' +
        `&Signature=${refPercentEncode(expectedSignature)}`,
    );
  });

  it.each([
    ['isv.MOBILE_NUMBER_ILLEGAL', 200, false],
    ['isv.BUSINESS_LIMIT_CONTROL', 200, false],
    ['isv.SMS_TEMPLATE_ILLEGAL', 200, false],
    ['isv.AMOUNT_NOT_ENOUGH', 200, false],
    ['isp.SYSTEM_ERROR', 200, true],
    ['Throttling.User', 400, true],
    ['ServiceUnavailable', 503, true],
  ] as const)('vendor code %s (HTTP %i) → SmsSendError retryable=%s', async (code, status, retryable) => {
    fake.scenario = { kind: 'vendor-error', code, status, message: `failed for ${MESSAGE.mobile}` };
    const err = await sendError(make());
    expect(fake.problems).toEqual([]);
    expect(err.vendorCode).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain(code);
    expectClean(err, [ALIYUN.accessKeySecret]);
  });

  it('HTTP 500 without a vendor body → retryable', async () => {
    fake.scenario = { kind: 'http', status: 500, body: '<html>Internal Server Error</html>' };
    const err = await sendError(make());
    expect(err.retryable).toBe(true);
    expect(err.vendorCode).toBeUndefined();
  });

  it('a wrong secret → SignatureDoesNotMatch, not retryable, and the echoed string to sign is not repeated', async () => {
    const err = await sendError(make({ accessKeySecret: 'tampered-secret' }));
    expect(fake.problems).toEqual([]);
    expect(err.vendorCode).toBe('SignatureDoesNotMatch');
    expect(err.retryable).toBe(false);
    expectClean(err, ['tampered-secret', ALIYUN.accessKeySecret]);
  });

  it('an unknown AccessKeyId → InvalidAccessKeyId.NotFound, not retryable', async () => {
    const err = await sendError(make({ accessKeyId: 'LTAI-unknown' }));
    expect(err.vendorCode).toBe('InvalidAccessKeyId.NotFound');
    expect(err.retryable).toBe(false);
  });

  it('a fresh nonce per request (the fake rejects reuse), a stale clock is rejected', async () => {
    const provider = make();
    await provider.send(MESSAGE);
    await provider.send(MESSAGE);
    expect(fake.problems).toEqual([]);
    const reused = make({ nonce: () => 'f47ac10b-58cc-4372-a567-0e02b2c3d479' });
    await reused.send(MESSAGE);
    expect((await sendError(reused)).vendorCode).toBe('SignatureNonceUsed');
    const stale = await sendError(make({ now: () => new Date(NOW.getTime() - 20 * 60_000) }));
    expect(stale.vendorCode).toBe('InvalidTimeStamp.Expired');
    expect(stale.retryable).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Tencent Cloud SMS SendSms (API 3.0, 2021-01-11).
// ---------------------------------------------------------------------------------------------

const TENCENT = {
  secretId: 'AKIDtestTencentSecretId',
  secretKey: 'tencent-secret-key-0123',
  sdkAppId: '1400006666',
  signName: '墨石',
  templateId: '1234567',
};
const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d\d-\d\d)\/([a-z]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function tencentFake(): Promise<FakeVendor> {
  const secrets: Record<string, string> = { [TENCENT.secretId]: TENCENT.secretKey };
  const error = (code: string, message: string): Reply => ({
    status: 200,
    body: { Response: { Error: { Code: code, Message: message }, RequestId: 'fake-req' } },
  });

  return startFake((seen, fake) => {
    const h = seen.headers;
    if (seen.method !== 'POST' || seen.path !== '/' || seen.query !== '')
      return problem(fake, `${seen.method} ${seen.path}?${seen.query}`);
    if (h['content-type'] !== 'application/json; charset=utf-8')
      return problem(fake, `content-type ${h['content-type']}`);
    if (h.host !== fake.host) return problem(fake, `host ${h.host}`);
    if (h['x-tc-action'] !== 'SendSms') return problem(fake, `x-tc-action ${h['x-tc-action']}`);
    if (h['x-tc-version'] !== '2021-01-11') return problem(fake, `x-tc-version ${h['x-tc-version']}`);
    if (h['x-tc-region'] !== 'ap-guangzhou') return problem(fake, `x-tc-region ${h['x-tc-region']}`);
    const tsHeader = String(h['x-tc-timestamp']);
    if (!/^\d{10}$/.test(tsHeader)) return problem(fake, `x-tc-timestamp ${tsHeader}`);
    const timestamp = Number(tsHeader);
    if (Math.abs(timestamp * 1000 - fake.clock.getTime()) > 5 * 60_000)
      return error('AuthFailure.SignatureExpire', 'Signature expired.');

    const auth = AUTHORIZATION.exec(String(h.authorization));
    if (!auth) return error('AuthFailure.InvalidAuthorization', 'Authorization header format error.');
    const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = auth;
    if (date !== new Date(timestamp * 1000).toISOString().slice(0, 10))
      return problem(fake, `credential date ${date} for ${timestamp}`);
    if (service !== 'sms') return problem(fake, `credential service ${service}`);
    const signedList = signedHeaders.split(';');
    if (!signedList.includes('content-type') || !signedList.includes('host'))
      return problem(fake, `SignedHeaders ${signedHeaders}`);
    const secretKey = secrets[secretId];
    if (secretKey === undefined)
      return error(
        'AuthFailure.SecretIdNotFound',
        'The SecretId is not found, please ensure that your SecretId is correct.',
      );
    const received = Object.fromEntries(signedList.map((name) => [name, String(h[name] ?? '')]));
    const expectedSig = refTc3({
      secretKey,
      service,
      method: 'POST',
      path: '/',
      query: '',
      headers: received,
      signedHeaders: signedList,
      payload: seen.body,
      timestamp,
    });
    if (expectedSig !== signature)
      return error(
        'AuthFailure.SignatureFailure',
        'The provided credentials could not be validated. Please check your signature is correct.',
      );

    const body: unknown = JSON.parse(seen.body);
    const expectedBody = {
      PhoneNumberSet: [`+86${MESSAGE.mobile}`],
      SmsSdkAppId: TENCENT.sdkAppId,
      SignName: TENCENT.signName,
      TemplateId: TENCENT.templateId,
      TemplateParamSet: [MESSAGE.params.code, String(MESSAGE.params.minutes)],
    };
    if (JSON.stringify(body) !== JSON.stringify(expectedBody)) return problem(fake, `body ${seen.body}`);

    const scenario = fake.scenario;
    if (scenario.kind === 'http') return { status: scenario.status, body: scenario.body };
    const statusOf = (code: string, message: string) => ({
      SerialNo: '2640:fake',
      PhoneNumber: `+86${MESSAGE.mobile}`,
      Fee: code === 'Ok' ? 1 : 0,
      SessionContext: '',
      Code: code,
      Message: message,
      IsoCode: 'CN',
    });
    if (scenario.kind === 'vendor-error') {
      // Request-level errors come as Response.Error; per-number ones in SendStatusSet.
      if (
        /^(AuthFailure|InternalError|RequestLimitExceeded|ServiceUnavailable|UnauthorizedOperation|FailedOperation\.SignatureIncorrectOrUnapproved)/.test(
          scenario.code,
        )
      ) {
        return error(scenario.code, scenario.message ?? 'error');
      }
      return {
        status: 200,
        body: {
          Response: { SendStatusSet: [statusOf(scenario.code, scenario.message ?? 'error')], RequestId: 'fake-req' },
        },
      };
    }
    return {
      status: 200,
      body: { Response: { SendStatusSet: [statusOf('Ok', 'send success')], RequestId: 'fake-req' } },
    };
  });
}

describe('Tencent Cloud SMS', () => {
  let fake: FakeVendor;
  beforeAll(async () => {
    fake = await tencentFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.seen.length = 0;
    fake.problems.length = 0;
    fake.scenario = { kind: 'ok' };
    fake.clock = NOW;
  });
  const make = (overrides: Partial<ConstructorParameters<typeof TencentSms>[0]> = {}) =>
    new TencentSms({ ...TENCENT, endpoint: fake.url, now: () => NOW, ...overrides });

  it('POSTs SendSms JSON with the X-TC headers and a valid TC3-HMAC-SHA256 Authorization', async () => {
    await make().send(MESSAGE);
    expect(fake.problems).toEqual([]);
    expect(fake.seen).toHaveLength(1);
    const seen = fake.seen[0]!;
    expect(seen.body).toBe(
      '{"PhoneNumberSet":["+8613600001111"],"SmsSdkAppId":"1400006666","SignName":"墨石","TemplateId":"1234567","TemplateParamSet":["042917","5"]}',
    );
    expect(seen.headers['x-tc-timestamp']).toBe('1714593600');
    const auth = AUTHORIZATION.exec(String(seen.headers.authorization));
    expect(auth).not.toBeNull();
    // The UTC date of the timestamp (it is already 2 May in Shanghai).
    expect(auth!.slice(1, 5)).toEqual([TENCENT.secretId, '2024-05-01', 'sms', 'content-type;host']);
    expect(auth![5]).toBe(
      refTc3({
        secretKey: TENCENT.secretKey,
        service: 'sms',
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': 'application/json; charset=utf-8', host: fake.host },
        signedHeaders: ['content-type', 'host'],
        payload: seen.body,
        timestamp: 1714593600,
      }),
    );
  });

  it('known answer: fixed clock and secret give the exact headers, body and signature', async () => {
    const stub = stubFetch({ Response: { SendStatusSet: [{ Code: 'Ok', Message: 'send success' }], RequestId: 'r' } });
    const provider = new TencentSms({
      ...TENCENT,
      secretKey: 'kat-secret',
      region: 'ap-beijing',
      fetch: stub.fetch,
      now: () => NOW,
    });
    await provider.send(MESSAGE);
    const payload =
      '{"PhoneNumberSet":["+8613600001111"],"SmsSdkAppId":"1400006666","SignName":"墨石","TemplateId":"1234567","TemplateParamSet":["042917","5"]}';
    const expectedSignature = 'a69cb058ae2b0ec5360c9ddb4988c0d8360d297ff2974c5470311f287d238947';
    expect(
      refTc3({
        secretKey: 'kat-secret',
        service: 'sms',
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': 'application/json; charset=utf-8', host: 'sms.tencentcloudapi.com' },
        signedHeaders: ['content-type', 'host'],
        payload,
        timestamp: 1714593600,
      }),
    ).toBe(expectedSignature);
    expect(stub.calls).toHaveLength(1);
    const { url, init } = stub.calls[0]!;
    expect(url).toBe('https://sms.tencentcloudapi.com/');
    expect(init.method).toBe('POST');
    expect(init.body).toBe(payload);
    expect(init.headers).toEqual({
      Authorization: `TC3-HMAC-SHA256 Credential=AKIDtestTencentSecretId/2024-05-01/sms/tc3_request, SignedHeaders=content-type;host, Signature=${expectedSignature}`,
      'Content-Type': 'application/json; charset=utf-8',
      'X-TC-Action': 'SendSms',
      'X-TC-Version': '2021-01-11',
      'X-TC-Timestamp': '1714593600',
      'X-TC-Region': 'ap-beijing',
    });
  });

  it.each([
    ['InvalidParameterValue.IncorrectPhoneNumber', false],
    ['LimitExceeded.PhoneNumberThirtySecondLimit', false],
    ['LimitExceeded.PhoneNumberDailyLimit', false],
    ['FailedOperation.TemplateIncorrectOrUnapproved', false],
    ['FailedOperation.SignatureIncorrectOrUnapproved', false],
    ['InternalError.Timeout', true],
    ['RequestLimitExceeded', true],
  ] as const)('vendor code %s → SmsSendError retryable=%s', async (code, retryable) => {
    fake.scenario = { kind: 'vendor-error', code, message: `phone ${MESSAGE.mobile} code ${MESSAGE.params.code}` };
    const err = await sendError(make());
    expect(fake.problems).toEqual([]);
    expect(err.vendorCode).toBe(code);
    expect(err.retryable).toBe(retryable);
    expectClean(err, [TENCENT.secretKey]);
  });

  it('HTTP 500 → retryable', async () => {
    fake.scenario = { kind: 'http', status: 502, body: '<html>Bad Gateway</html>' };
    expect((await sendError(make())).retryable).toBe(true);
    fake.scenario = { kind: 'http', status: 500, body: 'oops' };
    expect((await sendError(make())).retryable).toBe(true);
  });

  it('a wrong secret key → AuthFailure.SignatureFailure, not retryable', async () => {
    const err = await sendError(make({ secretKey: 'tampered-secret' }));
    expect(fake.problems).toEqual([]);
    expect(err.vendorCode).toBe('AuthFailure.SignatureFailure');
    expect(err.retryable).toBe(false);
    expectClean(err, ['tampered-secret', TENCENT.secretKey]);
  });

  it('a clock more than 5 minutes off → AuthFailure.SignatureExpire, not retryable', async () => {
    const err = await sendError(make({ now: () => new Date(NOW.getTime() + 6 * 60_000) }));
    expect(err.vendorCode).toBe('AuthFailure.SignatureExpire');
    expect(err.retryable).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Ronglian Yuntongxun TemplateSMS (REST 2013-12-26).
// ---------------------------------------------------------------------------------------------

const RONGLIAN = {
  accountSid: '8aaf07087f77bf96017f9a1b2c3d0001',
  authToken: 'ronglian-auth-token-0123456',
  appId: '8aaf07087f77bf96017f9a1b2c3d0002',
  templateId: '1',
};
const RONGLIAN_PATH = /^\/2013-12-26\/Accounts\/([^/]+)\/SMS\/TemplateSMS$/;

function ronglianFake(): Promise<FakeVendor> {
  const tokens: Record<string, string> = { [RONGLIAN.accountSid]: RONGLIAN.authToken };
  const error = (statusCode: string, statusMsg: string): Reply => ({ status: 200, body: { statusCode, statusMsg } });

  return startFake((seen, fake) => {
    const h = seen.headers;
    if (seen.method !== 'POST') return problem(fake, `method ${seen.method}`);
    const path = RONGLIAN_PATH.exec(seen.path);
    if (!path) return error('111100', '请求URL账号格式不正确');
    const sid = path[1]!;
    if (h.accept !== 'application/json') return problem(fake, `accept ${h.accept}`);
    if (h['content-type'] !== 'application/json;charset=utf-8')
      return problem(fake, `content-type ${h['content-type']}`);

    if (!h.authorization) return error('111101', '请求包头Authorization参数为空');
    const decoded = Buffer.from(h.authorization, 'base64').toString('utf8');
    if (Buffer.from(decoded, 'utf8').toString('base64') !== h.authorization)
      return error('111102', '请求包头Authorization参数Base64解码失败');
    const [authSid, timestamp, ...rest] = decoded.split(':');
    if (!authSid || timestamp === undefined || rest.length > 0)
      return error('111103', '请求包头Authorization参数解码后格式有误');
    if (authSid !== sid) return error('111107', '请求包头Authorization参数中账户ID跟请求地址中的账户ID不一致');
    if (!/^\d{14}$/.test(timestamp)) return error('111113', '请求包头Authorization参数中时间戳格式有误');
    if (Math.abs(refShanghaiTimestampToMs(timestamp) - fake.clock.getTime()) > 24 * 3600_000)
      return error('111106', '请求包头Authorization参数解码后时间戳过期');

    const query = new URLSearchParams(seen.query);
    if ([...query.keys()].join(',') !== 'sig') return problem(fake, `query ${seen.query}`);
    const sig = query.get('sig');
    if (!sig) return error('111108', '请求地址Sig参数为空');
    const token = tokens[sid];
    if (token === undefined) return error('111141', '主账户不存在');
    if (sig !== refRonglianSig(sid, token, timestamp)) return error('111109', '请求地址Sig校验失败');

    const expectedBody = {
      to: MESSAGE.mobile,
      appId: RONGLIAN.appId,
      templateId: RONGLIAN.templateId,
      datas: [MESSAGE.params.code, String(MESSAGE.params.minutes)],
    };
    const body: unknown = JSON.parse(seen.body);
    if (JSON.stringify(body) !== JSON.stringify(expectedBody)) return problem(fake, `body ${seen.body}`);

    const scenario = fake.scenario;
    if (scenario.kind === 'http') return { status: scenario.status, body: scenario.body };
    if (scenario.kind === 'vendor-error')
      return {
        status: scenario.status ?? 200,
        body: { statusCode: scenario.code, statusMsg: scenario.message ?? 'error' },
      };
    return {
      status: 200,
      body: {
        statusCode: '000000',
        templateSMS: { smsMessageSid: 'ff75e0f84f05445ba08efdd0fa0fake', dateCreated: timestamp },
      },
    };
  });
}

/** Inverse of refShanghaiTimestamp (China has had no DST since 1991). */
function refShanghaiTimestampToMs(ts: string): number {
  const n = (from: number, len: number) => Number(ts.slice(from, from + len));
  return Date.UTC(n(0, 4), n(4, 2) - 1, n(6, 2), n(8, 2), n(10, 2), n(12, 2)) - 8 * 3600_000;
}

describe('Ronglian Yuntongxun SMS', () => {
  let fake: FakeVendor;
  beforeAll(async () => {
    fake = await ronglianFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.seen.length = 0;
    fake.problems.length = 0;
    fake.scenario = { kind: 'ok' };
    fake.clock = NOW;
  });
  const make = (overrides: Partial<ConstructorParameters<typeof RonglianSms>[0]> = {}) =>
    new RonglianSms({ ...RONGLIAN, endpoint: fake.url, now: () => NOW, ...overrides });

  it('POSTs TemplateSMS with the MD5 sig in the query and base64(sid:timestamp) as Authorization', async () => {
    await make().send(MESSAGE);
    expect(fake.problems).toEqual([]);
    expect(fake.seen).toHaveLength(1);
    const seen = fake.seen[0]!;
    const timestamp = refShanghaiTimestamp(NOW);
    expect(timestamp).toBe('20240502040000');
    expect(seen.path).toBe(`/2013-12-26/Accounts/${RONGLIAN.accountSid}/SMS/TemplateSMS`);
    expect(seen.query).toBe(`sig=${refRonglianSig(RONGLIAN.accountSid, RONGLIAN.authToken, timestamp)}`);
    expect(seen.query).toMatch(/^sig=[0-9A-F]{32}$/);
    expect(seen.headers.authorization).toBe(Buffer.from(`${RONGLIAN.accountSid}:${timestamp}`).toString('base64'));
    expect(seen.body).toBe(`{"to":"13600001111","appId":"${RONGLIAN.appId}","templateId":"1","datas":["042917","5"]}`);
  });

  it('known answer: fixed clock and token give the exact URL, headers and body', async () => {
    const stub = stubFetch({ statusCode: '000000', templateSMS: { smsMessageSid: 'x', dateCreated: 'y' } });
    const provider = new RonglianSms({
      ...RONGLIAN,
      authToken: 'kat-token',
      fetch: stub.fetch,
      now: () => new Date('2024-12-31T16:30:05Z'),
    });
    await provider.send(MESSAGE);
    const expectedSig = '9AB6594E75AD8819154DB30C0603D53A';
    expect(refRonglianSig(RONGLIAN.accountSid, 'kat-token', '20250101003005')).toBe(expectedSig);
    expect(stub.calls).toHaveLength(1);
    const { url, init } = stub.calls[0]!;
    expect(url).toBe(
      `https://app.cloopen.com:8883/2013-12-26/Accounts/${RONGLIAN.accountSid}/SMS/TemplateSMS?sig=${expectedSig}`,
    );
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/json;charset=utf-8',
      Authorization: 'OGFhZjA3MDg3Zjc3YmY5NjAxN2Y5YTFiMmMzZDAwMDE6MjAyNTAxMDEwMDMwMDU=',
    });
    expect(Buffer.from('OGFhZjA3MDg3Zjc3YmY5NjAxN2Y5YTFiMmMzZDAwMDE6MjAyNTAxMDEwMDMwMDU=', 'base64').toString()).toBe(
      `${RONGLIAN.accountSid}:20250101003005`,
    );
    expect(init.body).toBe(`{"to":"13600001111","appId":"${RONGLIAN.appId}","templateId":"1","datas":["042917","5"]}`);
  });

  it.each([
    ['160038', false], // 短信验证码发送过频繁
    ['160040', false], // 验证码超出同模板同号码天发送上限
    ['160042', false], // 号码格式有误
    ['112310', false], // 应用未上线，模板短信接收号码外呼受限
    ['111111', true], // 超过规定的并发数
    ['160000', true], // 系统错误
  ] as const)('statusCode %s → SmsSendError retryable=%s', async (code, retryable) => {
    fake.scenario = { kind: 'vendor-error', code, message: `号码 ${MESSAGE.mobile} 验证码 ${MESSAGE.params.code}` };
    const err = await sendError(make());
    expect(fake.problems).toEqual([]);
    expect(err.vendorCode).toBe(code);
    expect(err.retryable).toBe(retryable);
    expectClean(err, [RONGLIAN.authToken]);
  });

  it('HTTP 500 → retryable', async () => {
    fake.scenario = { kind: 'http', status: 500, body: '<html>500</html>' };
    const err = await sendError(make());
    expect(err.retryable).toBe(true);
  });

  it('a wrong auth token → 111109 (Sig check failed), not retryable', async () => {
    const err = await sendError(make({ authToken: 'tampered-token' }));
    expect(fake.problems).toEqual([]);
    expect(err.vendorCode).toBe('111109');
    expect(err.retryable).toBe(false);
    expectClean(err, ['tampered-token', RONGLIAN.authToken]);
  });
});

// ---------------------------------------------------------------------------------------------
// Behaviour shared by every vendor adapter.
// ---------------------------------------------------------------------------------------------

describe('every vendor adapter', () => {
  let hanging: Server;
  let hangingUrl: string;
  let closedUrl: string;
  beforeAll(async () => {
    // Accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    // A port that was just free: connections are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });

  const vendors: [string, (endpoint: string, timeoutMs?: number) => SmsProvider, string][] = [
    ['aliyun', (endpoint, timeoutMs) => new AliyunSms({ ...ALIYUN, endpoint, timeoutMs }), ALIYUN.accessKeySecret],
    ['tencent', (endpoint, timeoutMs) => new TencentSms({ ...TENCENT, endpoint, timeoutMs }), TENCENT.secretKey],
    ['ronglian', (endpoint, timeoutMs) => new RonglianSms({ ...RONGLIAN, endpoint, timeoutMs }), RONGLIAN.authToken],
  ];

  it.each(vendors)(
    '%s: connection refused → retryable, nothing sensitive in the error',
    async (_name, make, secret) => {
      const err = await sendError(make(closedUrl));
      expect(err.retryable).toBe(true);
      expect(err.vendorCode).toBeUndefined();
      expectClean(err, [secret]);
    },
  );

  it.each(vendors)('%s: no answer within the timeout → retryable', async (_name, make) => {
    const started = Date.now();
    const err = await sendError(make(hangingUrl, 200));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/no response within 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each(vendors)('%s: a malformed number is refused before any request', async (_name, make) => {
    const err = await sendError(make(closedUrl), { ...MESSAGE, mobile: '+8613600001111' });
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('13600001111');
  });
});

describe('createSmsProvider and sendInJob', () => {
  const logger = { info: () => {} };

  it('builds the adapter named by the config and exposes its kind', () => {
    expect(createSmsProvider({ provider: 'console' }, logger).kind).toBe('console');
    expect(createSmsProvider({ provider: 'aliyun', ...ALIYUN }, logger)).toBeInstanceOf(AliyunSms);
    expect(createSmsProvider({ provider: 'tencent', ...TENCENT }, logger)).toBeInstanceOf(TencentSms);
    expect(createSmsProvider({ provider: 'ronglian', ...RONGLIAN }, logger).kind).toBe('ronglian');
    expect(() => createSmsProvider({ provider: 'aliyun', ...ALIYUN, accessKeySecret: '' }, logger)).toThrow(
      /accessKeySecret is required/,
    );
  });

  it('rethrows retryable failures, logs and swallows final ones (without the code)', async () => {
    const warnings: object[] = [];
    const jobLogger = { warn: (obj: object) => warnings.push(obj) };
    const failing = (err: SmsSendError): SmsProvider => ({ kind: 'aliyun', send: async () => Promise.reject(err) });

    await expect(sendInJob(failing(new SmsSendError('aliyun: HTTP 503', true)), MESSAGE, jobLogger)).rejects.toThrow(
      'HTTP 503',
    );
    expect(warnings).toHaveLength(0);

    await expect(
      sendInJob(
        failing(
          new SmsSendError('aliyun SendSms failed: isv.MOBILE_NUMBER_ILLEGAL', false, 'isv.MOBILE_NUMBER_ILLEGAL'),
        ),
        MESSAGE,
        jobLogger,
      ),
    ).resolves.toBe(false);
    expect(warnings).toEqual([
      {
        provider: 'aliyun',
        mobile: '136****1111',
        vendorCode: 'isv.MOBILE_NUMBER_ILLEGAL',
        reason: 'aliyun SendSms failed: isv.MOBILE_NUMBER_ILLEGAL',
      },
    ]);
    expect(JSON.stringify(warnings)).not.toContain(MESSAGE.params.code);

    await expect(sendInJob(new ConsoleSms(logger), MESSAGE, jobLogger)).resolves.toBe(true);
  });
});
