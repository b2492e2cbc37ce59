/**
 * Structured logging: one JSON object per line. Every line passes through the {@link Redactor}, so a credential value
 * known to the runtime can never reach the log, whatever field it hides in.
 */
import { writeSync } from 'node:fs';
import type { Redactor } from './redact.ts';

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logger. Fields must be plain JSON values; never pass request bodies or headers. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level?: LogLevel;
  redactor: Redactor;
  /** Where lines go; defaults to stdout. */
  write?: (line: string) => void;
}

/** Is `value` a valid {@link LogLevel}? */
export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions, base: Record<string, unknown> = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields });
    } catch {
      line = JSON.stringify({ time: new Date().toISOString(), level, msg, note: 'unserializable fields dropped' });
    }
    write(`${options.redactor.redact(line)}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything (for library use and tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** How long a log line may wait for others to share its write. */
export const LOG_FLUSH_MS = 20;

/**
 * A line writer for stdout that collects lines for up to {@link LOG_FLUSH_MS} and writes them at once: under load
 * one syscall (and one wake-up of whoever reads the log) per batch instead of per line. Flushes synchronously on
 * process exit, so nothing is lost.
 */
export function bufferedStdout(): (line: string) => void {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending.length) return;
    const chunk = pending.join('');
    pending = [];
    process.stdout.write(chunk);
  };
  process.once('exit', () => {
    if (pending.length) {
      try {
        writeSync(1, pending.join(''));
      } catch {
        /* stdout gone */
      }
      pending = [];
    }
  });
  return (line: string) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, LOG_FLUSH_MS).unref();
    }
  };
}
