/**
 * How the cluster primary picks a worker for a new TCP connection, from the first bytes the client
 * sent. Socket.IO long-polling sends every request of a session as a separate HTTP request, and
 * only the worker that holds the session can answer them; so:
 *
 * - a request naming a Socket.IO session (`sid=` in the request line) goes to the worker that
 *   made that session: workers stamp their cluster id on the ids they generate (sessionIdFor), so
 *   the primary needs no table and no message from the worker, which could arrive after the
 *   client's next request;
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

const WORKER_ID_CHARS = 4; // base36: worker ids up to 1,679,615 (they grow with each restart)

/** An Engine.IO session id for worker `workerId`: its id in 4 base36 digits + 96 random bits. */
export function sessionIdFor(workerId: number, random: Buffer): string {
  return workerId.toString(36).padStart(WORKER_ID_CHARS, '0') + random.subarray(0, 12).toString('base64url');
}

/** The worker id stamped on a session id, if it carries one. */
export function workerOfSession(sid: string): number | undefined {
  const stamp = sid.slice(0, WORKER_ID_CHARS);
  if (!/^[0-9a-z]{4}$/.test(stamp)) return undefined;
  return Number.parseInt(stamp, 36);
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
