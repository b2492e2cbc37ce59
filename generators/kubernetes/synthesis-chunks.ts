/**
 * The work-sharing loop of parallel synthesis: every thread claims the next chunk of customers from one shared
 * counter until the fleet is used up, so no thread waits for another and late starters simply take less.
 */
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile } from '../generator.ts';
import { customerManifestFile } from './customer-file.ts';

export interface SynthesisJob {
  fleet: Fleet;
  chunkSize: number;
  /** One Int32: the next chunk to claim, shared by every thread. */
  claims: SharedArrayBuffer;
}

/** Synthesizes chunks until none are left, handing each to `deliver` with its index in fleet order. */
export function synthesizeClaimedChunks(job: SynthesisJob, deliver: (chunk: number, files: GeneratedFile[]) => void): void {
  const { fleet, chunkSize } = job;
  const next = new Int32Array(job.claims);
  for (;;) {
    const chunk = Atomics.add(next, 0, 1);
    const first = chunk * chunkSize;
    if (first >= fleet.customers.length) return;
    deliver(chunk, fleet.customers.slice(first, first + chunkSize).map((customer) => customerManifestFile(customer, fleet)));
  }
}
