/**
 * How the cluster primary picks a worker for a new TCP connection, from the first bytes the client
 * sent. Socket.IO long-polling sends every request of a session as a separate HTTP request, and
 * only the worker that holds the session can answer them; so:
 *
 * - a request naming a Socket.IO session (`sid=` in the request line) goes to the worker that
 *   reported that session;
 * - anything else goes to the worker chosen by a hash of the client address (the peer, or the
 *   X-Forwarded-For client when TRUST_PROXY trusts the proxy), so one client's connections,
 *   including the keep-alive connection a browser may reuse for a poll, meet the same worker.
 *
 * Pure functions; the sockets are handled in primary.ts.
 */
import { clientAddressResolver, type TrustProxy } from '../http/client-address.js';

const SID = /[?&]sid=([\w-]{20})(?:[&\s#]|$)/;

export interface RequestHead {
  /** The Engine.IO session id the request names, if any. */
  sid: string | undefined;
  /** The client address by the TRUST_PROXY rule. */
  client: string;
}

/**
 * Reads the request line and headers from the first chunk of a connection. A head split over
 * several chunks (or bytes that are not HTTP) leaves only the peer address to route by, which is
 * still sticky for that peer.
 */
export function headOf(chunk: Buffer, peer: string, trustProxy: TrustProxy): RequestHead {
  const end = chunk.indexOf('\r\n\r\n');
  const text = chunk.subarray(0, end === -1 ? Math.min(chunk.length, 8192) : end).toString('latin1');
  const lines = text.split('\r\n');
  const requestLine = lines[0] ?? '';
  const sid = SID.exec(requestLine.split(' ')[1] ?? '')?.[1];
  const headers: Record<string, string> = {};
  if (trustProxy !== false && end !== -1) {
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name !== 'x-forwarded-for') continue;
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
    }
  }
  return { sid, client: clientAddressResolver(trustProxy)({ socket: { remoteAddress: peer }, headers }) };
}

/** FNV-1a: cheap, stable across processes and restarts, spreads addresses evenly. */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The slot for a client among `ready` (one flag per worker slot): its hashed slot, or the next
 * ready one while that worker is restarting. `undefined` when no worker is ready.
 */
export function slotFor(client: string, ready: readonly boolean[]): number | undefined {
  const count = ready.length;
  const home = hashOf(client) % count;
  for (let step = 0; step < count; step++) {
    const slot = (home + step) % count;
    if (ready[slot]) return slot;
  }
  return undefined;
}
