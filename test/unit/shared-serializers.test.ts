import Fastify from 'fastify';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { describe, expect, it } from 'vitest';
import { sharedSerializerFactory } from '../../src/platform/http/shared-serializers.js';

/** The error body's shape: an `anyOf`, which costs fast-json-stringify an Ajv instance per build. */
const errorBody = () => ({
  type: 'object',
  required: ['message'],
  properties: {
    message: {
      anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }],
    },
  },
});

/** A server on the shared factory, counting the serializers fast-json-stringify really builds. */
function server() {
  const inner = SerializerSelector();
  const built: string[] = [];
  const counting: ReturnType<typeof SerializerSelector> = (externalSchemas, options) => {
    const compile = inner(externalSchemas, options);
    return (route) => {
      built.push(`${route.method} ${route.url} ${route.httpStatus}`);
      return compile(route);
    };
  };
  const app = Fastify({
    schemaController: { compilersFactory: { buildSerializer: sharedSerializerFactory(counting) } },
  });
  return { app, built };
}

describe('shared response serializers', () => {
  it('builds one serializer for routes whose response schemas are equal, and each serializes right', async () => {
    const { app, built } = server();
    app.get('/a', { schema: { response: { 400: errorBody() } } }, (_req, reply) =>
      reply.code(400).send({ message: 'bad', extra: 'dropped' }),
    );
    // Registered in its own plugin, as our modules are: another encapsulation context.
    await app.register(async (child) => {
      child.get('/b', { schema: { response: { 400: errorBody() } } }, (_req, reply) =>
        reply.code(400).send({ message: { mobile: 'required' } }),
      );
    });
    app.get(
      '/c',
      { schema: { response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } } } },
      () => ({
        n: 7,
        secret: 'x',
      }),
    );
    await app.ready();

    expect(JSON.parse((await app.inject('/a')).body)).toEqual({ message: 'bad' });
    expect(JSON.parse((await app.inject('/b')).body)).toEqual({ message: { mobile: 'required' } });
    expect(JSON.parse((await app.inject('/c')).body)).toEqual({ n: 7 });
    // /a's error body is built once (HEAD /a, GET /b and HEAD /b reuse it); /c's body its own.
    expect(built).toHaveLength(2);
    expect(built[0]).toBe('GET /a 400');
    expect(built[1]).toMatch(/^GET \/c 200$/);
    await app.close();
  });

  it('keeps serializers apart when the shared schemas they may reference differ', async () => {
    const { app, built } = server();
    const refBody = { type: 'object', properties: { item: { $ref: 'Item#' } } };
    await app.register(async (child) => {
      child.addSchema({ $id: 'Item', type: 'object', properties: { a: { type: 'string' } } });
      child.get('/one', { schema: { response: { 200: refBody } } }, () => ({ item: { a: 'x', b: 'y' } }));
    });
    await app.register(async (child) => {
      child.addSchema({ $id: 'Item', type: 'object', properties: { b: { type: 'string' } } });
      child.get('/two', { schema: { response: { 200: refBody } } }, () => ({ item: { a: 'x', b: 'y' } }));
    });
    await app.ready();

    expect(JSON.parse((await app.inject('/one')).body)).toEqual({ item: { a: 'x' } });
    expect(JSON.parse((await app.inject('/two')).body)).toEqual({ item: { b: 'y' } });
    expect(built.filter((route) => route.startsWith('GET'))).toEqual(['GET /one 200', 'GET /two 200']);
    await app.close();
  });
});
