/**
 * Running the generators with a cache of customer parts: a generator that splits its output by customer
 * (`Generator.incremental`) makes parts only for customers whose part is not cached under the same key — what the
 * customer's derived model is made of (fleet/input-keys.ts) and the fleet-wide settings, in a pack made under the same
 * code fingerprint — and assembles its files from all parts. A part that is a whole file (a customer's Kubernetes or
 * Swarm file) is kept as the hash of its content and taken from out/ while out/ still holds it (file-in-out.ts).
 * Other generators run whole.
 */
import { readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import path from 'node:path';
import { packPath, type CacheLocation } from '../cache/cache-location.ts';
import { hashOf } from '../cache/code-fingerprint.ts';
import { fileStamp } from '../cache/file-stamp.ts';
import { PackCache } from '../cache/pack-cache.ts';
import { inputKeyOf } from '../fleet/input-keys.ts';
import type { Fleet, FleetCustomer } from '../fleet/model.ts';
import { fleetOf, type GeneratedFile, type Generator, type IncrementalGeneration } from '../generators/generator.ts';
import { withOutputMemo } from '../generators/output-memo.ts';
import { fileInOut, withProof } from './file-in-out.ts';
import { outStamps, recordedContent, recordRead, type OutStamps } from './out-stamps.ts';

/** How much of a run came from the cache. */
export interface IncrementalStats {
  /** Customer parts taken from the cache, and made. */
  reused: number;
  made: number;
}

/**
 * The files of each selected generator (by name, in registry order), as `runGenerators` makes them, with the parts of
 * incremental generators taken from `cache` where it holds them.
 */
export async function runGeneratorsIncremental(
  fleet: Fleet,
  selected: Generator[],
  cache: CacheLocation,
  filesDir: string,
  prefetched?: Map<string, string>,
): Promise<{ outputs: Map<string, GeneratedFile[]>; stats: IncrementalStats; readFromOut: Map<string, string> }> {
  const memo = outputMemo(cache);
  try {
    return await withOutputMemo(memo, () => runWithParts(fleet, selected, cache, filesDir, prefetched));
  } finally {
    memo.save();
  }
}

async function runWithParts(
  fleet: Fleet,
  selected: Generator[],
  cache: CacheLocation,
  filesDir: string,
  prefetched: Map<string, string> | undefined,
): Promise<{ outputs: Map<string, GeneratedFile[]>; stats: IncrementalStats; readFromOut: Map<string, string> }> {
  const stats: IncrementalStats = { reused: 0, made: 0 };
  const store: PartStore = { cache, filesDir, readFromOut: new Map(prefetched) };
  const whole = selected.filter((g) => !g.incremental);
  const pending = new Map(whole.flatMap((g) => (g.generateInParallel ? [[g.name, g.generateInParallel(fleet)] as const] : [])));
  for (const promise of pending.values()) promise.catch(() => {});
  const split = new Map<string, Promise<GeneratedFile[]>>();
  // A customer's part is keyed by its inputs (fleet/input-keys.ts) or else its derived model, and the fleet-wide
  // settings; the pack is the generator's own.
  const settings = hashOf(JSON.stringify({ config: fleet.config, agent: fleet.agent }));
  const keys = selected.some((g) => g.incremental) ? fleet.customers.map((customer) => partKey(settings, customer, fleet)) : [];
  for (const g of selected) if (g.incremental) split.set(g.name, filesFromParts(g.name, g.incremental, fleet, keys, store, stats));
  for (const promise of split.values()) promise.catch(() => {});
  const synchronous = new Map(whole.filter((g) => !pending.has(g.name)).map((g) => [g.name, g.generate(fleet)]));
  const outputs = new Map<string, GeneratedFile[]>();
  for (const g of selected) outputs.set(g.name, synchronous.get(g.name) ?? (await (pending.get(g.name) ?? split.get(g.name))!));
  return { outputs, stats, readFromOut: store.readFromOut };
}

/**
 * Part keys by derived customer, for a customer without an input key: `generate --watch` derives an unchanged customer
 * to the same object again (build-fleet.ts).
 */
const partKeys = new WeakMap<FleetCustomer, { settings: string; key: string }>();

function partKey(settings: string, customer: FleetCustomer, fleet: Fleet): string {
  const inputs = inputKeyOf(fleet, customer.id);
  // What the derived customer is made of (fleet/input-keys.ts): its inputs, id, file and ports, and the settings.
  if (inputs) return hashOf(settings, inputs, customer.id, customer.file, JSON.stringify(customer.servers.map((server) => fleet.ports[server.key] ?? null)));
  const known = partKeys.get(customer);
  if (known?.settings === settings) return known.key;
  const key = hashOf(settings, JSON.stringify(customer));
  partKeys.set(customer, { settings, key });
  return key;
}

/** Where parts are kept: the cache, and for whole-file parts the out/ folder whose files may still hold them. */
interface PartStore {
  cache: CacheLocation;
  /** The out/ folder a file part is looked up in (the working tree's, for both sides of `pnpm diff`). */
  filesDir: string;
  /** Files of `filesDir` read (and found current) in this run, by path relative to it: the plan need not read them again. */
  readFromOut: Map<string, string>;
}

/** A whole-file part as the cache keeps it: where it is written and the hash of its content. */
interface FileRef {
  path: string;
  hash: string;
}

/** Whole-file parts read from out/ in this process, by fingerprint, generator and key (for `--watch`, which runs again and again). */
const fileParts = new Map<string, GeneratedFile>();

/** The fleet-wide files generators remember (generators/output-memo.ts). */
const outputMemo = (cache: CacheLocation) => PackCache.at<string>(packPath(cache, 'outputs.pack'), cache.fingerprint);

const memoKey = (fingerprint: string, name: string, key: string) => `${fingerprint}\0${name}\0${key}`;
const packOf = (cache: CacheLocation, name: string) => PackCache.at<unknown>(packPath(cache, `parts-${name}.pack`), cache.fingerprint);

/**
 * The part `ref` names, from `filesDir` when the file there still has the content it was made with: unread while the
 * file keeps the settled stamp it had when its hash was last found to match (out-stamps.ts, file-in-out.ts; ~0.25 s
 * for the 2,000 part files at 1,000 customers), read and hashed otherwise. `content` is set when the file was read.
 */
function readFilePart(asFiles: { filePrefix: string }, ref: FileRef, filesDir: string, stamps: OutStamps): { outPath: string; part: GeneratedFile; content?: string } | undefined {
  const outPath = `${asFiles.filePrefix}${ref.path}`;
  const file = path.resolve(filesDir, outPath);
  const stamp = fileStamp(file);
  const recorded = recordedContent(stamps, file, stamp);
  if (stamp !== undefined && recorded?.settled && recorded.hash === ref.hash) return { outPath, part: fileInOut(ref.path, { file, stamp, hash: ref.hash }) };
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (hashOf(content) !== ref.hash) return undefined;
  // Stamped after the read too: a write during it shows as another stamp.
  const kept = recordRead(stamps, file, stamp, ref.hash);
  const part = { path: ref.path, content };
  return { outPath, part: kept && stamp !== undefined ? withProof(part, { file, stamp, hash: ref.hash }) : part, content };
}

/** Files read back per batch of {@link prefetchFileParts}, between which the loader thread's answer is taken in. */
const PREFETCH_BATCH = 64;

/**
 * Reads back from `filesDir` the whole-file parts `cache` holds (a customer's Kubernetes and Swarm files), then opens the
 * other packs the run reads, while `until` is pending: a run's main thread waits for the loader thread there, and reading and hashing 2,000 files at
 * 1,000 customers is ~0.2 s it can do meanwhile instead of after. Stops at the first batch after `until` settles; what
 * it did not reach is read when the run needs it. Returns the files it read (path relative to out/ → content), for
 * the run to plan with. Entries are only looked at, so the pack's next save still drops those no customer uses.
 */
export async function prefetchFileParts(generators: Generator[], cache: CacheLocation, filesDir: string, until: Promise<unknown>): Promise<Map<string, string>> {
  let settled = false;
  until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const read = new Map<string, string>();
  const stamps = outStamps(cache);
  for (const generator of generators) {
    const asFiles = generator.incremental?.partsAreFiles;
    if (!asFiles) continue;
    const pack = packOf(cache, generator.name);
    let count = 0;
    for (const key of pack.storedKeys()) {
      if (count++ % PREFETCH_BATCH === 0) await setImmediate();
      if (settled) return read;
      const memo = memoKey(cache.fingerprint, generator.name, key);
      const ref = fileParts.has(memo) ? undefined : (pack.peek(key) as FileRef | undefined);
      const found = ref && readFilePart(asFiles, ref, filesDir, stamps);
      if (!found) continue;
      fileParts.set(memo, found.part);
      if (found.content !== undefined) read.set(found.outPath, found.content);
    }
  }
  // Time left: the other packs the run reads (megabytes at 1,000 customers), so that it finds them open.
  for (const pack of [...generators.filter((g) => g.incremental && !g.incremental.partsAreFiles).map((g) => () => packOf(cache, g.name)), () => outputMemo(cache)]) {
    await setImmediate();
    if (settled) return read;
    pack();
  }
  return read;
}

async function filesFromParts(name: string, generation: IncrementalGeneration, fleet: Fleet, keys: string[], store: PartStore, stats: IncrementalStats): Promise<GeneratedFile[]> {
  const pack = packOf(store.cache, name);
  const asFiles = generation.partsAreFiles;
  const stamps = outStamps(store.cache);
  const memoOf = (key: string) => memoKey(store.cache.fingerprint, name, key);
  const partOf = (key: string): unknown => {
    const stored = pack.get(key);
    if (!asFiles || stored === undefined) return stored;
    const known = fileParts.get(memoOf(key));
    if (known) return known;
    const found = readFilePart(asFiles, stored as FileRef, store.filesDir, stamps);
    if (!found) return undefined;
    if (found.content !== undefined) store.readFromOut.set(found.outPath, found.content);
    fileParts.set(memoOf(key), found.part);
    return found.part;
  };
  const parts: unknown[] = keys.map(partOf);
  stamps.save();
  const missing = fleet.customers.filter((_, index) => parts[index] === undefined);
  stats.reused += fleet.customers.length - missing.length;
  stats.made += missing.length;
  if (missing.length > 0) {
    const made = await generation.customerParts(fleetOf(fleet, missing));
    let next = 0;
    parts.forEach((part, index) => {
      if (part !== undefined) return;
      const key = keys[index]!;
      const madePart = made[next++];
      parts[index] = madePart;
      if (!asFiles) return pack.set(key, madePart);
      const file = madePart as GeneratedFile;
      pack.set(key, { path: file.path, hash: hashOf(file.content) } satisfies FileRef);
      fileParts.set(memoOf(key), file);
    });
    pack.save();
  }
  return generation.assemble(fleet, parts);
}
