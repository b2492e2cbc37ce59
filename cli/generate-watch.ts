/**
 * `pnpm generate --watch`: generate, then again whenever a file under customers/ or the fleet config is saved, until
 * Ctrl-C. Each run is incremental (only the saved customer is loaded and its parts made); a save with problems prints
 * them and leaves out/ as it was. Saves that arrive during a run are taken up by one more run right after it.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import type { LoadFleetOptions } from '../fleet/load.ts';
import { prestartLoader } from '../fleet/module-loader/load-modules.ts';
import type { FleetPaths } from '../fleet/paths.ts';
import { formatProblems } from '../fleet/problem.ts';
import { loadPipeline } from '../output/load-pipeline.ts';

/** Editors save in bursts (write, rename, chmod): one run per burst. */
const SETTLE_MS = 5;
/** The cache is written once saves pause, not on every save (it is megabytes at a thousand customers). */
const PERSIST_AFTER_MS = 2_000;

export interface WatchOptions {
  only?: string[];
  loadOptions: LoadFleetOptions;
  useCache: boolean;
}

/** Watches until SIGINT or SIGTERM; resolves only then. */
export async function watchFleet(paths: FleetPaths, options: WatchOptions): Promise<void> {
  const relative = (file: string) => path.relative(paths.root, file) || file;
  /** What this process last wrote to out/, by path: not read back on every save. */
  const written = new Map<string, string>();
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let persist: NodeJS.Timeout | undefined;
  const { PackCache, generateOutputs, planOutput, applyPlan, hasProof } = await loadPipeline();
  PackCache.deferWrites();

  const runOnce = async (): Promise<void> => {
    const started = performance.now();
    const result = await generateOutputs(paths, { ...options.loadOptions, ...(options.only && { only: options.only }), prestartNextLoader: true, keepLoaderThread: true, ...(!options.useCache && { cache: false }) });
    const at = new Date().toLocaleTimeString('en-GB');
    if (!result.ok) {
      console.error(`${pc.dim(at)} ${pc.red(formatProblems(result.problems))}\n${pc.dim('out/ left as it was; fix the file and save again')}`);
      return;
    }
    const plan = await planOutput(paths.outDir, result.outputs, { known: written, generatorNames: result.generatorNames });
    await applyPlan(paths.outDir, plan);
    // A file proven in out/ is not read for this (file-in-out.ts): the next plan checks its stamp instead.
    for (const file of plan.produced) {
      if (hasProof(file)) written.delete(file.path);
      else written.set(file.path, file.content);
    }
    for (const file of plan.removals) written.delete(file.path);
    const changed = [...plan.writes.map((f) => f.path), ...plan.removals.map((f) => `${f.path} (removed)`)];
    const listed = changed.length <= 4 ? changed.join(', ') : `${changed.slice(0, 4).join(', ')} and ${changed.length - 4} more`;
    console.log(`${pc.dim(at)} ${pc.green('✓')} ${changed.length === 0 ? 'no change' : `${changed.length} written: ${listed}`} (${Math.round(performance.now() - started)} ms)`);
  };

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          await runOnce();
        } catch (error) {
          console.error(pc.red(`generation failed: ${(error as Error).message}`));
        }
        // The next save's file loads on a thread that is already warm.
        prestartLoader();
        clearTimeout(persist);
        persist = setTimeout(() => PackCache.flushAll(), PERSIST_AFTER_MS);
      } while (again);
    } finally {
      running = false;
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), SETTLE_MS);
  };

  await run();
  const watchers: FSWatcher[] = [
    watch(paths.customersDir, schedule),
    watch(path.dirname(paths.configFile), (_event, name) => {
      if (name === path.basename(paths.configFile)) schedule();
    }),
  ];
  console.log(`watching ${relative(paths.customersDir)}/ and ${relative(paths.configFile)} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const watcher of watchers) watcher.close();
      clearTimeout(timer);
      clearTimeout(persist);
      PackCache.flushAll();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.exit(0);
}
