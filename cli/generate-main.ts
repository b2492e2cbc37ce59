/**
 * The code of `pnpm generate` (cli/generate.ts, which runs it compiled when it can): validates customers/, runs the
 * generators and writes out/; with --check it writes nothing and exits 1 with a diff when out/ is not what generation
 * would write; with --watch it generates again on every save.
 *
 * Incremental by default: loaded customer files and each customer's share of the outputs are cached in
 * .mcpfleet-cache/ (see docs/incremental-generation.md); when nothing that decides the output changed since the last
 * run and out/ still holds what it wrote, the run ends before loading the fleet. --no-cache runs everything afresh.
 */
// First, so that the loader thread starts while the rest of this command loads.
import '../fleet/module-loader/prestart.ts';
import pc from 'picocolors';
import { defaultCache } from '../cache/cache-location.ts';
import { PORTS_LOCK_FILE } from '../fleet/paths.ts';
import { loadPipeline } from '../output/load-pipeline.ts';
import { inputsKey, readRunInputs, rememberedRun, rememberRun } from '../output/run-memo.ts';
import { loadOption, parseCli, printProblems, resolveLoadOptions, resolvePaths } from './cli-options.ts';

/** Runs the command with the process's arguments; exits the process when done (a watch: at Ctrl-C). */
export async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseCli({
    ...loadOption,
    check: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    const { generators } = await loadPipeline();
    console.log(
      'usage: pnpm generate [--check] [--only <names>] [--no-cache] [--watch] [--root DIR] [--customers DIR] [--config FILE] [--out DIR] [--load-timeout SECONDS]\n\n' +
        '  --check       write nothing; exit 1 with a diff when out/ is not what customers/ generate\n' +
        '  --only NAMES  run these generators (comma-separated) and the required ones\n' +
        '  --no-cache    a full run: load every file and make every output afresh (the cache is left as it is)\n' +
        '  --watch       generate, then again on every save under customers/ or of the fleet config, until Ctrl-C\n\ngenerators:',
    );
    for (const g of generators) console.log(`  ${g.name.padEnd(10)} ${g.description}`);
    process.exit(0);
  }
  if (values.watch && values.check) {
    console.error(pc.red('--watch and --check do not go together: --watch writes out/ on every save'));
    process.exit(1);
  }
  const paths = resolvePaths(values);
  const only = typeof values.only === 'string' ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const loadOptions = resolveLoadOptions(values);
  const useCache = !values['no-cache'];
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;

  if (values.watch) {
    const { watchFleet } = await import('./generate-watch.ts');
    await watchFleet(paths, { only, loadOptions, useCache });
  } else {
    process.exit(await generateOnce());
  }

  /** One run; resolves with the exit code. */
  async function generateOnce(): Promise<number> {
    const cache = defaultCache(paths.root);
    const inputs = useCache ? readRunInputs(paths, JSON.stringify(only ?? null), cache) : undefined;
    const remembered = inputs && rememberedRun(paths, cache, inputsKey(inputs));
    if (remembered) {
      const counts = `${remembered.customers} customers, ${remembered.servers} servers`;
      const note = `${elapsed()}, nothing changed since the last run`;
      console.log(
        values.check
          ? `${pc.green('✓')} out/ is up to date (${counts}, ${remembered.files} files, ${note})`
          : `${pc.green('✓')} ${counts} → 0 written, ${remembered.files} unchanged, 0 removed (${note})`,
      );
      return 0;
    }

    const { generateOutputs, applyPlan, isClean, planOutput, outStamps, allServers } = await loadPipeline();
    const result = await generateOutputs(paths, { ...loadOptions, ...(only && { only }), ...(!useCache && { cache: false }) });
    if (!result.ok) {
      printProblems(result.problems);
      return 1;
    }
    const stamps = useCache ? outStamps(cache) : undefined;
    const plan = await planOutput(paths.outDir, result.outputs, {
      known: result.readFromOut,
      ...(result.generatorNames && { generatorNames: result.generatorNames }),
      ...(stamps && { stamps }),
      exact: values.check,
    });
    const summary = { customers: result.fleet.customers.length, servers: allServers(result.fleet).length };
    const counts = `${summary.customers} customers, ${summary.servers} servers`;
    // Only a run whose files are all in out/ now is remembered, under the inputs read before it ran and the lock it left.
    const portsLock = plan.produced.find((file) => file.path === PORTS_LOCK_FILE)?.content;
    const remember = () => inputs && rememberRun(cache, inputsKey(inputs, portsLock), plan.produced, summary);

    if (values.check) {
      if (isClean(plan)) {
        remember();
        console.log(`${pc.green('✓')} out/ is up to date (${counts}, ${plan.unchanged.length} files, ${elapsed()})`);
        return 0;
      }
      const { renderDrift } = await import('./render-drift.ts');
      console.error(renderDrift(plan));
      console.error(pc.red(pc.bold(`✗ out/ differs from what customers/ generate: ${plan.writes.length} to write, ${plan.removals.length} to remove. Run pnpm generate and commit out/.`)));
      return 1;
    }

    await applyPlan(paths.outDir, plan, stamps);
    remember();
    console.log(`${pc.green('✓')} ${counts} → ${plan.writes.length} written, ${plan.unchanged.length} unchanged, ${plan.removals.length} removed (${elapsed()})`);
    for (const file of plan.writes) console.log(`  ${pc.yellow(file.isNew ? 'new    ' : 'changed')} out/${file.path}`);
    for (const file of plan.removals) console.log(`  ${pc.red('removed')} out/${file.path}`);
    return 0;
  }
}
