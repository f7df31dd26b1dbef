/**
 * The Socket.IO server (contract §3): same port as the API, path `/socket.io/`, namespace `/`,
 * polling and websocket, Engine.IO v3 clients allowed (the app pins socket.io-client 2.x).
 *
 * Identity comes from the handshake query: `token` (an access JWT, checked like a Bearer token
 * on HTTP) or `a` (an anonymous id). A present but bad token is refused with a clear error; no
 * identity at all is accepted as anonymous, because the app's chat page connects that way. A
 * signed-in socket joins the room `String(user_id)`, so an event for a user reaches every device;
 * an anonymous socket only has its own room.
 *
 * With REDIS_URL the Socket.IO Redis adapter relays every room emit to all nodes, so a
 * notification caused by a request on node A reaches the user's socket on node B. Without Redis
 * everything works within one process.
 *
 * Limits (REALTIME_LIMITS): connections per user (all nodes) and per IP (this node), message size,
 * heartbeats that drop dead clients; closing happens in Fastify's preClose, before the HTTP
 * server stops, so clients see a clean close and reconnect to another node.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type * as RedisAdapter from '@socket.io/redis-adapter';
import type { Config } from '../../config.js';
import type { Authenticator } from '../http/auth.js';
import type { KeyValueStore } from '../kv/kv.js';
import { RedisKeyValueStore } from '../kv/redis-kv.js';
import { clientAddressResolver } from '../http/client-address.js';
import { adapterParser, exactParser } from './codec.js';
import { optionalPackage } from '../optional-package.js';
import { Presence } from './presence.js';

export const REALTIME_PATH = '/socket.io/';

export const REALTIME_LIMITS = {
  /** Sockets one user may hold open, counted over every node. */
  connectionsPerUser: 10,
  /** Engine.IO connections from one IP address on one node. */
  connectionsPerIp: 50,
  /** Largest message a client may send (bytes); larger ones close that client's connection. */
  maxPayloadBytes: 16 * 1024,
  /** Server pings every pingInterval and drops a client that has not answered within pingTimeout. */
  pingIntervalMs: 25_000,
  pingTimeoutMs: 20_000,
  /** A client that opened a connection but never joined the namespace is dropped after this. */
  connectTimeoutMs: 10_000,
};

export type RealtimeLimits = typeof REALTIME_LIMITS;

/** What the handshake established, on `socket.data` (strings: it crosses nodes in fetchSockets). */
export interface SocketIdentity {
  /** Signed-in user id (decimal string), or null for an anonymous socket. */
  userId: string | null;
  /** The `a` query parameter of an anonymous socket, when given. */
  anonymousId: string | null;
  ip: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvents = Record<string, (...args: any[]) => void>;
export type RealtimeSocket = Socket<AnyEvents, AnyEvents, AnyEvents, SocketIdentity>;
export type RealtimeServer = Server<AnyEvents, AnyEvents, AnyEvents, SocketIdentity>;

/** Why a handshake was refused: `message` is the error's text, `code` a stable machine-readable reason. */
export class HandshakeRefused extends Error {
  readonly data: { message: string; code: string };
  constructor(message: string, code: string) {
    super(message);
    this.name = 'HandshakeRefused';
    // Socket.IO sends `data` to the client: connect_error's err.data (4.x), the 'error' event (2.x).
    this.data = { message, code };
  }
}

const TOKEN_REFUSALS = {
  invalid: ['Token has some errors.', 'invalid_token'],
  expired: ['Token has some errors.', 'invalid_token'],
  'session-revoked': ['Token has some errors.', 'invalid_token'],
  'refresh-token': ['Do not use refresh token.', 'refresh_token'],
  'user-disabled': ['User denied.', 'user_denied'],
} as const;

const ANONYMOUS_ID = /^[\w.:-]{1,128}$/;

export interface RealtimeOptions {
  config: Pick<Config, 'corsOrigins' | 'corsCredentials' | 'redisPrefix' | 'trustProxy'>;
  kv: KeyValueStore;
  logger: Logger;
  limits?: Partial<RealtimeLimits>;
}

function firstString(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

export class Realtime {
  readonly presence: Presence;
  readonly limits: RealtimeLimits;
  private readonly options: RealtimeOptions;
  private readonly logger: Logger;
  private readonly handlers: ((socket: RealtimeSocket) => void)[] = [];
  private readonly perIp = new Map<string, number>();
  private io: RealtimeServer | undefined;
  private redis: Redis[] = [];
  private closing: Promise<void> | undefined;

  constructor(options: RealtimeOptions) {
    this.options = options;
    this.logger = options.logger;
    this.limits = { ...REALTIME_LIMITS, ...options.limits };
    this.presence = new Presence({ kv: options.kv, logger: options.logger });
  }

  /** Runs for every socket that joined (after its identity was established and its rooms joined). */
  onConnection(handler: (socket: RealtimeSocket) => void): void {
    this.handlers.push(handler);
  }

  /** Sends `event` to every connected device of `userId`, on every node. */
  emitToUser(userId: bigint, event: string, payload: unknown): void {
    this.io?.to(userId.toString()).emit(event, payload);
  }

  /** Sends `event` to a room (a user id, or a socket id) on every node. */
  emitToRoom(room: string, event: string, payload: unknown): void {
    this.io?.to(room).emit(event, payload);
  }

  /** Sends `event` to every connected socket on every node. */
  broadcast(event: string, payload: unknown): void {
    this.io?.emit(event, payload);
  }

  isOnline(userId: bigint): Promise<boolean> {
    return this.presence.isOnline(userId);
  }

  onlineSet(userIds: Iterable<bigint>): Promise<Set<bigint>> {
    return this.presence.onlineSet(userIds);
  }

  /** Sockets connected to this node. */
  get localSockets(): number {
    return this.io?.of('/').sockets.size ?? 0;
  }

  /** Engine.IO connections from `ip` on this node (what the per-IP cap counts). */
  connectionsFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  get server(): RealtimeServer | undefined {
    return this.io;
  }

  /**
   * Attaches Socket.IO to the app's HTTP server (before or after listen) and closes it in the
   * app's preClose. `authenticator` checks handshake tokens exactly as the HTTP auth hook does.
   */
  async attach(app: FastifyInstance, authenticator: Authenticator): Promise<void> {
    if (this.io) throw new Error('realtime: already attached');
    const { config } = this.options;
    const limits = this.limits;
    const addressOf = clientAddressResolver(config.trustProxy);

    const io: RealtimeServer = new Server(app.server, {
      path: REALTIME_PATH,
      serveClient: false,
      transports: ['polling', 'websocket'],
      allowEIO3: true,
      cors: { origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: config.corsCredentials },
      maxHttpBufferSize: limits.maxPayloadBytes,
      pingInterval: limits.pingIntervalMs,
      pingTimeout: limits.pingTimeoutMs,
      connectTimeout: limits.connectTimeoutMs,
      parser: exactParser,
      allowRequest: (request, callback) => {
        if (this.closing) return callback('Server shutting down.', false);
        const ip = addressOf(request);
        if ((this.perIp.get(ip) ?? 0) >= limits.connectionsPerIp)
          return callback('Too many connections from this address.', false);
        callback(null, true);
      },
    });
    this.io = io;

    if (this.options.kv instanceof RedisKeyValueStore) {
      // Duplicates keep the store's bounded options (command timeout, no retries), but queue the
      // adapter's first SUBSCRIBEs while they connect.
      const pub = this.options.kv.client.duplicate({ enableOfflineQueue: true });
      const sub = this.options.kv.client.duplicate({ enableOfflineQueue: true });
      handleDroppedPromises(pub, ['publish']);
      handleDroppedPromises(sub, ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe']);
      let reported = 0;
      for (const client of [pub, sub]) {
        client.on('error', (error) => {
          // Reconnection retries every second at most during an outage: one line a minute is enough.
          if (Date.now() - reported < 60_000) return;
          reported = Date.now();
          this.logger.warn({ err: error }, 'realtime: Redis adapter connection error');
        });
      }
      this.redis = [pub, sub];
      io.adapter(
        // Loaded with Redis only: the embedded default has no use for it.
        optionalPackage<typeof RedisAdapter>('@socket.io/redis-adapter').createAdapter(pub, sub, {
          key: `${config.redisPrefix}socket.io`,
          parser: adapterParser,
          requestsTimeout: 3_000,
        }),
      );
      // The adapter subscribes on `sub` without waiting; a command queued behind those
      // subscriptions answers once they are in place, so no emit from another node is missed.
      await sub.ping();
    }
    await this.presence.start();

    // Per-IP counts follow Engine.IO connections (one per client, whatever the namespaces).
    io.engine.on(
      'connection',
      (connection: { request: Parameters<typeof addressOf>[0]; once(event: 'close', fn: () => void): void }) => {
        const ip = addressOf(connection.request);
        this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
        connection.once('close', () => {
          const left = (this.perIp.get(ip) ?? 1) - 1;
          if (left > 0) this.perIp.set(ip, left);
          else this.perIp.delete(ip);
        });
      },
    );

    // Node's server.close() only closes the connections idle at that moment; one that was busy
    // (a request in flight, a long-poll) would then stay open until its keep-alive timeout and hold
    // the shutdown. While closing, responses say `connection: close`, and each connection is closed
    // as soon as it turns idle.
    app.server.prependListener('request', (_request, response) => {
      if (this.closing) response.setHeader('connection', 'close');
      response.once('finish', () => {
        if (this.closing) setImmediate(() => app.server.closeIdleConnections());
      });
    });

    io.use((socket, next) => {
      // Socket.IO ignores a middleware's promise: settle every path here, or a failure is unhandled.
      this.identify(socket, authenticator, addressOf(socket.request))
        .then((refusal) => next(refusal))
        .catch((error: unknown) => {
          this.logger.error({ err: error }, 'realtime: handshake failed');
          next(new HandshakeRefused('Server error.', 'server_error'));
        });
    });

    io.on('connection', (socket) => {
      const { userId } = socket.data;
      if (userId !== null) {
        void socket.join(userId);
        this.presence.add(BigInt(userId));
        socket.once('disconnect', () => this.presence.remove(BigInt(userId)));
      }
      for (const handler of this.handlers) {
        try {
          handler(socket);
        } catch (error) {
          this.logger.error({ err: error }, 'realtime: connection handler failed');
        }
      }
    });

    // Before Fastify stops the HTTP server: sockets are closed (clients reconnect elsewhere) and this
    // node's presence is withdrawn while the platform (kv) is still open.
    app.addHook('preClose', async () => {
      await this.close();
    });
  }

  /** Establishes `socket.data` from the handshake, or returns why the handshake is refused. */
  private async identify(
    socket: RealtimeSocket,
    authenticator: Authenticator,
    ip: string,
  ): Promise<HandshakeRefused | undefined> {
    if (this.closing) return new HandshakeRefused('Server shutting down.', 'shutting_down');
    const query = socket.handshake.query;
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    // `token` in the query (the contract; 2.x clients can only do that) or in 4.x's `auth`.
    const token = firstString(query.token) ?? firstString(auth.token);
    const anonymous = firstString(query.a) ?? firstString(auth.a);

    if (token !== undefined) {
      const result = await authenticator.authenticate(token.replace(/^Bearer /, ''));
      if (!result.ok) {
        const [message, code] = TOKEN_REFUSALS[result.problem];
        return new HandshakeRefused(message, code);
      }
      return this.admit(socket, result.claims.userId, ip);
    }
    if (token === undefined && authenticator.authenticateCookie) {
      // The reader site's pages: the browser sends the session cookie with the handshake.
      const reader = await authenticator.authenticateCookie(socket.request.headers.cookie);
      if (reader) return this.admit(socket, reader.userId, ip);
    }
    if (anonymous !== undefined && !ANONYMOUS_ID.test(anonymous)) {
      return new HandshakeRefused('Invalid anonymous id.', 'invalid_anonymous_id');
    }
    socket.data = { userId: null, anonymousId: anonymous ?? null, ip };
    return undefined;
  }

  private async admit(socket: RealtimeSocket, userId: bigint, ip: string): Promise<HandshakeRefused | undefined> {
    if ((await this.presence.count(userId)) >= this.limits.connectionsPerUser) {
      return new HandshakeRefused('Too many connections for this user.', 'too_many_connections');
    }
    socket.data = { userId: userId.toString(), anonymousId: null, ip };
    return undefined;
  }

  /** Closes every socket and this node's share of presence; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const io = this.io;
      if (io) {
        // What io.close() does, except closing the HTTP server: Fastify closes that next, after its
        // in-flight requests (io.close() would wait for every keep-alive connection instead).
        // Closing the Engine.IO connections (not disconnecting the sockets) makes clients see a
        // transport close, so they reconnect, to another node.
        io.engine.close();
        await io.of('/').adapter.close();
      }
      await this.presence.close();
      await Promise.all(this.redis.map((client) => client.quit().catch(() => client.disconnect())));
    })();
    return this.closing;
  }
}

export function createRealtime(options: RealtimeOptions): Realtime {
  return new Realtime(options);
}

/**
 * The adapter never handles the promises of these calls, and on bounded connections a Redis that
 * is down or slow (past the command timeout) rejects them; unhandled, Node would end the process.
 * A failed publish loses that cross-node emit; a timed-out (UN)SUBSCRIBE usually still reaches
 * Redis, and ioredis re-subscribes after a reconnect.
 */
function handleDroppedPromises(client: Redis, methods: readonly string[]): void {
  const calls = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of methods) {
    const call = calls[method]!.bind(client);
    calls[method] = (...args: unknown[]) => {
      const result = call(...args);
      if (result instanceof Promise) result.catch(() => {});
      return result;
    };
  }
}
