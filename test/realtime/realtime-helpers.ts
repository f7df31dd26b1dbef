/**
 * Shared by the realtime suites: a real listening app, accounts signed in through A19, and
 * Socket.IO clients of both generations (2.x is what the Heima app ships, 4.x is current).
 */
import type { AddressInfo } from 'node:net';
import { io as ioV4, type Socket as V4Socket } from 'socket.io-client';
import ioV2, { type V2Socket } from 'socket.io-client-v2';
import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import { newUser } from '../helpers/factories.js';
import { randomIp, bearer } from '../helpers/http.js';
export { randomIp, bearer };

export type ClientVersion = 'v2' | 'v4';

export const DEFAULT_AVATAR = 'http://inkstone.test/assets/default-avatar.svg';

export interface Account {
  id: bigint;
  name: string;
  token: string;
  refreshToken: string;
}

export async function listen(app: App['app']): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** A user row from the factory, signed in through the real endpoint with the demo code. */
export async function account(built: App, values: { name?: string; photo?: string | null } = {}): Promise<Account> {
  const user = await newUser(built.platform, values);
  const res = await built.app.inject({
    method: 'POST',
    remoteAddress: randomIp(),
    url: '/app/v1_0/authorizations',
    payload: { mobile: user.mobile, code: '246810' },
  });
  expect(res.statusCode).toBe(201);
  const data = res.json().data as { token: string; refresh_token: string };
  return { id: user.id, name: user.name, token: data.token, refreshToken: data.refresh_token };
}

/** The small surface both client generations share. */
export interface TestClient {
  version: ClientVersion;
  raw: V2Socket | V4Socket;
  /** Every event received, in order, with its payload. */
  received: { event: string; payload: any }[];
  /** The raw text of every Socket.IO packet received (to check exact 64-bit digits). */
  packets: string[];
  emit(event: string, payload: unknown): void;
  /** The next `event` (or one already received and not yet taken). */
  next(event: string, timeoutMs?: number): Promise<any>;
  /** Resolves true if `event` arrives within `ms`, false otherwise. */
  arrives(event: string, ms: number): Promise<boolean>;
  close(): void;
}

export class RefusedError extends Error {
  constructor(
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

type PacketSource = { on(event: 'packet', fn: (packet: { type: string; data?: unknown }) => void): void };

function wrap(version: ClientVersion, raw: V2Socket | V4Socket, engine?: PacketSource): TestClient {
  const received: TestClient['received'] = [];
  const taken = new Set<number>();
  const packets: string[] = [];
  const waiters: { event: string; resolve: (payload: any) => void }[] = [];
  engine?.on('packet', (packet) => {
    if (packet.type === 'message' && typeof packet.data === 'string') packets.push(packet.data);
  });
  const onAny = (event: string, payload: unknown) => {
    received.push({ event, payload });
    const index = received.length - 1;
    const waiter = waiters.findIndex((w) => w.event === event);
    if (waiter >= 0) {
      taken.add(index);
      waiters.splice(waiter, 1)[0]!.resolve(payload);
    }
  };
  if (version === 'v4') (raw as V4Socket).onAny(onAny);
  else {
    // 2.x has no onAny: listen to the events the server can send.
    for (const event of ['following notify', 'liking notify', 'comment notify', 'announcement', 'message']) {
      (raw as V2Socket).on(event, (payload: unknown) => onAny(event, payload));
    }
  }
  const client: TestClient = {
    version,
    raw,
    received,
    packets,
    emit: (event, payload) => void raw.emit(event, payload),
    next(event, timeoutMs = 3000) {
      const index = received.findIndex((r, i) => r.event === event && !taken.has(i));
      if (index >= 0) {
        taken.add(index);
        return Promise.resolve(received[index]!.payload);
      }
      return new Promise((resolve, reject) => {
        const waiter = { event, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) {
            waiters.splice(at, 1);
            reject(new Error(`${version}: no "${event}" within ${timeoutMs} ms`));
          }
        }, timeoutMs);
      });
    },
    async arrives(event, ms) {
      try {
        await client.next(event, ms);
        return true;
      } catch {
        return false;
      }
    },
    close: () => void raw.close(),
  };
  return client;
}

export interface ConnectOptions {
  query?: Record<string, string>;
  transports?: ('polling' | 'websocket')[];
}

/** Connects and resolves once the namespace is joined; rejects with RefusedError when refused. */
export function connect(version: ClientVersion, url: string, options: ConnectOptions = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      raw.close();
      const data = (error as { data?: unknown })?.data ?? error;
      const message =
        error instanceof Error
          ? error.message
          : typeof error === 'string'
            ? error
            : ((error as { message?: string })?.message ?? 'refused');
      reject(new RefusedError(message, data));
    };
    let raw: V2Socket | V4Socket;
    let client: TestClient;
    if (version === 'v4') {
      const socket = ioV4(url, {
        query: options.query,
        transports: options.transports,
        forceNew: true,
        reconnection: false,
        timeout: 5000,
      });
      raw = socket;
      client = wrap(version, socket);
      socket.io.on('open', () =>
        socket.io.engine.on('packet', (p) => {
          if (p.type === 'message' && typeof p.data === 'string') client.packets.push(p.data);
        }),
      );
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', fail);
    } else {
      const socket = ioV2(url, {
        query: options.query,
        transports: options.transports,
        forceNew: true,
        reconnection: false,
        timeout: 5000,
      });
      raw = socket;
      client = wrap(version, socket, socket.io.engine as PacketSource);
      socket.once('connect', () => resolve(client));
      // 2.x: a refused namespace arrives as 'error' (the server's error data); transport failures as connect_error.
      socket.once('error', fail);
      socket.once('connect_error', fail);
    }
  });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
