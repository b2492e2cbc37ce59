/**
 * The loader thread: imports customer modules and the fleet config, and sends back what each exported. It runs apart
 * from the main thread so that a module that never finishes (an endless loop, an await that never settles, a
 * `process.exit`) can be stopped and reported instead of stopping `pnpm generate`.
 *
 * A thread may start before it has a job (see `prestartLoader`): it then loads the schema that every customer file
 * imports while the main thread is busy with its own start-up, and waits for the job as a message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toTransferable } from '../exported-value.ts';
import type { SecretFinding } from '../secret-finding.ts';
import { importBundled, type BundledModule } from './bundled-import.ts';
import { redirectAfterTypeScript, useTypeScript } from './typescript-hooks.mjs';

/** What the main thread asks for. */
export interface LoaderJob {
  files: string[];
  /**
   * Set when the thread may get more jobs after this one (`generate --watch`): a file this thread imported before is
   * imported again under a URL of its own (`?mcpfleet-load=N`), so its new content is read instead of the module cache's.
   */
  load?: number;
  /**
   * One at a time, announcing each before its import: slower, but a module that hangs is then known by name. The
   * main thread asks for it only after a parallel load stopped making progress.
   */
  sequential: boolean;
}

/** What the loader thread reports. `reason` is the import's error message, `hasDefault` false when none was exported. */
export type LoaderMessage =
  | { kind: 'ready' }
  | { kind: 'start'; index: number }
  | { kind: 'loaded'; index: number; hasDefault: boolean; value: unknown }
  | { kind: 'failed'; index: number; reason: string }
  | { kind: 'secrets'; findings: SecretFinding[] }
  | { kind: 'done' };

/** What a loader thread is started with: its job when it has one, and its compiled code when the CLI found it intact. */
export interface LoaderThreadData {
  job?: LoaderJob;
  /** URLs of modules compiled (cache/compiled-code.ts), each when intact: this one (the thread then starts without tsx), */
  compiledThread?: string;
  /** the schema every customer file imports, */
  compiledSchema?: string;
  /** and the secret scan. */
  compiledScan?: string;
}

const SCHEMA_URL = new URL('../../schema/index.ts', import.meta.url).href;
const post = (message: LoaderMessage) => parentPort!.postMessage(message);

/** What the modules of this job exported, for the secret scan. */
let exported: Array<{ index: number; value: unknown }> = [];
const requireCache = createRequire(import.meta.url).cache;
/** Files this thread has imported, in an earlier job or this one. */
const imported = new Set<string>();

/**
 * What tsx makes of every `import()` in code it transforms (this module, compiled, is not): a CommonJS module (a `.ts`
 * file outside an ES module package) whose exports are marked `__esModule` stands for the module itself.
 */
function likeTsx(module: Record<string, unknown>): Record<string, unknown> {
  const exports = module.default;
  return exports && typeof exports === 'object' && '__esModule' in exports ? (exports as Record<string, unknown>) : module;
}

/** Imports `file` through tsx (registered for the first such file), or evaluates it from the bundle when `bundled`. */
async function load(file: string, index: number, job: LoaderJob, bundled?: BundledModule): Promise<void> {
  let message: LoaderMessage;
  try {
    let module: Record<string, unknown>;
    if (bundled) module = await bundled();
    else {
      await typeScriptReady();
      const again = job.load !== undefined && imported.has(file);
      imported.add(file);
      // A file outside an ES module package loads as CommonJS, whose cache is by file name, not URL.
      if (again) delete requireCache[file];
      module = likeTsx((await import(`${pathToFileURL(file).href}${again ? `?mcpfleet-load=${job.load}` : ''}`)) as Record<string, unknown>);
    }
    const hasDefault = 'default' in module && module.default !== undefined;
    if (hasDefault) exported.push({ index, value: module.default });
    message = { kind: 'loaded', index, hasDefault, value: hasDefault ? toTransferable(module.default) : undefined };
  } catch (error) {
    message = { kind: 'failed', index, reason: error instanceof Error ? `${error.message}` : String(error) };
  }
  post(message);
}

async function run(job: LoaderJob): Promise<void> {
  // While modules load, only they keep this thread alive: one whose top-level await can never settle then ends it
  // (exit code 13), which names the fault better than a time-out. A thread kept for more jobs waits for them after.
  parentPort!.unref();
  exported = [];
  if (job.sequential) {
    // Through tsx: registered first (~0.3 s on a thread that has not yet), then the time limit starts again.
    await typeScriptReady();
    post({ kind: 'ready' });
    for (const [index, file] of job.files.entries()) {
      post({ kind: 'start', index });
      await load(file, index, job);
      // Let what the module scheduled for right after its import (a timer that throws) happen while it is still current.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } else {
    // Bundled where they can be (bundled-import.ts); the rest all at once: each import is a round trip to the TypeScript
    // loader, and in sequence they add up (~5 ms a file).
    const bundled = compiledSchema ? await importBundled(job.files, { source: fileURLToPath(SCHEMA_URL), compiledUrl: compiledSchema }).catch(() => new Map<number, BundledModule>()) : new Map<number, BundledModule>();
    const throughTypeScript = Promise.all(job.files.map((file, index) => (bundled.has(index) ? undefined : load(file, index, job))));
    // One after the other, so each file's result is sent as soon as it is there, before a later file can hang the thread.
    for (const [index, evaluate] of bundled) await load(job.files[index]!, index, job, evaluate);
    await throughTypeScript;
  }
  const { findSecrets } = await secretScan;
  post({ kind: 'secrets', findings: await findSecrets(exported) });
  post({ kind: 'done' });
  if (job.load !== undefined) parentPort!.ref();
}

// Compiled into one module each when the CLI has done so (cache/compiled-code.ts): the schema every customer file
// imports (bundled files import it by its URL; for tsx, a resolve hook hands the compiled file for the schema's URL)
// and the secret scan, which then load in a fraction of the time tsx takes over their many modules and packages.
const { job: given, compiledSchema, compiledScan } = (workerData ?? {}) as LoaderThreadData;

let typeScript: Promise<void> | undefined;
/** tsx, and the schema's redirect after it, registered for the first file this thread imports through tsx. */
const typeScriptReady = () =>
  (typeScript ??= useTypeScript().then(() => redirectAfterTypeScript(compiledSchema ? { [SCHEMA_URL]: compiledSchema } : {})));

/** A module from its sources, through tsx (by URL: compiled, this module does not take the sources in). */
const fromSources = <T>(url: string) => typeScriptReady().then(() => import(url) as Promise<T>);

// The scan's module (secretlint, ~0.4 s to import) loads while the modules do; the job awaits it only at its end.
const SECRET_SCAN_URL = new URL('../secret-scan.ts', import.meta.url).href;
type SecretScan = typeof import('../secret-scan.ts');
const secretScan: Promise<SecretScan> = compiledScan ? import(compiledScan).catch(() => fromSources<SecretScan>(SECRET_SCAN_URL)) : fromSources<SecretScan>(SECRET_SCAN_URL);

/**
 * Every customer file imports the schema, and bundles are built by esbuild (whose service starts on first use); a
 * failure is the job's to report (it fails again there), so it is ignored.
 */
const warmUp = () =>
  Promise.all([
    (compiledSchema ? import(compiledSchema) : fromSources(SCHEMA_URL)).catch(() => undefined),
    compiledSchema ? import('esbuild').then((esbuild) => esbuild.transform('')).catch(() => undefined) : undefined,
  ]);

// A thread started ahead of its job gets it as a message; a thread kept for more jobs gets each of them so (one at a
// time: the next is sent after this one's `done`).
parentPort!.on('message', (job: LoaderJob) => void run(job));
// Each module under the time limit: the first must not pay for loading the schema, or on a busy machine a good file
// could be taken for a hanging one. A thread started ahead warms up while the CLI loads its own modules.
await warmUp();
post({ kind: 'ready' });
if (given) await run(given);
