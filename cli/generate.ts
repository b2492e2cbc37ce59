/**
 * pnpm generate [--check] [--only compose,env] — validates customers/, runs the generators and writes out/.
 * With --check it writes nothing and exits 1 with a diff when out/ is not what generation would write.
 */
// First, so that the loader thread starts while the rest of this command loads.
import '../fleet/module-loader/prestart.ts';
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
import { loadFleet } from '../fleet/load.ts';
import { allServers } from '../fleet/model.ts';
import { generators } from '../generators/index.ts';
import { applyPlan, isClean, planOutput, type OutputPlan } from '../output/output-plan.ts';
import { runGenerators, selectGenerators } from '../output/run-generators.ts';
import { loadOption, parseCli, printProblems, resolveLoadOptions, resolvePaths } from './cli-options.ts';

const started = performance.now();
const { values } = parseCli({ ...loadOption, check: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', default: false } });
if (values.help) {
  console.log('usage: pnpm generate [--check] [--only <names>] [--root DIR] [--customers DIR] [--config FILE] [--out DIR] [--load-timeout SECONDS]\n\ngenerators:');
  for (const g of generators) console.log(`  ${g.name.padEnd(10)} ${g.description}`);
  process.exit(0);
}
const paths = resolvePaths(values);

let selected;
try {
  selected = selectGenerators(typeof values.only === 'string' ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
} catch (error) {
  console.error(pc.red((error as Error).message));
  process.exit(1);
}

const result = await loadFleet(paths, resolveLoadOptions(values));
if (!result.ok) {
  printProblems(result.problems);
  process.exit(1);
}
const plan = await planOutput(paths.outDir, await runGenerators(result.fleet, selected));
const elapsed = () => `${Math.round(performance.now() - started)} ms`;
const counts = `${result.fleet.customers.length} customers, ${allServers(result.fleet).length} servers`;

if (values.check) {
  if (isClean(plan)) {
    console.log(`${pc.green('✓')} out/ is up to date (${counts}, ${plan.unchanged.length} files, ${elapsed()})`);
    process.exit(0);
  }
  console.error(renderDrift(plan));
  console.error(pc.red(pc.bold(`✗ out/ differs from what customers/ generate: ${plan.writes.length} to write, ${plan.removals.length} to remove. Run pnpm generate and commit out/.`)));
  process.exit(1);
}

await applyPlan(paths.outDir, plan);
console.log(
  `${pc.green('✓')} ${counts} → ${plan.writes.length} written, ${plan.unchanged.length} unchanged, ${plan.removals.length} removed (${elapsed()})`,
);
for (const file of plan.writes) console.log(`  ${pc.yellow(file.before === null ? 'new    ' : 'changed')} out/${file.path}`);
for (const file of plan.removals) console.log(`  ${pc.red('removed')} out/${file.path}`);

function renderDrift(plan: OutputPlan): string {
  const patches = [
    ...plan.writes.map((f) => createTwoFilesPatch(`a/out/${f.path}`, `b/out/${f.path}`, f.before ?? '', f.content, undefined, undefined, { context: 3 })),
    ...plan.removals.map((f) => createTwoFilesPatch(`a/out/${f.path}`, '/dev/null', f.before, '', undefined, undefined, { context: 3 })),
  ];
  return patches
    .join('\n')
    .split('\n')
    .map((line) => (line.startsWith('+') && !line.startsWith('+++') ? pc.green(line) : line.startsWith('-') && !line.startsWith('---') ? pc.red(line) : line))
    .join('\n');
}
