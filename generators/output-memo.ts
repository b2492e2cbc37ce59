/**
 * Fleet-wide files a generator remembers by a hash of what they are made from: files that one customer's change
 * rarely touches, yet cost much to make (the Kubernetes `monitoring.yaml`: the fleet's alert rules, synthesized and
 * rendered). Within one process they are kept in memory; a run with a cache hands in a store that outlives it
 * (`output/incremental-run.ts`), so a one-shot `pnpm generate` reuses them too. The hash must cover everything the
 * file depends on besides the code, which the store's own key (the code fingerprint) covers.
 */

import { serialize } from 'node:v8';
import { hashOf } from '../cache/code-fingerprint.ts';

/** Where remembered files are kept: a Map within one process, the cache's pack across processes. */
export interface OutputMemoStore {
  get(key: string): string | undefined;
  set(key: string, content: string): void;
}

/** Without a cache: the last file of each name, in memory (a watch holds no more than it uses). */
const inMemory = new Map<string, { inputs: string; content: string }>();
const lastOnly: OutputMemoStore = {
  get: (key) => {
    const [name, inputs] = key.split('\0');
    const known = inMemory.get(name!);
    return known && known.inputs === inputs ? known.content : undefined;
  },
  set: (key, content) => {
    const [name, inputs] = key.split('\0');
    inMemory.set(name!, { inputs: inputs!, content });
  },
};

let store: OutputMemoStore = lastOnly;

/** The file `name` as made from inputs hashing to `inputs`: remembered, or made by `make` and remembered. */
export function rememberedOutput(name: string, inputs: string, make: () => string): string {
  const key = `${name}\0${inputs}`;
  const known = store.get(key);
  if (known !== undefined) return known;
  const content = make();
  store.set(key, content);
  return content;
}

/**
 * The text `render` makes of `value`, remembered by the value itself (its structured-clone bytes, which tell key order,
 * -0 and undefined apart): for fleet-wide documents that a customer's save seldom changes, yet that cost tens of ms
 * to dump at 1,000 customers (js-yaml: the Swarm agent stack, the compose agent service and its replicas override).
 * `value` must hold everything the text depends on.
 */
export function rememberedRendering(name: string, value: unknown, render: () => string): string {
  return rememberedOutput(name, hashOf(serialize(value)), render);
}

/** Runs `work` with `memo` as the store (the cache's, for a run with one); the in-memory one otherwise. */
export async function withOutputMemo<T>(memo: OutputMemoStore, work: () => Promise<T>): Promise<T> {
  const previous = store;
  store = memo;
  try {
    return await work();
  } finally {
    store = previous;
  }
}
