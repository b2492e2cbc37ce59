import type { Fleet } from '../fleet/model.ts';
import { generators as allGenerators, type GeneratedFile, type Generator } from '../generators/index.ts';

/** Picks generators by name (`--only`); required ones always run. Unknown names are an error. */
export function selectGenerators(only: string[] | undefined, registry: Generator[] = allGenerators): Generator[] {
  if (!only || only.length === 0) return registry;
  const known = new Set(registry.map((g) => g.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`unknown generator ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${[...known].join(', ')}`);
  return registry.filter((g) => g.required || only.includes(g.name));
}

/**
 * Runs generators in memory, keyed by generator name in registry order. Parallel ones start first, so their worker
 * threads run while this thread does the synchronous ones.
 */
export async function runGenerators(fleet: Fleet, selected: Generator[]): Promise<Map<string, GeneratedFile[]>> {
  const pending = new Map(selected.flatMap((g) => (g.generateInParallel ? [[g.name, g.generateInParallel(fleet)] as const] : [])));
  // A parallel run may fail while a synchronous generator is still busy; it is awaited (and reported) below.
  for (const promise of pending.values()) promise.catch(() => {});
  const synchronous = new Map(selected.filter((g) => !pending.has(g.name)).map((g) => [g.name, g.generate(fleet)]));
  const outputs = new Map<string, GeneratedFile[]>();
  for (const g of selected) outputs.set(g.name, synchronous.get(g.name) ?? (await pending.get(g.name)!));
  return outputs;
}
