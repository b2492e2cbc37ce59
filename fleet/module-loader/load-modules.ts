/**
 * Imports TypeScript modules on a loader thread under a time limit, and scans what they export for secrets
 * (see `secret-scan.ts`), so that no module can stop the run: a module that
 * throws, never finishes (an endless loop, a top-level await that never settles), exits or crashes its thread becomes
 * one outcome naming what happened, and every other module is still loaded.
 *
 * All modules are imported at once first (fast: the TypeScript transforms overlap). When that stops making progress
 * for the time limit, or the thread dies, the modules not yet loaded are imported again one at a time, each announced
 * before its import, so the one at fault is known by name; after it, a fresh thread goes on with the rest.
 */
import { Worker } from 'node:worker_threads';
import { fromTransferable } from '../exported-value.ts';
import type { SecretFinding } from '../secret-finding.ts';
import { threadExecArgv } from './thread-exec-argv.ts';
import { compiledCodeEnabled, compiledKey, compiledUrl } from '../../cache/compiled-code.ts';
import type { LoaderJob, LoaderMessage, LoaderThreadData } from './worker.ts';

/** Default time a module may take to load. */
export const DEFAULT_LOAD_TIMEOUT_MS = 5_000;
/** Default heap limit of a loader thread, MB. */
const DEFAULT_MAX_HEAP_MB = 1024;

/** How one module's import ended. */
export type ModuleOutcome =
  | { ok: true; hasDefault: boolean; value: unknown; secrets: Array<Pick<SecretFinding, 'path' | 'kind'>> }
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
  /**
   * Start the next loader thread as soon as this load's first pass is done (`generate --watch`): the next save then
   * finds one warmed up while this run generated, instead of starting one when the run ends.
   */
  prestartNext?: boolean;
  /**
   * Keep the thread for the next call, which imports again on it what changed (`generate --watch`): a save then skips
   * a new thread's ~0.5 s start. Only for modules that import no local file (a re-imported module would get its local
   * imports from the module cache, as they were); the caller knows (module-key.ts), and a call without it ends the kept
   * thread (see takeWorker).
   */
  keepThread?: boolean;
}

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/** A loader thread started ahead of its job, with its own readiness. */
interface StartedLoader {
  worker: Worker;
  ready: Promise<boolean>;
  /** Removes the listeners that wait for its readiness. */
  detach: () => void;
}

/**
 * Adds listeners to a thread and returns what removes exactly those. (`removeAllListeners()` would also remove the
 * Worker's own listeners that start its message port when a `message` listener is added: the next job's messages
 * then never arrive.)
 */
function listen(worker: Worker, handlers: { message?: (message: LoaderMessage) => void; error?: (error: Error) => void; exit?: (code: number) => void }): () => void {
  const added = Object.entries(handlers).filter(([, handler]) => handler) as Array<[string, (...args: unknown[]) => void]>;
  for (const [event, handler] of added) worker.on(event, handler);
  return () => {
    for (const [event, handler] of added) worker.off(event, handler);
  };
}

let prestarted: StartedLoader | undefined;

/** A thread kept after its job for the next one (`LoadOptions.keepThread`), idle and unref'ed meanwhile. */
let kept: { worker: Worker; detach: () => void } | undefined;
/** Jobs sent to kept threads so far: each one's re-imports get URLs of their own. */
let loads = 0;

/** Holds `worker` idle for the next job; should it end meanwhile, it is simply not there any more. */
function keep(worker: Worker): void {
  worker.unref();
  const forget = () => {
    if (kept?.worker === worker) kept = undefined;
  };
  kept = { worker, detach: listen(worker, { error: forget, exit: forget }) };
}

/**
 * Starts a loader thread now, for the next {@link loadModules} call to use: its start-up (~0.4 s: tsx, then the schema)
 * then overlaps with the caller's own. A CLI imports this first, before its heavy modules.
 */
export function prestartLoader(maxHeapMb = DEFAULT_MAX_HEAP_MB): void {
  if (prestarted || kept) return;
  const worker = newWorker(undefined, maxHeapMb);
  let detach = () => {};
  const ready = new Promise<boolean>((resolve) => {
    detach = listen(worker, { message: (message) => resolve(message.kind === 'ready'), error: () => resolve(false), exit: () => resolve(false) });
  });
  // Until it has a job, the thread must not keep a process alive that ends without loading anything.
  worker.unref();
  prestarted = { worker, ready, detach };
}

/** Stops the prestarted thread when no load needs it (every module came from the cache), so it holds nothing open. */
export function discardPrestartedLoader(): void {
  const unused = prestarted;
  prestarted = undefined;
  if (unused) void unused.worker.terminate();
}

function newWorker(job: LoaderJob | undefined, maxHeapMb: number): Worker {
  const workerData: LoaderThreadData = { ...(job && { job }), ...compiledModules() };
  const worker = new Worker(WORKER_ENTRY, { workerData, execArgv: threadExecArgv(), resourceLimits: { maxOldGenerationSizeMb: maxHeapMb }, stdout: true, stderr: true });
  // What a module prints is not ours to show (and may hold anything); drain it so the thread never blocks on it.
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}

/** The compiled modules a loader thread uses, each when intact (cache/compiled-code.ts). */
function compiledModules(): Omit<LoaderThreadData, 'job'> {
  try {
    if (!compiledCodeEnabled()) return {};
    const key = compiledKey();
    const [compiledThread, compiledSchema, compiledScan] = (['loaderThread', 'schema', 'secretScan'] as const).map((module) => compiledUrl(module, key));
    return { ...(compiledThread && { compiledThread }), ...(compiledSchema && { compiledSchema }), ...(compiledScan && { compiledScan }) };
  } catch {
    return {};
  }
}

/**
 * The kept thread for a job that may use one, else the prestarted thread when it is ready and has the same heap limit,
 * else a new one with `job` as its data.
 */
async function takeWorker(job: LoaderJob, maxHeapMb: number): Promise<{ worker: Worker; ready: boolean }> {
  const idle = kept;
  kept = undefined;
  if (idle && job.load !== undefined && maxHeapMb === DEFAULT_MAX_HEAP_MB) {
    idle.detach();
    idle.worker.ref();
    idle.worker.postMessage(job);
    return { worker: idle.worker, ready: true };
  }
  if (idle) void idle.worker.terminate();
  const candidate = prestarted;
  prestarted = undefined;
  if (candidate && maxHeapMb === DEFAULT_MAX_HEAP_MB && (await candidate.ready)) {
    candidate.worker.ref();
    candidate.detach();
    candidate.worker.postMessage(job);
    return { worker: candidate.worker, ready: true };
  }
  if (candidate) void candidate.worker.terminate();
  return { worker: newWorker(job, maxHeapMb), ready: false };
}

/** Loading tsx and the schema on a new thread takes ~0.2 s; allow much more before calling the thread stuck. */
const STARTUP_LIMIT_MS = 30_000;

/** Imports every file (absolute paths) and returns what each exported or why it did not load, in input order. */
export async function loadModules(files: readonly string[], options: LoadOptions = {}): Promise<ModuleOutcome[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
  const outcomes: Array<ModuleOutcome | undefined> = new Array(files.length);
  /** Indexes whose values a thread scanned for secrets. */
  const scanned = new Set<number>();
  if (files.length === 0) return [];

  const first = await runLoader(files.map((file, index) => ({ file, index })), { sequential: false, timeoutMs, maxHeapMb, keep: options.keepThread ?? false }, outcomes, scanned);
  if (options.prestartNext) prestartLoader(maxHeapMb);
  let pending = files.flatMap((file, index) => (outcomes[index] ? [] : [{ file, index }]));
  // One module left when its thread died: that module ended it. A stall, though, is only called a hang when a module
  // alone on a warmed-up thread does not finish: on a busy machine a parallel pass can stall without a culprit.
  if (pending.length === 1 && first.failure.kind === 'exit') outcomes[pending[0]!.index] = { ok: false, reason: first.failure };
  else {
    // Bounded: every round either finishes or settles at least the module it was importing when it stopped.
    while (pending.length > 0) {
      const round = await runLoader(pending, { sequential: true, timeoutMs, maxHeapMb, keep: false }, outcomes, scanned);
      if (round.current !== undefined && !outcomes[round.current]) outcomes[round.current] = { ok: false, reason: round.failure };
      let next = pending.filter(({ index }) => !outcomes[index]);
      // A thread that died before announcing any module leaves nothing to blame but the first one still pending.
      if (next.length === pending.length) {
        outcomes[next[0]!.index] = { ok: false, reason: round.failure };
        next = next.slice(1);
      }
      pending = next;
    }
  }
  await scanWhatWasNotScanned(outcomes as ModuleOutcome[], scanned);
  return outcomes as ModuleOutcome[];
}

/**
 * A thread stopped before its end (a module hung or crashed it) never scanned what it had loaded: those values are
 * scanned here, on this thread. Only a broken fleet pays for importing the scanner here.
 */
async function scanWhatWasNotScanned(outcomes: ModuleOutcome[], scanned: Set<number>): Promise<void> {
  const pending = outcomes.flatMap((outcome, index) => (outcome.ok && outcome.hasDefault && !scanned.has(index) ? [{ index, value: outcome.value }] : []));
  if (pending.length === 0) return;
  const { findSecrets } = await import('../secret-scan.ts');
  for (const { index, path, kind } of await findSecrets(pending)) {
    const outcome = outcomes[index];
    if (outcome?.ok) outcome.secrets.push({ path, kind });
  }
}

interface RunResult {
  /** Why the thread stopped before reporting every module (meaningless when all were reported). */
  failure: ModuleFailure;
  /** Index of the module being imported when the thread stopped (sequential runs only). */
  current?: number;
}

async function runLoader(
  files: Array<{ file: string; index: number }>,
  settings: { sequential: boolean; timeoutMs: number; maxHeapMb: number; keep: boolean },
  outcomes: Array<ModuleOutcome | undefined>,
  scanned: Set<number>,
): Promise<RunResult> {
  const job: LoaderJob = { files: files.map((f) => f.file), sequential: settings.sequential, ...(settings.keep && { load: ++loads }) };
  const { worker, ready } = await takeWorker(job, settings.maxHeapMb);
  return new Promise((resolve) => {
    let current: number | undefined;
    let settled = false;
    let timer: NodeJS.Timeout;
    const restartTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stop({ kind: 'timeout', timeoutMs: settings.timeoutMs }), settings.timeoutMs);
    };
    let detach = () => {};
    const stop = (failure: ModuleFailure, done = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      detach();
      if (done && settings.keep) keep(worker);
      else void worker.terminate();
      resolve({ failure, ...(current !== undefined && { current }) });
    };
    // A thread that is ready got its job just now: the time limit runs from here. A new one first has to start.
    if (ready) restartTimer();
    else timer = setTimeout(() => stop({ kind: 'timeout', timeoutMs: settings.timeoutMs }), STARTUP_LIMIT_MS);
    const onMessage = (message: LoaderMessage) => {
      if (settled) return;
      if (message.kind === 'ready') restartTimer();
      else if (message.kind === 'start') {
        current = files[message.index]!.index;
        restartTimer();
      } else if (message.kind === 'loaded' || message.kind === 'failed') {
        const index = files[message.index]!.index;
        outcomes[index] =
          message.kind === 'loaded'
            ? { ok: true, hasDefault: message.hasDefault, value: fromTransferable(message.value), secrets: [] }
            : { ok: false, reason: { kind: 'error', message: message.reason } };
        restartTimer();
      } else if (message.kind === 'secrets') {
        for (const { index } of files) if (outcomes[index]?.ok) scanned.add(index);
        for (const { index, path, kind } of message.findings) {
          const outcome = outcomes[files[index]!.index];
          if (outcome?.ok) outcome.secrets.push({ path, kind });
        }
      } else stop({ kind: 'exit', code: 0 }, true);
    };
    detach = listen(worker, { message: onMessage, error: (error) => stop({ kind: 'exit', code: 1, message: error.message }), exit: (code) => stop({ kind: 'exit', code }) });
  });
}
