/**
 * The cluster primary's listener with sticky routing (see routing.ts for the rule).
 *
 * Node's own cluster balancing hands each connection to the next worker, which breaks Socket.IO
 * long-polling (the app's client 2.x starts on polling): the second request of a session meets a
 * worker that never saw it. Here the primary accepts, reads the first chunk of the connection to
 * choose a worker, and passes the socket handle over IPC, as Node's round-robin does internally;
 * the bytes never travel through the primary after that, and keep-alive stays on.
 *
 * Why not @socket.io/sticky: it turns keep-alive off for every response and relays each request
 * with a body, and its response, through the primary over IPC, which taxes the whole API for
 * the sake of the polling transport.
 */
import type { Worker } from 'node:cluster';
import net from 'node:net';
import type { TrustProxy } from '../http/client-address.js';
import { isWorkerMessage, type ConnectionMessage } from './messages.js';
import { headOf, slotFor, workerOfSession } from './routing.js';

export interface StickyPrimaryOptions {
  host: string;
  port: number;
  workers: number;
  trustProxy: TrustProxy;
  /** A client that connects and sends nothing is dropped after this long. */
  firstByteTimeoutMs?: number;
  /** Connections held while no worker is ready (at boot); more are refused. */
  maxWaiting?: number;
}

interface InternalHandle {
  reading: boolean;
  readStop(): number;
}

/**
 * Stops libuv reading from the socket at once. The handle is about to move to a worker, and
 * bytes read here after the first chunk would be lost in the move (child_process replaces the
 * handle's read callback with a no-op). `socket.pause()` alone does not stop reading a server
 * socket; this is what Node's stream layer does when its buffer is full.
 */
function stopReading(socket: net.Socket): void {
  const handle = (socket as unknown as { _handle?: InternalHandle | null })._handle;
  if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
  socket.pause();
}

export class StickyPrimary {
  private readonly slots: (Worker | undefined)[];
  private readonly ready: boolean[];
  private readonly waiting: { socket: net.Socket; chunk: Buffer }[] = [];
  private readonly server: net.Server;

  constructor(private readonly options: StickyPrimaryOptions) {
    this.slots = new Array<Worker | undefined>(options.workers).fill(undefined);
    this.ready = new Array<boolean>(options.workers).fill(false);
    this.server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  /** Puts `worker` in `slot`; it receives connections once it reports ready. */
  attach(slot: number, worker: Worker): void {
    this.slots[slot] = worker;
    this.ready[slot] = false;
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message) || this.slots[slot] !== worker) return;
      this.ready[slot] = true;
      for (const pending of this.waiting.splice(0)) this.route(pending.socket, pending.chunk);
    });
    worker.once('exit', () => {
      if (this.slots[slot] !== worker) return;
      this.slots[slot] = undefined;
      this.ready[slot] = false;
    });
  }

  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** Stops accepting; connections already handed over belong to their workers. */
  close(): Promise<void> {
    for (const pending of this.waiting.splice(0)) pending.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private slotOfWorker(workerId: number | undefined): number {
    return workerId === undefined ? -1 : this.slots.findIndex((worker) => worker?.id === workerId);
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(this.options.firstByteTimeoutMs ?? 30_000, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      stopReading(socket);
      socket.setTimeout(0);
      this.route(socket, chunk);
    });
    socket.resume();
  }

  private route(socket: net.Socket, chunk: Buffer): void {
    if (socket.destroyed) return;
    const head = headOf(chunk, socket.remoteAddress ?? '', this.options.trustProxy);
    const owner = head.sid === undefined ? -1 : this.slotOfWorker(workerOfSession(head.sid));
    // A session whose worker is gone is dead anyway: the client reconnects wherever it lands.
    const slot = owner >= 0 && this.ready[owner] ? owner : slotFor(head.client, this.ready);
    const worker = slot === undefined ? undefined : this.slots[slot];
    if (!worker) {
      if (this.waiting.length < (this.options.maxWaiting ?? 1_000)) this.waiting.push({ socket, chunk });
      else socket.destroy();
      return;
    }
    const message: ConnectionMessage = { type: 'inkstone:connection', head: chunk.toString('base64') };
    worker.send(message, socket, (error: Error | null) => {
      if (error) socket.destroy();
    });
  }
}
