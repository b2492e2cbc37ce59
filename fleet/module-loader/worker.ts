/**
 * The loader thread: imports customer modules and the fleet config, and sends back what each exported. It runs apart
 * from the main thread so that a module that never finishes (an endless loop, an await that never settles, a
 * `process.exit`) can be stopped and reported instead of stopping `pnpm generate`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { toTransferable } from '../exported-value.ts';

/** What the main thread asks for. */
export interface LoaderJob {
  files: string[];
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
  | { kind: 'done' };

const job = workerData as LoaderJob;
const post = (message: LoaderMessage) => parentPort!.postMessage(message);

async function load(file: string, index: number): Promise<void> {
  let message: LoaderMessage;
  try {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const hasDefault = 'default' in module && module.default !== undefined;
    message = { kind: 'loaded', index, hasDefault, value: hasDefault ? toTransferable(module.default) : undefined };
  } catch (error) {
    message = { kind: 'failed', index, reason: error instanceof Error ? `${error.message}` : String(error) };
  }
  post(message);
}

post({ kind: 'ready' });
if (job.sequential) {
  for (const [index, file] of job.files.entries()) {
    post({ kind: 'start', index });
    await load(file, index);
    // Let what the module scheduled for right after its import (a timer that throws) happen while it is still current.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
} else {
  // All at once: each import is a round trip to the TypeScript loader, and in sequence they add up (~5 ms a file).
  await Promise.all(job.files.map((file, index) => load(file, index)));
}
post({ kind: 'done' });
