/** A synthesis worker thread (see parallel-synthesis.ts): claims chunks of customers until none are left. */
import { parentPort, workerData } from 'node:worker_threads';
import type { GeneratedFile } from '../generator.ts';
import { synthesizeClaimedChunks, type SynthesisJob } from './synthesis-chunks.ts';

export type SynthesisMessage = { kind: 'chunk'; chunk: number; files: GeneratedFile[] } | { kind: 'done' };

const port = parentPort!;
synthesizeClaimedChunks(workerData as SynthesisJob, (chunk, files) => port.postMessage({ kind: 'chunk', chunk, files } satisfies SynthesisMessage));
port.postMessage({ kind: 'done' } satisfies SynthesisMessage);
