/**
 * Flux Kustomizations (kustomize.toolkit.fluxcd.io/v1): one for the agent part of out/k8s and one per customer, which
 * depends on the agent's, so Flux applies the agent first and holds a customer back while the agent's fails. Each
 * builds its own folder under out/gitops/flux/kustomize/ (flux-build-dirs.ts), so each owns (and prunes) only its objects.
 */
import type { FleetCustomer } from '../../fleet/model.ts';
import { AGENT_GITOPS_NAME, FLUX_DIR, fluxBuildDir, gitopsLabels, gitopsName, type GitopsSettings, repoPath } from './layout.ts';
import type { Manifest } from './manifest.ts';

export type FluxSettings = NonNullable<GitopsSettings['flux']>;

/** The build folder of `target` as Flux reads it: relative to the source's root, written with "./" as Flux's docs do. */
const fluxPath = (gitops: GitopsSettings, target: string) => `./${repoPath(gitops, `${FLUX_DIR}/${fluxBuildDir(target)}`)}`;

function kustomization(gitops: GitopsSettings, flux: FluxSettings, name: string, target: string, labels: Record<string, string>, extra: Record<string, unknown>): Manifest {
  const { kind, name: sourceName, namespace } = flux.sourceRef;
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: flux.namespace, labels },
    spec: {
      interval: flux.interval,
      path: fluxPath(gitops, target),
      prune: flux.prune,
      sourceRef: { kind, name: sourceName, ...(namespace !== undefined && { namespace }) },
      ...extra,
    },
  };
}

export function agentKustomization(gitops: GitopsSettings, flux: FluxSettings): Manifest {
  return kustomization(gitops, flux, AGENT_GITOPS_NAME, 'agent', gitopsLabels(), {});
}

export function customerKustomization(customer: FleetCustomer, gitops: GitopsSettings, flux: FluxSettings): Manifest {
  // The agent's Kustomization is in the same namespace: a name is enough.
  return kustomization(gitops, flux, gitopsName(customer.namespace), customer.id, gitopsLabels(customer.id), { dependsOn: [{ name: AGENT_GITOPS_NAME }] });
}
