/**
 * The baseline: a bare node:http server answering every request with one fixed JSON body. It runs
 * in its own child process (plain JavaScript, no loader) so it neither shares an event loop with
 * autocannon nor carries tsx in its memory. The body is handed over through the IPC channel.
 */
import { spawn } from 'node:child_process';
import { readMemory, resetPeakRss, trackChild, OutputTail, type BenchProcess } from './server-process.js';

/** The child: CommonJS, run with `node -e`, so what is measured is node:http and nothing else. */
const CHILD_SOURCE = String.raw`
const http = require('node:http');
process.once('message', (message) => {
  const body = Buffer.from(message.body, 'base64');
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
  };
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, headers);
    response.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port });
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  process.once('disconnect', () => process.exit(0));
});
`;

export interface BareServer extends BenchProcess {
  bodyBytes: number;
}

/** A JSON document of exactly `bytes` bytes (for when there is no real response to copy). */
export function jsonBodyOfSize(bytes: number): Buffer {
  const skeleton = '{"message":"OK","data":{"padding":""}}';
  if (bytes < skeleton.length) throw new Error(`a JSON body needs at least ${skeleton.length} bytes`);
  return Buffer.from(skeleton.replace('""', `"${'x'.repeat(bytes - skeleton.length)}"`));
}

export async function startBareServer(body: Buffer, timeoutMs = 10_000): Promise<BareServer> {
  const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const tracker = trackChild(child);
  const tail = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk.toString()));

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (message: { port?: number }) => {
        clearTimeout(timer);
        if (typeof message.port === 'number') resolve(message.port);
        else reject(new Error('unexpected message from the child'));
      });
      void tracker.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`child ${tracker.exitReason()}`));
      });
      child.send({ body: body.toString('base64') });
    });
  } catch (error) {
    await tracker.stop(2000);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`bare server failed to start: ${message}${tail.toString() ? `\n${tail}` : ''}`);
  }

  const pid = child.pid as number;
  let stopping: Promise<void> | undefined;
  return {
    label: 'bare',
    pid,
    baseUrl: `http://127.0.0.1:${port}`,
    bodyBytes: body.length,
    alive: tracker.alive,
    exitReason: tracker.exitReason,
    memory: () => readMemory(pid),
    resetPeak: () => resetPeakRss(pid),
    stop: () => (stopping ??= tracker.stop(5000)),
  };
}
