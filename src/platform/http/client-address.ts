/**
 * The client's IP outside Fastify (Socket.IO handshakes, the cluster primary's routing), by the
 * same rule Fastify applies to HTTP requests (TRUST_PROXY): the socket address unless the proxy in
 * front is trusted, in which case X-Forwarded-For is read from the right, one trusted hop at a time.
 */
import { BlockList, isIP } from 'node:net';
import type { Config } from '../../config.js';

/** What the rule reads of a request: an IncomingMessage, or the head of one parsed by hand. */
export interface RequestLike {
  socket: { remoteAddress?: string | undefined };
  headers: Record<string, string | string[] | undefined>;
}

export type TrustProxy = Config['trustProxy'];

function normalize(address: string): string {
  // IPv4 clients of a dual-stack listener show up as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function blockListOf(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || isIP(address) === 0) continue;
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/**
 * Whether the hop at `address`, `hop` steps from our socket (0 = the peer), is a proxy whose
 * X-Forwarded-For entry may be believed. Fastify gets this function as its `trustProxy` too:
 * Fastify 5 ignores a bare hop count (it trusts nothing then), which made `TRUST_PROXY=1` see every
 * client as the proxy's address, so one rule serves HTTP, Socket.IO and the cluster primary.
 *
 * A hop count trusts the nearest hops whoever they are: use it only when the app cannot be reached
 * except through those proxies (otherwise a client can write its own X-Forwarded-For).
 */
export function trustProxyFunction(trustProxy: TrustProxy): (address: string, hop: number) => boolean {
  if (trustProxy === true) return () => true;
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  const trusted = blockListOf(trustProxy);
  return (raw) => {
    const address = normalize(raw);
    const version = isIP(address);
    return version !== 0 && trusted.check(address, version === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Returns a function computing the client address of a request under `trustProxy`. */
export function clientAddressResolver(trustProxy: TrustProxy): (request: RequestLike) => string {
  const isTrusted = trustProxyFunction(trustProxy);
  return (request) => {
    const socketAddress = normalize(request.socket.remoteAddress ?? '');
    if (trustProxy === false) return socketAddress;
    const header = request.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((s) => normalize(s.trim()))
      .filter(Boolean);
    // Walk from the socket towards the client while the current hop is a trusted proxy.
    const chain = [socketAddress, ...forwarded.reverse()];
    let index = 0;
    while (index < chain.length - 1 && isTrusted(chain[index]!, index)) index++;
    return chain[index]!;
  };
}
