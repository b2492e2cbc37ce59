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

/** Default window of {@link RepeatFolder}: 10 s. */
export const DEFAULT_REPEAT_INTERVAL_MS = 10_000;
/** Most distinct keys a {@link RepeatFolder} tracks; further keys share one overflow key, so memory stays bounded. */
export const MAX_REPEAT_KEYS = 10_000;
const OVERFLOW_KEY = '\u0000(other)';

interface FoldState {
  level: LogLevel;
  msg: string;
  summary: Record<string, unknown>;
  windowStart: number;
  suppressed: number;
  timer: NodeJS.Timeout;
}

/**
 * Folds repeats of one kind of log line, so that a fast-failing upstream (every call failing at once during its
 * reconnect backoff) writes a handful of lines instead of one per call:
 *
 * - the first occurrence of a key is logged at once, in full;
 * - further occurrences within the interval are only counted;
 * - at the end of the interval one summary line (`<msg>: repeated N times in the last 10s`, with the key's summary
 *   fields and `repeated: N`) is written if anything was counted, and the next interval folds again;
 * - an interval with no occurrence forgets the key, so the next occurrence is logged in full again.
 *
 * Everything goes through the wrapped {@link Logger}, so summary lines are redacted like every other line. With
 * `intervalMs` 0 nothing is folded. {@link close} writes the pending summaries (shutdown must not lose counts).
 */
export class RepeatFolder {
  private readonly states = new Map<string, FoldState>();
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    options: { intervalMs?: number; maxKeys?: number } = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_REPEAT_INTERVAL_MS;
    this.maxKeys = Math.max(2, options.maxKeys ?? MAX_REPEAT_KEYS);
  }

  /**
   * Logs `msg` with `fields` unless `key` was already logged in the current interval (then it is counted).
   * `summary` holds the fields of the eventual summary line: what all the folded lines share (never per-call data).
   */
  log(level: LogLevel, key: string, msg: string, fields: Record<string, unknown>, summary: Record<string, unknown>): void {
    if (this.intervalMs <= 0 || this.closed) {
      this.logger[level](msg, fields);
      return;
    }
    let id = key;
    // The last slot is the overflow key's, so at most maxKeys keys exist.
    if (!this.states.has(id) && this.states.size >= this.maxKeys - 1) id = OVERFLOW_KEY;
    const state = this.states.get(id);
    if (state) {
      state.suppressed++;
      return;
    }
    this.logger[level](msg, fields);
    const fresh: FoldState = {
      level,
      msg,
      summary: id === OVERFLOW_KEY ? { note: 'several kinds of repeated lines' } : summary,
      windowStart: Date.now(),
      suppressed: 0,
      timer: setTimeout(() => this.endWindow(id), this.intervalMs),
    };
    // A pending summary must not keep the process alive; close() writes it on shutdown.
    fresh.timer.unref();
    this.states.set(id, fresh);
  }

  /** Number of keys currently folded (for tests and diagnostics). */
  get size(): number {
    return this.states.size;
  }

  /** Writes every pending summary now and stops folding (later lines are logged as they come). */
  close(): void {
    this.closed = true;
    for (const [id, state] of this.states) {
      clearTimeout(state.timer);
      this.summarize(state);
      this.states.delete(id);
    }
  }

  private endWindow(id: string): void {
    const state = this.states.get(id);
    if (!state) return;
    if (state.suppressed === 0) {
      this.states.delete(id);
      return;
    }
    this.summarize(state);
    state.suppressed = 0;
    state.windowStart = Date.now();
    state.timer = setTimeout(() => this.endWindow(id), this.intervalMs);
    state.timer.unref();
  }

  private summarize(state: FoldState): void {
    if (state.suppressed === 0) return;
    const seconds = Math.max(0.1, Math.round((Date.now() - state.windowStart) / 100) / 10);
    this.logger[state.level](`${state.msg}: repeated ${state.suppressed} times in the last ${seconds}s`, {
      ...state.summary,
      repeated: state.suppressed,
      interval_ms: this.intervalMs,
    });
  }
}
