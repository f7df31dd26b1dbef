/**
 * Hostile numbers never reach a 500. The routes and their id/integer/cursor/page parameters are
 * enumerated from the OpenAPI document of the real app (so a new route is covered without editing
 * this file); each gets every hostile value, inside an otherwise valid request, and must answer
 * 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testDb, testRedis, type TestApp } from '../helpers/app.js';
import { randomIp } from '../helpers/http.js';

type Schema = Record<string, any>;
type Location = 'path' | 'query' | 'body';

interface Target {
  route: string;
  method: string;
  path: string;
  location: Location;
  /** Dotted path of the field (`channels.0.id`). */
  field: string;
  build(value: unknown): { url: string; query: Record<string, string>; payload?: string };
}

/** Strings Ajv coerces into Infinity or integers past 2^53 (or that no id may be). */
const HOSTILE_STRINGS = [
  'Infinity',
  '-Infinity',
  '1e400',
  '-1e400',
  'NaN',
  '1e20',
  '99999999999999999999',
  '9223372036854775808',
];
/** JSON numbers: 1e309 parses as Infinity; raw text, as JSON.stringify would write null. */
const HOSTILE_JSON_NUMBERS = ['1e309', '-1e309'];

/**
 * Values a parameter legitimately accepts. A comment cursor takes digits of any length by contract
 * (A43: past the id range it reads as the last position); A08 ignores `target` for a signed-in
 * caller (the test event goes to the caller) and this suite always signs in.
 */
const LONG_DIGITS = ['99999999999999999999', '9223372036854775808'];
const ACCEPTED: Record<string, string[]> = {
  'GET /app/v1_0/comments query:offset': LONG_DIGITS,
  'GET /mp/v1_0/comments query:offset': LONG_DIGITS,
  'GET /app/imtest/{event} query:target': LONG_DIGITS,
};

const SAMPLE_BY_PATTERN: Record<string, string> = {
  '^[0-9]{1,19}$': '1',
  '^[0-9]{1,40}$': '1',
  '^1[3-9][0-9]{9}$': '13800000000',
  '^[0-9]{6}$': '123456',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}$': '2024-01-01',
  '^(0|1|true|false)$': '1',
};
/** Path parameters whose valid values no pattern tells. */
const SAMPLE_BY_NAME: Record<string, string> = { event: 'f', mobile: '13800000000' };

function sample(schema: Schema): unknown {
  if (schema.anyOf) return sample(schema.anyOf[0]);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return schema.minItems ? [sample(schema.items)] : [];
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key: string) => [key, sample(schema.properties[key])]));
    default:
      return SAMPLE_BY_PATTERN[schema.pattern] ?? 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
  }
}

const numeric = (schema: Schema): boolean =>
  schema.type === 'integer' || schema.type === 'number' || (schema.anyOf ?? []).some((s: Schema) => numeric(s));

/** Dotted paths of every numeric field under a body schema. */
function numericFields(schema: Schema, prefix = ''): string[] {
  if (numeric(schema)) return [prefix];
  if (schema.type === 'array') return numericFields(schema.items, `${prefix}.0`);
  if (schema.type === 'object') {
    return Object.entries<Schema>(schema.properties ?? {}).flatMap(([key, sub]) =>
      numericFields(sub, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [];
}

/** A valid body with `value` at `field` (and whatever the path needs around it). */
function bodyWith(schema: Schema, field: string, raw: string): string {
  const marker = '"__HOSTILE__"';
  const body = sample(schema) as Record<string, unknown>;
  let node: any = body;
  let nodeSchema = schema;
  const parts = field.split('.');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (nodeSchema.type === 'array') {
      nodeSchema = nodeSchema.items;
      if (last) node[0] = '__HOSTILE__';
      else node = node[0] = sample(nodeSchema);
    } else {
      nodeSchema = nodeSchema.properties[part];
      if (last) node[part] = '__HOSTILE__';
      else node = node[part] = nodeSchema.type === 'array' ? [] : sample(nodeSchema);
    }
  });
  return JSON.stringify(body).replace(marker, raw);
}

function targetsOf(doc: Schema): Target[] {
  const targets: Target[] = [];
  for (const [path, operations] of Object.entries<Schema>(doc.paths)) {
    for (const [method, operation] of Object.entries<Schema>(operations)) {
      const params: Schema[] = operation.parameters ?? [];
      const required = (where: string) => params.filter((p) => p.in === where && p.required);
      const baseUrl = (override?: [string, string]) =>
        path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
          override && override[0] === name
            ? encodeURIComponent(override[1])
            : (SAMPLE_BY_NAME[name] ?? String(sample(params.find((p) => p.name === name)!.schema))),
        );
      const baseQuery = () => Object.fromEntries(required('query').map((p) => [p.name, String(sample(p.schema))]));
      const bodySchema: Schema | undefined = operation.requestBody?.content?.['application/json']?.schema;
      const baseBody = bodySchema ? JSON.stringify(sample(bodySchema)) : undefined;
      const route = `${method.toUpperCase()} ${path}`;
      for (const p of params) {
        const idPath = p.in === 'path' && /^(target|id|.*_id)$/.test(p.name);
        if (!(numeric(p.schema) || (p.schema.type === 'array' && numeric(p.schema.items)) || idPath)) continue;
        if (p.in !== 'path' && p.in !== 'query') continue;
        targets.push({
          route,
          method,
          path,
          location: p.in,
          field: p.name,
          build: (value) =>
            p.in === 'path'
              ? { url: baseUrl([p.name, String(value)]), query: baseQuery(), payload: baseBody }
              : { url: baseUrl(), query: { ...baseQuery(), [p.name]: String(value) }, payload: baseBody },
        });
      }
      if (bodySchema) {
        for (const field of numericFields(bodySchema)) {
          targets.push({
            route,
            method,
            path,
            location: 'body',
            field,
            build: (raw) => ({ url: baseUrl(), query: baseQuery(), payload: bodyWith(bodySchema, field, String(raw)) }),
          });
        }
      }
    }
  }
  return targets;
}

let t: TestApp;
let appToken: string;
let mpToken: string;
let targets: Target[];

describe(`hostile numbers (db=${testDb}, redis=${testRedis})`, () => {
  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'silent' });
    const mobile = '13800007777';
    const signIn = async (url: string) =>
      (
        await t.app.inject({ method: 'POST', url, payload: { mobile, code: '246810' }, remoteAddress: randomIp() })
      ).json().data.token as string;
    appToken = await signIn('/app/v1_0/authorizations');
    // One user who may call every route: verified author (MP) and admin.
    await t.platform.db
      .updateTable('users')
      .set({ verified: 1, is_media: 1, role: 'admin' })
      .where('mobile', '=', mobile)
      .execute();
    mpToken = await signIn('/mp/v1_0/authorizations');
    targets = targetsOf((await t.app.inject({ url: '/openapi.json' })).json());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds the parameters the issue named among the registered routes', () => {
    const names = targets.map((target) => `${target.route} ${target.location}:${target.field}`);
    for (const expected of [
      'GET /app/v1_1/articles query:channel_id',
      'GET /app/v1_1/articles query:timestamp',
      'POST /app/v1_0/article/likings body:target',
      'GET /app/v1_0/comments query:offset',
      'GET /app/v1_0/comments query:source',
      'GET /app/v1_0/user/followings query:page',
      'GET /app/v1_0/user/followings query:per_page',
      'GET /app/v1_0/articles/{article_id} path:article_id',
      'POST /app/v1_0/user/channels body:channels.0.id',
      'PUT /app/v1_0/user/notifications/read body:ids.0',
    ]) {
      expect(names).toContain(expected);
    }
    expect(targets.length).toBeGreaterThan(60);
  });

  it('answers every hostile value with a 400 naming the field, never a 5xx', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const target of targets) {
      const values = [
        ...HOSTILE_STRINGS.map((s) => (target.location === 'body' ? JSON.stringify(s) : s)),
        ...(target.location === 'body' ? HOSTILE_JSON_NUMBERS : []),
      ];
      for (const value of values) {
        const request = target.build(value);
        const res = await t.app.inject({
          method: target.method.toUpperCase() as 'GET',
          url: request.url,
          query: request.query,
          payload: request.payload,
          headers: {
            authorization: `Bearer ${target.path.startsWith('/mp/') ? mpToken : appToken}`,
            ...(request.payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          remoteAddress: randomIp(),
        });
        sent++;
        const plain = target.location === 'body' ? JSON.parse(value) : value;
        if (
          res.statusCode < 500 &&
          (ACCEPTED[`${target.route} ${target.location}:${target.field}`] ?? []).includes(String(plain))
        )
          continue;
        const message = res.statusCode === 400 ? (res.json() as { message: unknown }).message : undefined;
        const leaf = target.field.split('.').at(-1)!;
        const top = target.field.split('.')[0]!;
        const named =
          typeof message === 'object' && message !== null
            ? Object.keys(message).some(
                (key) =>
                  key === target.field ||
                  key === leaf ||
                  target.field.startsWith(`${key}.`) ||
                  key.startsWith(`${target.field}.`) ||
                  target.field.endsWith(`.${key}`),
              )
            : // A contract message in words ("Invalid channels param.").
              typeof message === 'string' && message.includes(top);
        // An id in the path that is no id does not match the route (the original `int` rule): 404;
        // or the route's contract message for an unknown id (A03: 400 "Invalid announcement.").
        const unmatchedPath =
          target.location === 'path' &&
          (res.statusCode === 404 || (res.statusCode === 400 && typeof message === 'string'));
        if (!named && !unmatchedPath)
          failures.push(
            `${res.statusCode} ${target.route} ${target.location}:${target.field}=${value} → ${res.body.slice(0, 120)}`,
          );
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  }, 300_000);

  it('refuses the exact requests of the report', async () => {
    const headers = { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' };
    const cases: [string, string, string | undefined, string][] = [
      ['POST', '/app/v1_0/article/likings', '{"target":"Infinity"}', 'target'],
      ['POST', '/app/v1_0/article/likings', '{"target":1e309}', 'target'],
      ['POST', '/app/v1_0/user/followings', '{"target":"1e400"}', 'target'],
      ['GET', `/app/v1_1/articles?channel_id=1e400&timestamp=${Date.now()}&with_top=1`, undefined, 'channel_id'],
    ];
    for (const [method, url, payload, field] of cases) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        payload,
        headers: payload ? headers : { authorization: headers.authorization },
        remoteAddress: randomIp(),
      });
      expect(res.statusCode, `${method} ${url} ${payload}`).toBe(400);
      expect(Object.keys(res.json().message)).toEqual([field]);
    }
  });
});
