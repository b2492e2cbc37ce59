/**
 * What every generated Argo CD Application holds, the customers' (through the ApplicationSet's template) and the
 * agent's: a directory source over out/k8s that includes only its own files, one destination namespace, automated sync.
 */
import { type GitopsSettings, repoPath } from './layout.ts';

export type ArgocdSettings = NonNullable<GitopsSettings['argocd']>;

export interface ApplicationTarget {
  /** Folder under out/ the Application reads. */
  folder: string;
  /** Argo CD's `directory.include` glob: the files of that folder it applies. */
  include: string;
  /** The namespace its objects go to. */
  namespace: string;
}

/**
 * `directory` makes the source a plain directory of manifests even where a kustomization.yaml lies (out/k8s has one,
 * which lists the whole fleet); without `recurse` only the folder's own files are read, and of those only `include`.
 * Automated sync with prune and self-heal: Git is the truth, a removed object is removed, a hand edit is undone.
 */
export function applicationSpec(gitops: GitopsSettings, argocd: ArgocdSettings, target: ApplicationTarget): Record<string, unknown> {
  return {
    project: argocd.project,
    source: {
      repoURL: argocd.repoURL,
      targetRevision: argocd.targetRevision,
      path: repoPath(gitops, target.folder),
      directory: { include: target.include },
    },
    destination: { server: argocd.destinationServer, namespace: target.namespace },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  };
}
