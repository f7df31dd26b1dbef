/** The messages between the cluster primary and its workers (IPC, JSON). */

/** Primary → worker, with the connection's socket handle: the bytes the primary already read. */
export interface ConnectionMessage {
  type: 'inkstone:connection';
  head: string; // base64
}

/** Worker → primary: it takes connections from now on. */
export type WorkerMessage = { type: 'inkstone:ready' };

export function isConnectionMessage(message: unknown): message is ConnectionMessage {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'inkstone:connection'
  );
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
  return type === 'inkstone:ready';
}
