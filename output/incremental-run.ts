/**
 * Running the generators with a cache of customer parts: a generator that splits its output by customer
 * (`Generator.incremental`) makes parts only for customers whose part is not cached under the same key — the
 * customer's derived model and the fleet-wide settings, in a pack made under the same code fingerprint — and
 * assembles its files from all parts. Other generators run whole, as without a cache.
 */
import path from 'node:path';
import { hashOf } from '../cache/code-fingerprint.ts';
import { PackCache } from '../cache/pack-cache.ts';
import type { Fleet } from '../fleet/model.ts';
import type { CacheLocation } from '../cache/cache-location.ts';
import { fleetOf, type GeneratedFile, type Generator, type IncrementalGeneration } from '../generators/generator.ts';

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
export async function runGeneratorsIncremental(fleet: Fleet, selected: Generator[], cache: CacheLocation): Promise<{ outputs: Map<string, GeneratedFile[]>; stats: IncrementalStats }> {
  const stats: IncrementalStats = { reused: 0, made: 0 };
  const whole = selected.filter((g) => !g.incremental);
  const pending = new Map(whole.flatMap((g) => (g.generateInParallel ? [[g.name, g.generateInParallel(fleet)] as const] : [])));
  for (const promise of pending.values()) promise.catch(() => {});
  const split = new Map<string, Promise<GeneratedFile[]>>();
  // A customer's part is keyed by its derived model and the fleet-wide settings; the pack is the generator's own.
  const settings = hashOf(JSON.stringify({ config: fleet.config, agent: fleet.agent }));
  const keys = fleet.customers.map((customer) => hashOf(settings, JSON.stringify(customer)));
  for (const g of selected) if (g.incremental) split.set(g.name, filesFromParts(g.name, g.incremental, fleet, keys, cache, stats));
  for (const promise of split.values()) promise.catch(() => {});
  const synchronous = new Map(whole.filter((g) => !pending.has(g.name)).map((g) => [g.name, g.generate(fleet)]));
  const outputs = new Map<string, GeneratedFile[]>();
  for (const g of selected) outputs.set(g.name, synchronous.get(g.name) ?? (await (pending.get(g.name) ?? split.get(g.name))!));
  return { outputs, stats };
}

async function filesFromParts(name: string, generation: IncrementalGeneration, fleet: Fleet, keys: string[], cache: CacheLocation, stats: IncrementalStats): Promise<GeneratedFile[]> {
  const pack = PackCache.at<unknown>(path.join(cache.dir, `parts-${name}.pack`), cache.fingerprint);
  const parts: unknown[] = keys.map((key) => pack.get(key));
  const missing = fleet.customers.filter((_, index) => parts[index] === undefined);
  stats.reused += fleet.customers.length - missing.length;
  stats.made += missing.length;
  if (missing.length > 0) {
    const made = await generation.customerParts(fleetOf(fleet, missing));
    let next = 0;
    parts.forEach((part, index) => {
      if (part !== undefined) return;
      parts[index] = made[next++];
      pack.set(keys[index]!, parts[index]);
    });
    pack.save();
  }
  return generation.assemble(fleet, parts);
}
