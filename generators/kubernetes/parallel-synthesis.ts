/**
 * Customer files synthesized on every core. cdk8s synthesis is CPU-bound (about 2 ms a customer, nearly all of
 * it inside cdk8s), so a 1,000-customer fleet takes seconds on one thread; worker threads share it out.
 *
 * Work is handed out in chunks from a shared counter that the main thread and the workers all claim from: a
 * worker pays ~0.6 s to load tsx and cdk8s before it claims anything, and in that time the main thread simply
 * takes more. Chunks are put back in fleet order, so the files are byte-identical to `kubernetesFiles`.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Fleet } from '../../fleet/model.ts';
import { threadExecArgv } from '../../fleet/module-loader/thread-exec-argv.ts';
import type { GeneratedFile } from '../generator.ts';
import { customerManifestFile } from './customer-file.ts';
import { synthesizeClaimedChunks, type SynthesisJob } from './synthesis-chunks.ts';
import type { SynthesisMessage } from './synthesis-worker.ts';

export interface ParallelOptions {
  /** Threads including the main one. Default: the cores Node reports. */
  threads?: number;
  /** Customers per claim: small enough to balance, large enough that claiming costs nothing. */
  chunkSize?: number;
  /** Below this many customers per extra thread a worker's start-up costs more than it saves. */
  minCustomersPerWorker?: number;
  /** Whether this thread claims chunks too (default true); false leaves all synthesis to the workers. */
  workOnMainThread?: boolean;
}

const DEFAULTS = { chunkSize: 16, minCustomersPerWorker: 250 } as const;

const WORKER_ENTRY = new URL('./synthesis-worker-entry.mjs', import.meta.url);

/** How many workers a fleet of `customers` is worth. */
export function workerCount(customers: number, options: ParallelOptions = {}): number {
  const threads = options.threads ?? availableParallelism();
  const worthIt = Math.floor(customers / (options.minCustomersPerWorker ?? DEFAULTS.minCustomersPerWorker));
  return Math.max(0, Math.min(threads - 1, worthIt));
}

/** Every customer's file, in fleet order, synthesized across worker threads when the fleet is large enough. */
export async function customerFilesInParallel(fleet: Fleet, options: ParallelOptions = {}): Promise<GeneratedFile[]> {
  const workers = workerCount(fleet.customers.length, options);
  if (workers === 0) return fleet.customers.map((customer) => customerManifestFile(customer, fleet));

  const job: SynthesisJob = { fleet, chunkSize: options.chunkSize ?? DEFAULTS.chunkSize, claims: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT) };
  const chunks: GeneratedFile[][] = [];
  const started = Array.from({ length: workers }, () => startWorker(job, (chunk, files) => (chunks[chunk] = files)));
  try {
    // Let the caller run its other synchronous work first; the workers are loading meanwhile, and whatever they
    // have not claimed by the time this thread gets here, this thread takes.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.workOnMainThread ?? true) synthesizeClaimedChunks(job, (chunk, files) => (chunks[chunk] = files));
    await Promise.all(started.map((s) => s.done));
  } finally {
    for (const { done } of started) done.catch(() => {}); // already reported, or moot after our own failure
    await Promise.all(started.map((s) => s.worker.terminate()));
  }
  return chunks.flat();
}

function startWorker(job: SynthesisJob, onChunk: (chunk: number, files: GeneratedFile[]) => void): { worker: Worker; done: Promise<void> } {
  const worker = new Worker(WORKER_ENTRY, { workerData: job, execArgv: threadExecArgv() });
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: SynthesisMessage) => {
      if (message.kind === 'chunk') onChunk(message.chunk, message.files);
      else resolve();
    });
    worker.on('error', (error) => reject(new Error(`Kubernetes synthesis worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => reject(new Error(`Kubernetes synthesis worker exited (code ${code}) before finishing its chunks`)));
  });
  return { worker, done };
}
