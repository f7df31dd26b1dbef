/**
 * Exact 64-bit ids over Socket.IO (contract §1.5). Ids are bigint inside the app and must leave as
 * JSON integers with every digit (a content id has 19 digits, beyond a double's 2^53). Socket.IO
 * encodes packets with JSON.stringify, which throws on bigint, and the Redis adapter forwards
 * packets between nodes with msgpack, which cannot carry bigint either. So:
 *
 * - `exactParser` is Socket.IO's own parser with an encoder that writes bigint as plain integer
 *   digits (what the HTTP side does through fast-json-stringify); decoding is unchanged.
 * - `adapterParser` is the node-to-node codec of the Redis adapter: JSON in which a bigint travels
 *   as `{"\u0000bigint":"<digits>"}` and is revived as bigint on the receiving node, whose own
 *   encoder then writes it exactly. Only server-made values cross it (packets we emit, socket
 *   metadata), never raw client objects, so the tag cannot be forged by a client.
 */
import { createRequire } from 'node:module';
import type * as SocketIoParser from 'socket.io-parser';

// The parser Socket.IO itself depends on, resolved from Socket.IO's own location (not a direct dependency).
const requireFromSocketIo = createRequire(createRequire(import.meta.url).resolve('socket.io'));
const sioParser = requireFromSocketIo('socket.io-parser') as typeof SocketIoParser;

/** JSON.stringify, except that bigints are written as exact integer literals. */
export function stringifyExact(value: unknown): string {
  if (!containsBigInt(value)) return JSON.stringify(value);
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return write(withJson.toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const written = write(item);
    if (written !== undefined) parts.push(`${JSON.stringify(key)}:${written}`);
  }
  return `{${parts.join(',')}}`;
}

function containsBigInt(value: unknown, depth = 0): boolean {
  if (typeof value === 'bigint') return true;
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (containsBigInt(item, depth + 1)) return true;
  }
  return false;
}

function containsBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (containsBinary(item, depth + 1)) return true;
  }
  return false;
}

class ExactIdEncoder extends sioParser.Encoder {
  override encode(packet: SocketIoParser.Packet): any[] {
    if (packet.data == null || !containsBigInt(packet.data) || containsBinary(packet.data)) return super.encode(packet);
    // The header (type, namespace, ack id) exactly as Socket.IO writes it, then the exact JSON.
    const [header] = super.encode({ ...packet, data: undefined });
    return [`${header as string}${stringifyExact(packet.data)}`];
  }
}

/** The `parser` option of the Socket.IO server. */
export const exactParser = { Encoder: ExactIdEncoder, Decoder: sioParser.Decoder };

const BIGINT_TAG = '\u0000bigint';

/** The `parser` option of the Redis adapter: JSON with tagged bigints. */
export const adapterParser = {
  encode(value: unknown): string {
    return JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? { [BIGINT_TAG]: item.toString() } : item,
    );
  },
  decode(message: Buffer | string): unknown {
    return JSON.parse(message.toString(), (_key, item: unknown) => {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const tagged = (item as Record<string, unknown>)[BIGINT_TAG];
        if (typeof tagged === 'string' && /^-?\d+$/.test(tagged)) return BigInt(tagged);
      }
      return item;
    });
  },
};
