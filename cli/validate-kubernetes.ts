/** `pnpm validate --k8s`: the Kubernetes manifests the fleet generates, validated offline and reported. */
import pc from 'picocolors';
import type { Fleet } from '../fleet/model.ts';
import { kubernetesGenerator } from '../generators/kubernetes/index.ts';
import { runGenerators } from '../output/run-generators.ts';
import { validateManifests } from '../verify/kubernetes-offline.ts';

/** Generates `fleet`'s Kubernetes tree in memory (out/ is not touched), validates it, prints the outcome; the exit code. */
export async function validateGeneratedKubernetes(fleet: Fleet): Promise<number> {
  const [files = []] = (await runGenerators(fleet, [kubernetesGenerator])).values();
  const report = await validateManifests(new Map(files.map((f) => [f.path, f.content])));
  if (report.problems.length > 0) {
    console.error(pc.red(`✗ Kubernetes manifests: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`));
    for (const problem of report.problems) console.error(`  out/${problem.file}${problem.object ? ` ${problem.object}` : ''}: ${problem.message}`);
    console.error('  customers/ passed the schema, so these point at the generator or a fleet.config.ts override: report them with this output.');
    return 1;
  }
  const kustomize = report.kustomized ? '; kubectl kustomize builds the tree' : ' (kubectl not found: install it to also run kubectl kustomize)';
  console.log(`${pc.green('✓')} Kubernetes: ${report.objects} objects in ${report.files} files pass kubernetes-models and the Kubernetes 1.28 field check${kustomize}`);
  return 0;
}
