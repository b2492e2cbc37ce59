/**
 * The generate pipeline without the writer: load and validate the fleet, run the generators (incrementally, with a
 * cache), and plan what changes under out/. `pnpm generate`, its `--watch` and `pnpm diff` all go through it.
 */
import { defaultCache, type CacheLocation } from '../cache/cache-location.ts';
import { loadFleet, type FleetPaths } from '../fleet/load.ts';
import type { Fleet } from '../fleet/model.ts';
import type { Problem } from '../fleet/problem.ts';
import { generators as registry, type GeneratedFile, type Generator } from '../generators/index.ts';
import { runGeneratorsIncremental, type IncrementalStats } from './incremental-run.ts';
import { runGenerators } from './run-generators.ts';

export { CACHE_DIR, defaultCache } from '../cache/cache-location.ts';


export interface GenerateOptions {
  /** The generators to run (default: all). */
  generators?: Generator[];
  /** Longest a module may take to load, ms. */
  loadTimeoutMs?: number;
  /** Where loaded modules and customer parts are cached; `false` for a full run (`--no-cache`). Default: {@link defaultCache}. */
  cache?: CacheLocation | false;
  /** The out/ folder whose files may hold cached whole-file parts (default: the fleet's own). */
  filesDir?: string;
  /** Start the next loader thread once this run's load is done (`generate --watch`; see `LoadOptions.prestartNext`). */
  prestartNextLoader?: boolean;
}

export type GenerateRun =
  | {
      ok: true;
      fleet: Fleet;
      outputs: Map<string, GeneratedFile[]>;
      stats?: IncrementalStats;
      /** Files of out/ the run read and found current (path relative to out/): planning need not read them again. */
      readFromOut?: Map<string, string>;
    }
  | { ok: false; problems: Problem[] };

/** Loads the fleet at `paths` and generates its files in memory, by generator name in registry order. */
export async function generateOutputs(paths: FleetPaths, options: GenerateOptions = {}): Promise<GenerateRun> {
  const cache = options.cache === undefined ? defaultCache(paths.root) : options.cache;
  const selected = options.generators ?? registry;
  const loaded = await loadFleet(paths, {
    ...(options.loadTimeoutMs !== undefined && { loadTimeoutMs: options.loadTimeoutMs }),
    ...(cache && { cache }),
    ...(options.prestartNextLoader && { prestartNextLoader: true }),
  });
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  if (!cache) return { ok: true, fleet: loaded.fleet, outputs: await runGenerators(loaded.fleet, selected) };
  const { outputs, stats, readFromOut } = await runGeneratorsIncremental(loaded.fleet, selected, cache, options.filesDir ?? paths.outDir);
  return { ok: true, fleet: loaded.fleet, outputs, stats, readFromOut };
}
