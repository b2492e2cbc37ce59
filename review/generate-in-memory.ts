/**
 * The generate pipeline without the writer: load and validate a fleet, run every generator, and return the
 * files out/ would hold (including the manifest), in memory.
 */
import path from 'node:path';
import type { CacheLocation } from '../cache/cache-location.ts';
import type { FleetPaths } from '../fleet/paths.ts';
import type { Fleet } from '../fleet/model.ts';
import type { Problem } from '../fleet/problem.ts';
import type { GeneratedFile, Generator } from '../generators/index.ts';
import { proofOf } from '../output/file-in-out.ts';
import { loadPipeline } from '../output/load-pipeline.ts';

/** Output name of the manifest, which the output layer writes beside the generators' files. */
export const MANIFEST_OUTPUT = 'manifest';

/** A fleet and everything it generates. */
export interface GeneratedFleet {
  fleet: Fleet;
  /**
   * The files by path relative to out/. A part file out/ already holds is read only when its content is asked for
   * (`output/file-in-out.ts`): compare with {@link sameContent} first.
   */
  files: Map<string, GeneratedFile>;
  /** Which output (generator name, or `manifest`) produced each path. */
  outputOf: Map<string, string>;
  /** The built-in generators' names in the order they run: the order outputs are listed in. */
  generatorNames: string[];
}

export type GenerateResult = { ok: true; generated: GeneratedFleet } | { ok: false; problems: Problem[] };

/**
 * Loads the fleet at `paths` and generates all of out/ in memory with `registry` (default: every built-in generator),
 * incrementally when given a `cache`. `scratch` is a folder of the caller's that
 * must not contain `no-out/`: the output plan is made against that absent folder so every file, including
 * generated-files.json, comes back with its full content, exactly as the writer would produce it.
 */
export async function generateInMemory(
  paths: FleetPaths,
  scratch: string,
  registry?: Generator[],
  cache: CacheLocation | false = false,
  filesDir: string = paths.outDir,
): Promise<GenerateResult> {
  const { generateOutputs, generators, planOutput } = await loadPipeline();
  const builtIn = registry ?? generators;
  const loaded = await generateOutputs(paths, { generators: builtIn, cache, filesDir });
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const { outputs } = loaded;
  const plan = await planOutput(path.join(scratch, 'no-out'), outputs);
  const outputOf = new Map<string, string>();
  for (const [name, files] of outputs) for (const file of files) outputOf.set(file.path, name);
  const files = new Map<string, GeneratedFile>();
  for (const file of plan.writes) {
    files.set(file.path, file);
    if (!outputOf.has(file.path)) outputOf.set(file.path, MANIFEST_OUTPUT);
  }
  return { ok: true, generated: { fleet: loaded.fleet, files, outputOf, generatorNames: builtIn.map((g) => g.name) } };
}

/**
 * True when two generated files have the same content; two files proven in out/ compare by their hashes, unread (at
 * 1,000 customers, `pnpm diff` no longer reads the 2,000 customer files a change leaves alone, twice).
 */
export function sameContent(a: GeneratedFile | undefined, b: GeneratedFile | undefined): boolean {
  if (!a || !b) return a === b;
  const [proofA, proofB] = [proofOf(a), proofOf(b)];
  if (proofA && proofB && proofA.hash === proofB.hash) return true;
  return a.content === b.content;
}
