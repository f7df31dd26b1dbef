/**
 * Response serializers shared between routes whose schemas are the same.
 *
 * Fastify compiles a serializer for every route × status, and fast-json-stringify gives each one
 * its own Ajv instance (~25 KB, more with its compiled code) whenever the schema has an `anyOf`:
 * the error body's `message` (a string, or field → message) puts one in every 4xx schema, so a
 * server held ~500 of them, ~10 MB of heap before any request. A serializer is a pure function of
 * its schema and the shared ($id) schemas it may reference, so equal texts of both share one.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;
type Serializer = ReturnType<ReturnType<SerializerFactory>>;

export function sharedSerializerFactory(build: SerializerFactory = SerializerSelector()): SerializerFactory {
  // Fastify asks for a compiler per encapsulation context (each plugin that registers routes), each
  // with the shared schemas visible there: key by their text too.
  const byShared = new Map<string, Map<string, Serializer>>();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    const sharedKey = JSON.stringify([externalSchemas ?? null, options ?? null]);
    const memo = byShared.get(sharedKey) ?? new Map<string, Serializer>();
    byShared.set(sharedKey, memo);
    return (route) => {
      const key = JSON.stringify(route.schema);
      let serialize = memo.get(key);
      if (!serialize) memo.set(key, (serialize = compile(route)));
      return serialize;
    };
  };
}
