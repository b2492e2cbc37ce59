/**
 * out/gitops/flux/: the Flux Kustomizations (agent.yaml, customers/<id>.yaml, one file each), a kustomization.yaml
 * listing them, the agent's first, and the folders they build (kustomize/…, flux-build-dirs.ts).
 */
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile } from '../generator.ts';
import { KUSTOMIZATION_FILE } from '../kubernetes/names.ts';
import { agentBuildDir, customerBuildDir } from './flux-build-dirs.ts';
import { agentKustomization, customerKustomization, type FluxSettings } from './flux-kustomizations.ts';
import { AGENT_GITOPS_NAME, FLUX_AGENT_FILE, FLUX_DIR, fluxCustomerFile, type GitopsSettings, repoPath } from './layout.ts';
import { kustomizationFile, manifestFile } from './manifest.ts';

/** Paths relative to out/. */
export function fluxFiles(fleet: Fleet, gitops: GitopsSettings, flux: FluxSettings): GeneratedFile[] {
  const source = `${flux.sourceRef.kind} ${flux.sourceRef.namespace ?? flux.namespace}/${flux.sourceRef.name}`;
  const objects: GeneratedFile[] = [
    { path: FLUX_AGENT_FILE, content: manifestFile([`Flux Kustomization of the agent part of out/k8s, from ${source}.`], [agentKustomization(gitops, flux)]) },
    ...fleet.customers.map((customer) => ({
      path: fluxCustomerFile(customer),
      content: manifestFile(
        [`Flux Kustomization of customer "${customer.name}" (${customer.file}), namespace ${customer.namespace}, from ${source}; after ${AGENT_GITOPS_NAME}.`],
        [customerKustomization(customer, gitops, flux)],
      ),
    })),
  ];
  const kustomization: GeneratedFile = {
    path: KUSTOMIZATION_FILE,
    content: kustomizationFile(
      [`Flux (namespace ${flux.namespace}): kubectl apply -k out/${FLUX_DIR} once, or a Flux Kustomization over ./${repoPath(gitops, FLUX_DIR)} (docs/gitops.md).`],
      objects.map((f) => f.path),
    ),
  };
  const tree = [kustomization, ...objects].map((f) => ({ ...f, path: `${FLUX_DIR}/${f.path}` }));
  return [...tree, agentBuildDir(fleet), ...fleet.customers.map(customerBuildDir)];
}
