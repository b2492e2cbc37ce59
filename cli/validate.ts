/** pnpm validate — schema and cross-customer checks, and with --k8s the offline Kubernetes validation; writes nothing. */
// First, so that the loader thread starts while the rest of this command loads.
import '../fleet/module-loader/prestart.ts';
import pc from 'picocolors';
import { defaultCache } from '../cache/cache-location.ts';
import { loadPipeline } from '../output/load-pipeline.ts';
import { loadOption, parseCli, printProblems, resolveLoadOptions, resolvePaths } from './cli-options.ts';

const { values } = parseCli({
  ...loadOption,
  'no-cache': { type: 'boolean', default: false },
  k8s: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
});
if (values.help) {
  console.log(
    'usage: pnpm validate [--k8s] [--no-cache] [--root DIR] [--customers DIR] [--config FILE] [--load-timeout SECONDS]\n\n' +
      'Loads customers/ and fleet.config.ts and runs the schema and cross-customer checks; writes nothing.\n' +
      '  --k8s        also generate the Kubernetes manifests in memory and validate them offline, as the tests do:\n' +
      '               kubernetes-models (types, enums, required fields), no field the Kubernetes 1.28 API lacks,\n' +
      '               and `kubectl kustomize` over the tree (skipped, with a note, when kubectl is not installed)\n' +
      '  --no-cache   load and validate every file afresh instead of reusing the generation cache (.mcpfleet-cache/)\n\n' +
      'exit code: 0 valid, 1 problems (each naming the file, the field, what was given and the fix)',
  );
  process.exit(0);
}
const paths = resolvePaths(values);
const cache = values['no-cache'] ? false : defaultCache(paths.root);
// The generation cache serves validation too: unchanged files are neither imported nor validated again.
const { loadFleet, allServers } = await loadPipeline();
const result = await loadFleet(paths, { ...resolveLoadOptions(values), ...(cache && { cache }) });
if (!result.ok) {
  printProblems(result.problems);
  process.exit(1);
}
console.log(`${pc.green('✓')} ${result.fleet.customers.length} customers, ${allServers(result.fleet).length} servers: valid`);

if (values.k8s) {
  const { validateGeneratedKubernetes } = await import('./validate-kubernetes.ts');
  process.exitCode = await validateGeneratedKubernetes(result.fleet);
}
