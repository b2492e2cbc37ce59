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

/** Runs generators in memory, keyed by generator name. */
export function runGenerators(fleet: Fleet, selected: Generator[]): Map<string, GeneratedFile[]> {
  return new Map(selected.map((g) => [g.name, g.generate(fleet)]));
}
