/**
 * Article bodies leave as bytes: serialized by the route's own compiled serializer (so the
 * response schema stays the allowlist), then hashed for the ETag and written to the socket as a
 * Buffer instead of encoding a 4 KB string twice. Callers keep bodies that many requests share in
 * a NearCache keyed by their content (cards' and entries' `rev`, live counts).
 */
import type { FastifyReply } from 'fastify';

const JSON_TYPE = 'application/json; charset=utf-8';

/** NearCache settings for rendered bodies: ten seconds, bounded in count and in bytes. */
export const RENDERED_BODIES = {
  max: 2_000,
  ttlMs: 10_000,
  maxBytes: 8 << 20,
  sizeOf: (bytes: Buffer) => bytes.length,
} as const;

/** The 200 body of this route, as bytes. */
export function renderJson(reply: FastifyReply, payload: unknown): Buffer {
  return Buffer.from(reply.getSerializationFunction('200')!(payload as { [key: string]: unknown }));
}

/** Sends rendered bytes as JSON (they skip Fastify's serializer, so its payload type does not cover them). */
export function sendJson(reply: FastifyReply, bytes: Buffer): never {
  return reply.type(JSON_TYPE).send(bytes) as never;
}

/** A fresh content revision for a cached entry (see CardEntry.rev). */
export function newRev(): number {
  return Math.floor(Math.random() * 2 ** 48);
}
