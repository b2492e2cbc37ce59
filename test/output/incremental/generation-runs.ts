/**
 * Fleet repos in temp folders and the generate runs the incremental-generation tests compare: a run as
 * `pnpm generate` makes it (generateOutputs, then planOutput and applyPlan), in the same process as the run before it
 * or in a new one, and out/ read back byte for byte.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { defaultPaths, PORTS_LOCK_FILE, type FleetPaths } from '../../../fleet/paths.ts';
import type { FleetCustomer } from '../../../fleet/model.ts';
import type { GeneratedFile, Generator } from '../../../generators/index.ts';
import { CACHE_DIR, type generateOutputs, type GenerateOptions, type GenerateRun } from '../../../output/generate-run.ts';
import type { outStamps } from '../../../output/out-stamps.ts';
import type { applyPlan, OutputPlan, planOutput } from '../../../output/output-plan.ts';
import type { FleetFiles } from './fleet-model.ts';

/** A cache folder and the fingerprint its entries count under (the pipeline's own type, wherever it is declared). */
type CacheLocation = Exclude<NonNullable<GenerateOptions['cache']>, false>;

/** Customer files import the schema by absolute path, as in bench/load.bench.ts: the fleet is outside the repo. */
export const SCHEMA_INDEX = fileURLToPath(new URL('../../../schema/index.ts', import.meta.url));

/** The generate pipeline as one process has it loaded: its caches, memos and open packs live in these modules. */
export interface Pipeline {
  generateOutputs: typeof generateOutputs;
  planOutput: typeof planOutput;
  applyPlan: typeof applyPlan;
  outStamps: typeof outStamps;
  registry: Generator[];
}

/**
 * The pipeline as a new `pnpm generate` process has it: every module of the repo evaluated afresh, so nothing an
 * earlier run kept in memory is there, and the cache is what the files on disk hold.
 */
export async function newProcess(): Promise<Pipeline> {
  vi.resetModules();
  const [run, plan, stamps, index] = await Promise.all([
    import('../../../output/generate-run.ts'),
    import('../../../output/output-plan.ts'),
    import('../../../output/out-stamps.ts'),
    import('../../../generators/index.ts'),
  ]);
  return { generateOutputs: run.generateOutputs, planOutput: plan.planOutput, applyPlan: plan.applyPlan, outStamps: stamps.outStamps, registry: index.generators };
}

/** A fleet repository in a temp folder: package.json, customers/, fleet.config.ts, out/ and its cache folder. */
export class TempFleet {
  readonly root: string;
  readonly paths: FleetPaths;

  constructor(prefix = 'mcpfleet-incremental-') {
    this.root = mkdtempSync(path.join(tmpdir(), prefix));
    this.paths = defaultPaths(this.root);
    writeFileSync(path.join(this.root, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(this.paths.customersDir);
  }

  get cacheDir(): string {
    return path.join(this.root, CACHE_DIR);
  }

  cache(fingerprint: string): CacheLocation {
    return { dir: this.cacheDir, fingerprint };
  }

  /**
   * Makes the inputs equal `files`, as a user's edit does: only files whose content differs are written, and customer
   * files not in `files` are removed.
   */
  sync(files: FleetFiles): void {
    for (const name of readdirSync(this.paths.customersDir)) {
      if (!files.has(`customers/${name}`)) rmSync(path.join(this.paths.customersDir, name));
    }
    for (const [relative, content] of files) this.write(relative, content);
  }

  write(relative: string, content: string | Buffer): void {
    const file = path.join(this.root, relative);
    if (existsSync(file) && readFileSync(file).equals(Buffer.from(content))) return;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  /** out/ports.lock.json, or undefined before the first run. */
  portsLock(): string | undefined {
    const file = path.join(this.paths.outDir, PORTS_LOCK_FILE);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Every file under out/ with its bytes, by path relative to out/. */
  outTree(): OutTree {
    return readTree(this.paths.outDir);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export type OutTree = Map<string, Buffer>;

function readTree(dir: string): OutTree {
  const tree: OutTree = new Map();
  if (!existsSync(dir)) return tree;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    tree.set(path.relative(dir, full), readFileSync(full));
  }
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A run that also wrote its plan, as `pnpm generate` does when the fleet is valid. */
export type AppliedRun = GenerateRun & { plan?: OutputPlan };

/**
 * `pnpm generate`: generate, and on success plan the changes (with what the run read of out/ and, with a cache, the
 * stamps of out/'s files, as cli/generate.ts does) and apply them.
 */
export async function generateAndApply(pipeline: Pipeline, paths: FleetPaths, options: GenerateOptions): Promise<AppliedRun> {
  const run = await pipeline.generateOutputs(paths, options);
  if (!run.ok) return run;
  const stamps = options.cache ? pipeline.outStamps(options.cache) : undefined;
  const plan = await pipeline.planOutput(paths.outDir, run.outputs, { known: run.readFromOut, ...(stamps && { stamps }) });
  await pipeline.applyPlan(paths.outDir, plan, stamps);
  return { ...run, plan };
}

/**
 * The from-scratch reference for an incremental run of `files`: a fresh repo with the same inputs and only the ports
 * lock of out/ (out/ is otherwise state the reference must not inherit), run without a cache.
 */
export async function fromScratch(pipeline: Pipeline, files: FleetFiles, portsLock: string | undefined, generators: Generator[]): Promise<{ run: AppliedRun; out: OutTree }> {
  const reference = new TempFleet('mcpfleet-reference-');
  try {
    reference.sync(files);
    if (portsLock !== undefined) reference.write(`out/${PORTS_LOCK_FILE}`, portsLock);
    const run = await generateAndApply(pipeline, reference.paths, { cache: false, generators });
    return { run, out: reference.outTree() };
  } finally {
    reference.dispose();
  }
}

/**
 * The registry's generators plus two whose customer parts name the code that made them, one of each kind of part (a
 * value, and a whole file kept in out/). The real generators' output does not change when only the fingerprint does,
 * so without these a part made under another fingerprint and wrongly reused would go unnoticed in out/.
 */
export function generatorsOfCode(fingerprint: string, registry: Generator[]): Generator[] {
  const line = (customer: FleetCustomer) => `${customer.id} made by ${fingerprint}\n`;
  const listing = (lines: string[]): GeneratedFile[] => [{ path: 'code-version.txt', content: lines.join('') }];
  const fileOf = (customer: FleetCustomer): GeneratedFile => ({ path: `${customer.id}.txt`, content: line(customer) });
  const inFolder = (file: GeneratedFile): GeneratedFile => ({ path: `code-version/${file.path}`, content: file.content });
  const codeVersion: Generator = {
    name: 'code-version',
    description: 'Which code made each customer part (test only)',
    generate: (fleet) => listing(fleet.customers.map(line)),
    incremental: { customerParts: (fleet) => fleet.customers.map(line), assemble: (_fleet, parts) => listing(parts as string[]) },
  };
  const codeVersionFiles: Generator = {
    name: 'code-version-files',
    description: 'Which code made each customer file (test only)',
    generate: (fleet) => fleet.customers.map((customer) => inFolder(fileOf(customer))),
    incremental: {
      customerParts: (fleet) => fleet.customers.map(fileOf),
      assemble: (_fleet, parts) => (parts as GeneratedFile[]).map(inFolder),
      partsAreFiles: { filePrefix: 'code-version/' },
    },
  };
  return [...registry, codeVersion, codeVersionFiles];
}

/** How many generators of a selection split their output by customer (each makes or reuses one part per customer). */
export const incrementalCount = (generators: Generator[]) => generators.filter((g) => g.incremental).length;

/**
 * Where two out/ trees first differ, for a failure message that shows it: the file sets, or the first differing file
 * with its first differing lines. Undefined when they are byte for byte the same.
 */
export function firstDifference(incremental: OutTree, reference: OutTree): string | undefined {
  const onlyIncremental = [...incremental.keys()].filter((file) => !reference.has(file));
  const onlyReference = [...reference.keys()].filter((file) => !incremental.has(file));
  if (onlyIncremental.length > 0 || onlyReference.length > 0) {
    return `file sets differ: only in the incremental out/: [${onlyIncremental.join(', ')}]; only in the from-scratch out/: [${onlyReference.join(', ')}]`;
  }
  for (const [file, expected] of reference) {
    const actual = incremental.get(file)!;
    if (actual.equals(expected)) continue;
    const actualLines = actual.toString('utf8').split('\n');
    const expectedLines = expected.toString('utf8').split('\n');
    let first = 0;
    while (first < Math.max(actualLines.length, expectedLines.length) && actualLines[first] === expectedLines[first]) first++;
    const excerpt = (lines: string[]) => lines.slice(first, first + 4).map((l) => `    | ${l}`).join('\n');
    return `out/${file} differs from line ${first + 1}:\n  incremental:\n${excerpt(actualLines)}\n  from scratch:\n${excerpt(expectedLines)}`;
  }
  return undefined;
}
