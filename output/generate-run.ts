/**
 * The generate pipeline without the writer: load and validate the fleet, run the generators (incrementally, with a
 * cache), and plan what changes under out/. `pnpm generate`, its `--watch` and `pnpm diff` all go through it.
 */
import { defaultCache, type CacheLocation } from '../cache/cache-location.ts';
import { loadFleet, type FleetPaths } from '../fleet/load.ts';
import type { Fleet } from '../fleet/model.ts';
import { FleetProblems, type Problem } from '../fleet/problem.ts';
import { generators as registry, type GeneratedFile, type Generator } from '../generators/index.ts';
import { prefetchFileParts, runGeneratorsIncremental, type IncrementalStats } from './incremental-run.ts';
import { outputClashes, generatorsFor } from './plugin-generators.ts';
import { runGenerators, selectGenerators } from './run-generators.ts';

export { CACHE_DIR, defaultCache } from '../cache/cache-location.ts';


export interface GenerateOptions {
  /** The built-in generators to run (default: all); the fleet's plugins' generators run after them. */
  generators?: Generator[];
  /** Run only these generators (by name, built-in or a plugin's) and the required ones: `generate --only`. */
  only?: string[];
  /** Longest a module may take to load, ms. */
  loadTimeoutMs?: number;
  /** Where loaded modules and customer parts are cached; `false` for a full run (`--no-cache`). Default: {@link defaultCache}. */
  cache?: CacheLocation | false;
  /** The out/ folder whose files may hold cached whole-file parts (default: the fleet's own). */
  filesDir?: string;
  /** Start the next loader thread once this run's load is done (`generate --watch`; see `LoadOptions.prestartNext`). */
  prestartNextLoader?: boolean;
  /** Keep the loader thread for the next run (`generate --watch`; see `LoadOptions.keepThread`). */
  keepLoaderThread?: boolean;
}

export type GenerateRun =
  | {
      ok: true;
      fleet: Fleet;
      outputs: Map<string, GeneratedFile[]>;
      stats?: IncrementalStats;
      /** Files of out/ the run read and found current (path relative to out/): planning need not read them again. */
      readFromOut?: Map<string, string>;
      /** Every generator the fleet has (built-in and its plugins'), run or not: out/ keeps only their files. */
      generatorNames?: string[];
    }
  | { ok: false; problems: Problem[] };

/** Loads the fleet at `paths` and generates its files in memory, by generator name in registry order. */
export async function generateOutputs(paths: FleetPaths, options: GenerateOptions = {}): Promise<GenerateRun> {
  const cache = options.cache === undefined ? defaultCache(paths.root) : options.cache;
  const filesDir = options.filesDir ?? paths.outDir;
  const loading = loadFleet(paths, {
    ...(options.loadTimeoutMs !== undefined && { loadTimeoutMs: options.loadTimeoutMs }),
    ...(cache && { cache }),
    ...(options.prestartNextLoader && { prestartNextLoader: true }),
    ...(options.keepLoaderThread && { keepLoaderThread: true }),
    generatorNames: registry.map((g) => g.name),
  });
  // While the loader thread works, this thread reads back the parts out/ still holds.
  const prefetching = cache && !options.only ? prefetchFileParts(options.generators ?? registry, cache, filesDir, loading) : undefined;
  const loaded = await loading;
  const prefetched = await prefetching;
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const { fleet } = loaded;
  const available = generatorsFor(fleet, options.generators ?? registry);
  let selected: Generator[];
  try {
    selected = selectGenerators(options.only, available);
  } catch (error) {
    return { ok: false, problems: [{ file: '--only', path: '', message: (error as Error).message }] };
  }
  try {
    if (!cache) return withoutClashes({ ok: true, fleet, outputs: await runGenerators(fleet, selected) }, selected, available);
    const { outputs, stats, readFromOut } = await runGeneratorsIncremental(fleet, selected, cache, filesDir, prefetched);
    return withoutClashes({ ok: true, fleet, outputs, stats, readFromOut }, selected, available);
  } catch (error) {
    if (error instanceof FleetProblems) return { ok: false, problems: error.problems };
    throw error;
  }
}

/** The run, or the problems of plugin generators that write outside out/ or over another generator's file. */
function withoutClashes(run: Extract<GenerateRun, { ok: true }>, selected: Generator[], available: Generator[]): GenerateRun {
  const problems = outputClashes(run.outputs, selected, run.fleet);
  return problems.length > 0 ? { ok: false, problems } : { ...run, generatorNames: available.map((g) => g.name) };
}
