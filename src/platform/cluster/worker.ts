/**
 * The worker side of sticky routing: the app's HTTP server takes the connections the primary
 * hands over instead of listening itself, and its Socket.IO session ids carry its cluster id so
 * the primary can route their requests back here.
 *
 * A server that never listened has none of Node's connection bookkeeping (server.close() and
 * closeIdleConnections() see nothing), so graceful shutdown is done here: idle connections are
 * closed at once, busy ones after their response (sent with `Connection: close`).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { isConnectionMessage, type WorkerMessage } from './messages.js';
import { sessionIdFor } from './routing.js';

export interface HandedConnections {
  /** Closes every handed connection, letting in-flight responses finish within `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

function tellPrimary(message: WorkerMessage): void {
  // During shutdown the channel may already be gone; the primary then forgets us anyway.
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
}

export function acceptFromPrimary(server: Server): HandedConnections {
  const open = new Set<Socket>();
  const busy = new Map<Socket, Set<ServerResponse>>();
  let draining = false;

  const onMessage = (message: unknown, handle: unknown) => {
    if (!isConnectionMessage(message) || !(handle instanceof Socket)) return;
    if (draining) {
      handle.destroy();
      return;
    }
    open.add(handle);
    handle.once('close', () => {
      open.delete(handle);
      busy.delete(handle);
    });
    server.emit('connection', handle);
    // The primary read these bytes to choose this worker; they are the start of the first request.
    if (message.head) handle.unshift(Buffer.from(message.head, 'base64'));
  };
  process.on('message', onMessage);

  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (!open.has(socket)) return;
    const responses = busy.get(socket) ?? new Set<ServerResponse>();
    busy.set(socket, responses);
    responses.add(response);
    if (draining) response.shouldKeepAlive = false;
    response.once('close', () => {
      responses.delete(response);
      if (draining && responses.size === 0) socket.end();
    });
  });

  return {
    async drain(timeoutMs) {
      draining = true;
      process.off('message', onMessage);
      for (const socket of open) {
        const responses = busy.get(socket);
        if (!responses?.size) {
          socket.end();
          continue;
        }
        for (const response of responses) if (!response.headersSent) response.shouldKeepAlive = false;
      }
      const deadline = Date.now() + timeoutMs;
      while (open.size > 0 && Date.now() < deadline) await sleep(20);
      for (const socket of open) socket.destroy();
    },
  };
}

interface EngineLike {
  generateId: (request: IncomingMessage) => string | PromiseLike<string>;
}

/** Makes Engine.IO sessions ids that name this worker (see routing.ts). */
export function stampSessions(engine: EngineLike, workerId: number): void {
  engine.generateId = () => sessionIdFor(workerId, randomBytes(12));
}

export function reportReady(): void {
  tellPrimary({ type: 'inkstone:ready' });
}
