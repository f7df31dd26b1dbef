/** socket.io-client 2.x (installed under the alias socket.io-client-v2) ships no types; what the tests use. */
declare module 'socket.io-client-v2' {
  export interface V2Socket {
    id: string;
    connected: boolean;
    io: { engine: { on(event: string, fn: (...args: any[]) => void): void; transport: { name: string } } };
    on(event: string, fn: (...args: any[]) => void): V2Socket;
    once(event: string, fn: (...args: any[]) => void): V2Socket;
    off(event: string, fn?: (...args: any[]) => void): V2Socket;
    emit(event: string, ...args: any[]): V2Socket;
    close(): V2Socket;
  }
  export interface V2Options {
    query?: Record<string, string> | string;
    transports?: string[];
    forceNew?: boolean;
    reconnection?: boolean;
    timeout?: number;
    path?: string;
  }
  function io(url: string, options?: V2Options): V2Socket;
  export default io;
}
