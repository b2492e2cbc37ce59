/**
 * The GitOps generator (`gitops`), opt-in through fleet.config.ts `gitops`: out/gitops/argocd/ (an ApplicationSet with
 * one Application per customer, and the agent's Application) and out/gitops/flux/ (a Flux Kustomization per customer,
 * each after the agent's), all over the files of out/k8s. Without `gitops` it writes nothing. See docs/gitops.md.
 */
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile, Generator } from '../generator.ts';
import { argocdFiles } from './argocd-tree.ts';
import { fluxFiles } from './flux-tree.ts';

export { ARGOCD_DIR, FLUX_DIR, GITOPS_DIR } from './layout.ts';

export function gitopsFiles(fleet: Fleet): GeneratedFile[] {
  const gitops = fleet.config.gitops;
  if (!gitops) return [];
  return [...(gitops.argocd ? argocdFiles(fleet, gitops, gitops.argocd) : []), ...(gitops.flux ? fluxFiles(fleet, gitops, gitops.flux) : [])];
}

export const gitopsGenerator: Generator = {
  name: 'gitops',
  description: 'GitOps (opt-in: fleet.config.ts gitops): an Argo CD ApplicationSet and Flux Kustomizations over out/k8s',
  generate: gitopsFiles,
};
