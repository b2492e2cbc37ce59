/** out/gitops/argocd/: the agent's Application, the customers' ApplicationSet and a kustomization.yaml listing both. */
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile } from '../generator.ts';
import { KUSTOMIZATION_FILE } from '../kubernetes/names.ts';
import { agentApplication } from './argocd-agent-application.ts';
import type { ArgocdSettings } from './argocd-application-spec.ts';
import { applicationSet } from './argocd-applicationset.ts';
import { APPLICATIONSET_FILE, ARGOCD_AGENT_FILE, ARGOCD_DIR, type GitopsSettings, repoPath } from './layout.ts';
import { kustomizationFile, manifestFile } from './manifest.ts';

/** Paths relative to out/. */
export function argocdFiles(fleet: Fleet, gitops: GitopsSettings, argocd: ArgocdSettings): GeneratedFile[] {
  const source = `${argocd.repoURL} at ${argocd.targetRevision}`;
  const files: GeneratedFile[] = [
    {
      path: ARGOCD_AGENT_FILE,
      content: manifestFile([`Argo CD Application of the agent part of out/k8s, from ${source}.`], [agentApplication(fleet, gitops, argocd)]),
    },
    {
      path: APPLICATIONSET_FILE,
      content: manifestFile(
        [`Argo CD ApplicationSet: one Application per customer (one list element each) over out/k8s/customers, from ${source}.`],
        [applicationSet(fleet, gitops, argocd)],
      ),
    },
  ];
  const kustomization: GeneratedFile = {
    path: KUSTOMIZATION_FILE,
    content: kustomizationFile(
      [
        `Argo CD (namespace ${argocd.namespace}): kubectl apply -k out/${ARGOCD_DIR} once, or an Application over ${repoPath(gitops, ARGOCD_DIR)} (docs/gitops.md).`,
        'Track resources by annotation (the Argo CD 3 default): tracking by label would overwrite the app.kubernetes.io/instance label the manifests set.',
      ],
      files.map((f) => f.path),
    ),
  };
  return [kustomization, ...files].map((f) => ({ ...f, path: `${ARGOCD_DIR}/${f.path}` }));
}
