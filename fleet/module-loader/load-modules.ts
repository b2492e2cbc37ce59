/**
 * Imports TypeScript modules on a loader thread under a time limit, so that no module can stop the run: a module that
 * throws, never finishes (an endless loop, a top-level await that never settles), exits or crashes its thread becomes
 * one outcome naming what happened, and every other module is still loaded.
 *
 * All modules are imported at once first (fast: the TypeScript transforms overlap). When that stops making progress
 * for the time limit, or the thread dies, the modules not yet loaded are imported again one at a time, each announced
 * before its import, so the one at fault is known by name; after it, a fresh thread goes on with the rest.
 */
import { Worker } from 'node:worker_threads';
import { fromTransferable } from '../exported-value.ts';
import type { LoaderJob, LoaderMessage } from './worker.ts';

/** Default time a module may take to load. */
export const DEFAULT_LOAD_TIMEOUT_MS = 5_000;

/** How one module's import ended. */
export type ModuleOutcome =
  | { ok: true; hasDefault: boolean; value: unknown }
  | { ok: false; reason: ModuleFailure };

/** Why a module did not load: its import threw (`error`), it did not finish in time (`timeout`), or its thread ended (`exit`). */
export type ModuleFailure =
  | { kind: 'error'; message: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'exit'; code: number; message?: string };

export interface LoadOptions {
  /** Longest a module may take to load, ms. Default {@link DEFAULT_LOAD_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Heap limit of the loader thread, MB: a module that allocates without end fails alone. Default 1024. */
  maxHeapMb?: number;
}

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);
/** Loading tsx and the schema on a new thread takes ~0.2 s; allow much more before calling the thread stuck. */
const STARTUP_LIMIT_MS = 30_000;

/** Imports every file (absolute paths) and returns what each exported or why it did not load, in input order. */
export async function loadModules(files: readonly string[], options: LoadOptions = {}): Promise<ModuleOutcome[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const maxHeapMb = options.maxHeapMb ?? 1024;
  const outcomes: Array<ModuleOutcome | undefined> = new Array(files.length);
  if (files.length === 0) return [];

  const first = await runLoader(files.map((file, index) => ({ file, index })), { sequential: false, timeoutMs, maxHeapMb }, outcomes);
  let pending = files.flatMap((file, index) => (outcomes[index] ? [] : [{ file, index }]));
  if (pending.length === 1) outcomes[pending[0]!.index] = { ok: false, reason: first.failure };
  else {
    // Bounded: every round either finishes or settles at least the module it was importing when it stopped.
    while (pending.length > 0) {
      const round = await runLoader(pending, { sequential: true, timeoutMs, maxHeapMb }, outcomes);
      if (round.current !== undefined && !outcomes[round.current]) outcomes[round.current] = { ok: false, reason: round.failure };
      const next = pending.filter(({ index }) => !outcomes[index]);
      // A thread that died before announcing any module leaves nothing to blame but the first one still pending.
      if (next.length === pending.length) outcomes[next[0]!.index] = { ok: false, reason: round.failure };
      pending = pending.filter(({ index }) => !outcomes[index]);
    }
  }
  return outcomes as ModuleOutcome[];
}

interface RunResult {
  /** Why the thread stopped before reporting every module (meaningless when all were reported). */
  failure: ModuleFailure;
  /** Index of the module being imported when the thread stopped (sequential runs only). */
  current?: number;
}

function runLoader(
  files: Array<{ file: string; index: number }>,
  settings: { sequential: boolean; timeoutMs: number; maxHeapMb: number },
  outcomes: Array<ModuleOutcome | undefined>,
): Promise<RunResult> {
  const job: LoaderJob = { files: files.map((f) => f.file), sequential: settings.sequential };
  const worker = new Worker(WORKER_ENTRY, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: settings.maxHeapMb }, stdout: true, stderr: true });
  // What a module prints is not ours to show (and may hold anything); drain it so the thread never blocks on it.
  worker.stdout.resume();
  worker.stderr.resume();
  return new Promise((resolve) => {
    let current: number | undefined;
    let settled = false;
    let timer = setTimeout(() => stop({ kind: 'timeout', timeoutMs: settings.timeoutMs }), STARTUP_LIMIT_MS);
    const restartTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stop({ kind: 'timeout', timeoutMs: settings.timeoutMs }), settings.timeoutMs);
    };
    const stop = (failure: ModuleFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve({ failure, ...(current !== undefined && { current }) });
    };
    worker.on('message', (message: LoaderMessage) => {
      if (settled) return;
      if (message.kind === 'ready') restartTimer();
      else if (message.kind === 'start') {
        current = files[message.index]!.index;
        restartTimer();
      } else if (message.kind === 'loaded' || message.kind === 'failed') {
        const index = files[message.index]!.index;
        outcomes[index] =
          message.kind === 'loaded'
            ? { ok: true, hasDefault: message.hasDefault, value: fromTransferable(message.value) }
            : { ok: false, reason: { kind: 'error', message: message.reason } };
        restartTimer();
      } else stop({ kind: 'exit', code: 0 });
    });
    worker.on('error', (error) => stop({ kind: 'exit', code: 1, message: error.message }));
    worker.on('exit', (code) => stop({ kind: 'exit', code }));
  });
}
