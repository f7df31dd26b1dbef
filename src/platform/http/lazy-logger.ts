/**
 * Fastify gives every request a child logger carrying its request id. A pino child is not free
 * (bindings serialized through the redaction paths, a new logger object): about 2 % of a small
 * GET's CPU, paid even when the request logs nothing, which is most of them below `info`. This
 * factory hands out a stand-in that makes the real child on the first line actually written,
 * so a request pays only for the logging it does. What gets written is unchanged.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

type Write = (...args: unknown[]) => void;

class LazyChildLogger {
  #real: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private real(): Logger {
    return (this.#real ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  isLevelEnabled(level: string): boolean {
    // A route's own logLevel lives only in the child; otherwise the parent's level decides.
    if (this.#real === undefined && this.options.level === undefined) return this.parent.isLevelEnabled(level);
    return this.real().isLevelEnabled(level);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    if (this.isLevelEnabled(level)) (this.real()[level] as Write)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real().child(bindings, options);
  }
}

export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  new LazyChildLogger(
    logger as unknown as Logger,
    bindings as Bindings,
    options as ChildLoggerOptions,
  ) as unknown as FastifyBaseLogger;
