/**
 * Structured logging (pino): one JSON line per event on stderr, or human-readable lines when
 * `MERIDIAN_LOG_FORMAT=text`. Level from `--log_level` / `MERIDIAN_LOG_LEVEL` (default info).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = process.env.MERIDIAN_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
