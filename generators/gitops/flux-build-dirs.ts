/**
 * The folders the Flux Kustomizations build: out/gitops/flux/kustomize/<agent|customer id>/kustomization.yaml, listing
 * that part's files of out/k8s by a relative path.
 *
 * Why a folder each: a Flux Kustomization builds a folder, never a single file, and out/k8s/customers/ holds every
 * customer (pointed at it, each Kustomization would apply, and prune, the whole fleet). Why a reference and not a
 * copy: the manifests stay in one place (out/k8s, what `kubectl apply -k out/k8s` and Argo CD deploy too), a customer
 * change is one changed file, and nothing is synthesized twice. The cost: the files lie outside the kustomization's
 * folder, which plain kustomize refuses by default; Flux's kustomize-controller (and `flux build`) build with
 * kustomize's load restriction off, confined to the source's root, and by hand it is
 * `kubectl kustomize --load-restrictor LoadRestrictionsNone out/gitops/flux/kustomize/<id>`.
 */
import path from 'node:path';
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';
import type { GeneratedFile } from '../generator.ts';
import { KUSTOMIZATION_FILE } from '../kubernetes/names.ts';
import { AGENT_GITOPS_NAME, agentK8sFiles, customerK8sFile, FLUX_DIR, fluxBuildDir, gitopsName } from './layout.ts';
import { kustomizationFile } from './manifest.ts';

/** `files` (relative to out/) as kustomize resources of `dir` (relative to FLUX_DIR). */
function buildDir(dir: string, kustomizationName: string, files: string[]): GeneratedFile {
  const folder = `${FLUX_DIR}/${dir}`;
  return {
    path: `${folder}/${KUSTOMIZATION_FILE}`,
    content: kustomizationFile(
      [
        `Built by the Flux Kustomization ${kustomizationName}: ${files.map((file) => `out/${file}`).join(', ')}.`,
        `Outside this folder: kubectl kustomize --load-restrictor LoadRestrictionsNone out/${folder} (Flux builds that way).`,
      ],
      files.map((file) => path.posix.relative(folder, file)),
    ),
  };
}

/** Paths relative to out/. */
export function agentBuildDir(fleet: Fleet): GeneratedFile {
  return buildDir(fluxBuildDir('agent'), AGENT_GITOPS_NAME, agentK8sFiles(fleet));
}

export function customerBuildDir(customer: FleetCustomer): GeneratedFile {
  return buildDir(fluxBuildDir(customer.id), gitopsName(customer.namespace), [customerK8sFile(customer).path]);
}
