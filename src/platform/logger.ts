/**
 * pino options: JSON lines (pretty when a person is watching a terminal), optionally to a file,
 * with every credential-bearing field redacted wherever it appears.
 */
import type { LoggerOptions } from 'pino';
import type { Config } from '../config.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.password_confirm',
  '*.code',
  '*.token',
  '*.refresh_token',
  '*.secret',
];

export function loggerOptions(config: Pick<Config, 'logLevel' | 'logFile' | 'env'>): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.logFile) {
    return { ...options, transport: { target: 'pino/file', options: { destination: config.logFile, mkdir: true } } };
  }
  if (process.stdout.isTTY && config.env !== 'production') {
    return {
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    };
  }
  return options;
}
