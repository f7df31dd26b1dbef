/**
 * The per-request logger made on first use writes exactly what Fastify's own child would: the
 * request id binding, redaction, the parent's level, a route's own logLevel.
 */
import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from '../../src/platform/http/lazy-logger.js';
import { REDACTED_PATHS } from '../../src/platform/logger.js';

async function appLogging(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
  const app = Fastify({
    loggerInstance: logger,
    childLoggerFactory: lazyChildLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/info', async (request) => {
    request.log.info({ user: { token: 'secret-token' } }, 'hello');
    request.log.debug('not at info');
    return { ok: request.log.level };
  });
  app.get('/chatty', { logLevel: 'debug' }, async (request) => {
    request.log.debug('route level');
    return { ok: request.log.level };
  });
  app.get('/child', async (request) => {
    request.log.child({ part: 'inner' }).warn('from a child');
    return {};
  });
  await app.ready();
  return { app, lines };
}

describe('lazy per-request logger', () => {
  it('writes the request id and redacts, at the parent level', async () => {
    const { app, lines } = await appLogging('info');
    const res = await app.inject({ url: '/info', headers: { 'x-request-id': 'r-1' } });
    expect(res.json()).toEqual({ ok: 'info' });
    const hello = lines.filter((l) => l.msg === 'hello');
    expect(hello).toHaveLength(1);
    expect(hello[0]).toMatchObject({ reqId: expect.any(String), user: { token: '[redacted]' } });
    expect(lines.some((l) => l.msg === 'not at info')).toBe(false);
    await app.close();
  });

  it("honours a route's own logLevel", async () => {
    const { app, lines } = await appLogging('info');
    expect((await app.inject({ url: '/chatty' })).json()).toEqual({ ok: 'debug' });
    expect(lines.filter((l) => l.msg === 'route level')).toHaveLength(1);
    await app.close();
  });

  it('writes nothing below the level, and children keep the bindings', async () => {
    const { app, lines } = await appLogging('warn');
    await app.inject({ url: '/info' });
    expect(lines.filter((l) => l.msg === 'hello')).toEqual([]);
    await app.inject({ url: '/child' });
    expect(lines.find((l) => l.msg === 'from a child')).toMatchObject({ reqId: expect.any(String), part: 'inner' });
    await app.close();
  });
});
